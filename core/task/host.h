// core/task/host.h: the host: the machine as a kernel object. Its two
// ports, made once at boot, never die: the host port (mach_host_self; the
// information calls of mach_host.defs) and the host-privileged port (the
// bootstrap task's, for the calls that change the machine). Their routines
// are in core/task/host_server.cc.
#pragma once

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

// The ports the host keeps for the kernel's life (leak counts discount them).
size_t permanent_ports();

// mach_host_self: a send right to the host port in `space`.
mach_port_name_t self_name(ipc::IpcSpace& space);

}  // namespace umach::host
