// examples/expected_output.h: what each example prints, for the tests that
// run them on every platform (tests/hosted/examples_test.cc, and the
// bare-metal images' platform/baremetal/common/example_selftests.cc).
// Plain C++ constants, so both the hosted tests and the freestanding
// kernel can use them.
#pragma once

namespace umach::examples {

inline constexpr const char kSendReceiveOutput[] =
    "sent 42 (message id 1000): ok\n"
    "received 42 (message id 1000, 48 bytes, one INTEGER_32: yes, on our port: yes)\n"
    "port destroyed: ok\n";

// thread_by_hand: how deep the recursion went depends on the compiler's
// frame size, so the output is this prefix, a count, and this suffix.
inline constexpr const char kThreadByHandBeforeCount[] =
    "main: starting a thread by hand (16-page stack, guard page, thread_set_state, thread_resume)\n"
    "main: the thread summed 1..100: 5050\n"
    "main: starting a thread that recurses until its stack overflows\n"
    "main: caught EXC_BAD_ACCESS (KERN_PROTECTION_FAILURE) in the second thread, in its guard page: yes\n"
    "main: the thread recovered and ended; it overflowed after ";
inline constexpr const char kThreadByHandAfterCount[] = " calls\n";

inline constexpr const char kExceptionHandlerOutput[] =
    "main: a handler thread serves the task's exception port\n"
    "main: writing to a page nobody allocated\n"
    "handler: EXC_BAD_ACCESS (KERN_INVALID_ADDRESS): mapped the page: ok\n"
    "main: the write went through: read back 1234; exceptions handled: 1\n";

// pager: the pager's lines come while the main thread waits in its fault,
// so the two threads' lines interleave always the same way.
inline constexpr const char kPagerOutput[] =
    "main: vm_map of the pager's port, 8 pages: ok\n"
    "pager: data_request for page 5\n"
    "main: page 5, word 7 holds 5000007\n"
    "pager: data_request for page 2\n"
    "main: page 2, word 0 holds 2000000\n"
    "pager: data_request for page 7\n"
    "main: page 7, word 100 holds 7000100\n"
    "main: page 2, word 1 holds 2000001\n"
    "pager: data_request for page 0\n"
    "main: page 0, word 42 holds 42\n"
    "main: 5 of 5 words as computed; the pager served 4 data requests\n"
    "main: unmapping\n"
    "pager: memory_object_terminate: destroying the object's ports\n"
    "main: the pager is done\n";

// bootstrap, run with the boot script's arguments (kBootstrapArgs after
// its name).
inline constexpr const char* kBootstrapArgs[] = {"--host-priv-port=${host-port}",
                                                  "--device-master-port=${device-port}"};
inline constexpr const char kBootstrapOutput[] =
    "bootstrap: host-priv port 1, device master port 2\n"
    "bootstrap: host_get_time: ok (after 2020: yes)\n"
    "bootstrap: device_open(\"console\"): ok\n"
    "bootstrap: device_write: ok, 69 bytes\n";

// sieve: this line, the first 100 primes ten to a line, each in five
// columns (%5d), then the last line.
inline constexpr const char kSieveFirstLine[] = "sieve: the first 100 primes, each found by a chain of filter threads:\n";
inline constexpr const char kSieveLastLine[] = "sieve: torn down: 100 threads terminated, 100 ports destroyed\n";
inline constexpr int kSievePrimes = 100;

}  // namespace umach::examples
