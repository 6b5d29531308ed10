// core/task/host.h: the host: the machine as a kernel object. Its two
// ports, made once at boot, never die: the host port (mach_host_self; the
// information calls of mach_host.defs) and the host-privileged port (the
// bootstrap task's, for the calls that change the machine). Their routines
// are in core/task/host_server.cc.
#pragma once

#include <mach/machine.h>
#include <mach/message.h>

#include "core/kstd/cstring.h"
#include "ipc/port.h"
#include "ipc/space.h"

namespace umach::host {

// Makes the host's ports (kernel_bootstrap); `platform` names the machine
// in the kernel's version string.
void init(const char* platform);

// host_get_kernel_version's string: "umach 0.1 (<platform>)".
const char* kernel_version();

// The time of day, in nanoseconds since 1970-01-01 UTC: the platform's
// real-time clock read at boot, plus the monotonic clock since, as set by
// set_time and slewed by adjust_time. Negative before the epoch.
int64_t time_of_day_ns();
void set_time_of_day_ns(int64_t ns);
// Slews the time of day by `delta` ns, gradually (kSlewPpm: 500 µs a
// second, as BSD's adjtime), replacing any adjustment still pending; the
// part of that one not yet applied comes back.
inline constexpr int64_t kSlewPpm = 500;
int64_t adjust_time_of_day_ns(int64_t delta);

ipc::Port* port();
ipc::Port* priv_port();
// Whether `p` names the host: either port does, as in GNU Mach (every call
// that takes the host takes the privileged port too); the privileged one
// alone may change the machine.
inline bool is_host(const ipc::Port* p) { return p && (p == port() || p == priv_port()); }
inline bool is_host_priv(const ipc::Port* p) { return p && p == priv_port(); }

// host_reboot's options (<sys/reboot.h>, the BSD values GNU Mach takes).
inline constexpr int kRebootHalt = 0x08;        // RB_HALT
inline constexpr int kRebootDebugger = 0x1000;  // RB_DEBUGGER
// The status the machine ends with when host_reboot asks for a reboot
// (the hosted process's exit status; a halt ends with 0). Nothing here
// restarts the kernel: whoever ran it decides what a reboot means.
inline constexpr int kRebootStatus = 3;
// host_reboot: says so on the console and powers the machine off (RB_HALT:
// status 0; else kRebootStatus). Tests replace what happens then.
void reboot(int options);
void set_reboot_hook(void (*hook)(int status));

// The ports the host keeps for the kernel's life (leak counts discount them).
size_t permanent_ports();

// mach_host_self: a send right to the host port in `space`.
mach_port_name_t self_name(ipc::IpcSpace& space);

// What host_info and processor_info report the CPUs as.
#if defined(__x86_64__)
inline constexpr cpu_type_t kCpuType = CPU_TYPE_X86_64;
inline constexpr cpu_subtype_t kCpuSubtype = CPU_SUBTYPE_AT386;
#elif defined(__riscv) && __riscv_xlen == 64
inline constexpr cpu_type_t kCpuType = CPU_TYPE_RISCV64;
inline constexpr cpu_subtype_t kCpuSubtype = 0;  // no subtypes defined
#else
#error "a CPU type for this architecture"
#endif

// An information call's answer: copies `info` (whole integer_t words) out
// if the caller made room for it, KERN_FAILURE otherwise (GNU Mach's
// answer to a short count).
template <class T>
kern_return_t copy_info(const T& info, integer_t* out, mach_msg_type_number_t* count) {
  constexpr mach_msg_type_number_t words = sizeof(T) / sizeof(integer_t);
  if (*count < words) return KERN_FAILURE;
  kstd::memcpy(out, &info, sizeof info);
  *count = words;
  return KERN_SUCCESS;
}

}  // namespace umach::host
