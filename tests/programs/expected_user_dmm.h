// tests/programs/expected_user_dmm.h: what `user_dmm HOST_PRIV_NAME
// HOG_PAGES STORE_PAGES` (tests/programs/user_dmm.c) prints when every
// check held, for every platform that runs it (tests/hosted/user_dmm_test.cc
// and platform/baremetal/common/example_selftests.cc). The sizes must make
// the hog and the wired store together exceed free memory, with a store at
// least as large as the hog (so that it cannot overflow whatever order
// pageout takes pages in).
#pragma once

namespace umach::test_programs {

inline constexpr const char kUserDmmOutput[] =
    "vm_set_default_memory_manager with MACH_PORT_NULL gives the kernel's: ok\n"
    "a task port is not host_priv: ok\n"
    "vm_allocate of the hog: ok\n"
    "the manager's ports, store and thread: ok\n"
    "all but the hog is wired, and all to come: ok\n"
    "installing dmm gives back the kernel's: ok\n"
    "the current manager is dmm: ok\n"
    "the first pass reads back what it wrote: ok\n"
    "the second pass reads back what it wrote: ok\n"
    "memory_object_create gave objects of our page size: ok\n"
    "data_initialize stored new pages: ok\n"
    "data_request was answered from the store: ok\n"
    "data_return gave back pages it had: ok\n"
    "the store never overflowed: ok\n"
    "the MIG stub cannot pass a send right: ok\n"
    "reinstalling the kernel's gives dmm back: ok\n"
    "the hog is deallocated: ok\n"
    "every object it was given terminates, with its rights: ok\n"
    "the server ended: ok\n"
    "no call of the server failed: ok\n"
    "nothing unexpected arrived: ok\n"
    "user_dmm: all ok\n";

}  // namespace umach::test_programs
