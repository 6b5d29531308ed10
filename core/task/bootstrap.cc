// core/task/bootstrap.cc: see bootstrap.h.
#include "core/task/bootstrap.h"

#include "core/task/host.h"
#include "device/devices.h"
#include "ipc/kobject.h"

namespace umach {
namespace {

// A new send right to the kernel port `port` under `name` in `space`.
kern_return_t give_send_right(ipc::IpcSpace& space, ipc::Port* port, mach_port_name_t name) {
  ipc::TransitRight right = ipc::kobject_make_send(port);
  const kern_return_t kr = space.insert_right(name, right);
  if (kr != KERN_SUCCESS) ipc::release_transit_right(right);
  return kr;
}

}  // namespace

kern_return_t give_bootstrap_ports(Task& task) {
  ipc::IpcSpace& space = task.space();
  if (kern_return_t kr = give_send_right(space, host::priv_port(), kHostPortName); kr != KERN_SUCCESS) return kr;
  if (kern_return_t kr = give_send_right(space, device::master_port(), kDevicePortName); kr != KERN_SUCCESS) {
    (void)space.destroy(kHostPortName);
    return kr;
  }
  return KERN_SUCCESS;
}

}  // namespace umach
