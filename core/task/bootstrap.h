// core/task/bootstrap.h: what the bootstrap task, the first task program
// the kernel starts, gets before it runs, as GNU Mach's kern/bootstrap.c
// gives it: send rights to the host-privileged port (host::priv_port) and
// the device master port (device::master_port) in its space, under the
// names kHostPortName and kDevicePortName, which its boot-script arguments
// name (`${host-port}`, `${device-port}`: each platform's runner
// substitutes them). The names are those a fresh GNU Mach space gives its
// first two rights, so the Hurd's usual `--host-priv-port=1
// --device-master-port=2` reads the same here; umach's own names have a
// table index above 0, so they never collide.
#pragma once

#include <mach/port.h>

#include "core/task/task.h"

namespace umach {

inline constexpr mach_port_name_t kHostPortName = 1;
inline constexpr mach_port_name_t kDevicePortName = 2;

// Gives `task` the two send rights; an error of the space's insert_right
// if it cannot (nothing is left half done).
[[nodiscard]] kern_return_t give_bootstrap_ports(Task& task);

}  // namespace umach
