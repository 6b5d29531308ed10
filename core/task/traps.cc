// core/task/traps.cc: see traps.h.
#include "core/task/traps.h"

#include <mach/message.h>

#include "core/task/task.h"
#include "ipc/kserver.h"
#include "ipc/space.h"
#include "mach_kserver.h"
#include "mach_port_kserver.h"
#include "vm/map.h"

namespace umach::traps {
namespace {

// port_name_to_map/_space/_task (GNU Mach's): what a task name in the
// caller's space stands for, with a reference, or null.
struct MapOf {
  MapOf(Task& caller, uint64_t name) : map(convert_port_to_map(SendRight(caller.space(), name).port())) {}
  ~MapOf() { vm_map_deallocate(map); }
  vm_map_ref_t map;
};

struct SpaceOf {
  SpaceOf(Task& caller, uint64_t name) : space(convert_port_to_space(SendRight(caller.space(), name).port())) {}
  ~SpaceOf() { space_deallocate(space); }
  ipc_space_ref_t space;
};

// A port-name argument copied in with `disposition`: MACH_PORT_NULL and
// MACH_PORT_DEAD pass as such. Released unless taken (the routine
// succeeded and now holds it).
struct NamedRight {
  NamedRight(Task& caller, uint64_t name, mach_msg_type_name_t disposition) {
    kr = caller.space().copyin_right(static_cast<mach_port_name_t>(name), disposition, &right);
  }
  ~NamedRight() {
    if (right.port) ipc::release_transit_right(right);
  }
  ipc::Port* port() const { return right.dead ? ipc::kDeadPort : right.port; }
  void taken() { right = {}; }
  kern_return_t kr;
  ipc::TransitRight right;
};

kern_return_t vm_map_trap(Task& caller, UserMemory& memory, const uint64_t* a) {
  MapOf target(caller, a[0]);
  if (!target.map) return MACH_SEND_INTERRUPTED;
  NamedRight object(caller, a[5], MACH_MSG_TYPE_COPY_SEND);
  if (object.kr != KERN_SUCCESS) return object.kr;
  vm_address_t address;
  if (!memory.copyin(&address, a[1], sizeof address)) return KERN_INVALID_ADDRESS;
  kern_return_t kr = kserver::vm_map(target.map, &address, a[2], a[3], static_cast<boolean_t>(a[4]), object.port(),
                                     a[6], static_cast<boolean_t>(a[7]), static_cast<vm_prot_t>(a[8]),
                                     static_cast<vm_prot_t>(a[9]), static_cast<vm_inherit_t>(a[10]));
  if (kr != KERN_SUCCESS) return kr;
  object.taken();  // vm_map consumed it
  if (!memory.copyout(a[1], &address, sizeof address)) {
    (void)kserver::vm_deallocate(target.map, address, a[2]);
    return KERN_INVALID_ADDRESS;
  }
  return KERN_SUCCESS;
}

kern_return_t vm_allocate_trap(Task& caller, UserMemory& memory, const uint64_t* a) {
  MapOf target(caller, a[0]);
  if (!target.map) return MACH_SEND_INTERRUPTED;
  vm_address_t address;
  if (!memory.copyin(&address, a[1], sizeof address)) return KERN_INVALID_ADDRESS;
  kern_return_t kr = kserver::vm_allocate(target.map, &address, a[2], static_cast<boolean_t>(a[3]));
  if (kr != KERN_SUCCESS) return kr;
  if (!memory.copyout(a[1], &address, sizeof address)) {
    (void)kserver::vm_deallocate(target.map, address, a[2]);
    return KERN_INVALID_ADDRESS;
  }
  return KERN_SUCCESS;
}

kern_return_t vm_deallocate_trap(Task& caller, const uint64_t* a) {
  MapOf target(caller, a[0]);
  return target.map ? kserver::vm_deallocate(target.map, a[1], a[2]) : MACH_SEND_INTERRUPTED;
}

// The three task calls: the name must be a task's (else the RPC does it).
kern_return_t task_create_trap(Task& caller, UserMemory& memory, const uint64_t* a) {
  SendRight parent(caller.space(), static_cast<mach_port_name_t>(a[0]));
  if (!task_from_port(parent.port())) return MACH_SEND_INTERRUPTED;
  ipc_port_t child = nullptr;
  kern_return_t kr = kserver::task_create(parent.port(), static_cast<boolean_t>(a[1]), &child);
  if (kr != KERN_SUCCESS) return kr;
  RefPtr<Task> made = task_from_port(child);
  ipc::TransitRight right{child, MACH_MSG_TYPE_PORT_SEND, false};
  mach_port_name_t name = MACH_PORT_NULL;
  // As GNU Mach: the caller gets a name (MACH_PORT_NULL if its space is
  // full, and the right is then destroyed by copyout_right).
  (void)caller.space().copyout_right(right, &name);
  if (memory.copyout(a[2], &name, sizeof name)) return KERN_SUCCESS;
  // Unlike GNU Mach, a child whose name cannot be given back does not
  // live on unreachable: it ends, and the name goes.
  if (made) made->terminate_all();
  if (name != MACH_PORT_NULL) (void)caller.space().deallocate(name);
  return KERN_INVALID_ADDRESS;
}

kern_return_t task_call_trap(Task& caller, const uint64_t* a, kern_return_t (*routine)(ipc_port_t)) {
  SendRight task(caller.space(), static_cast<mach_port_name_t>(a[0]));
  if (!task_from_port(task.port())) return MACH_SEND_INTERRUPTED;
  return routine(task.port());
}

kern_return_t task_set_special_port_trap(Task& caller, const uint64_t* a) {
  SendRight task(caller.space(), static_cast<mach_port_name_t>(a[0]));
  if (!task_from_port(task.port())) return MACH_SEND_INTERRUPTED;
  NamedRight port(caller, a[2], MACH_MSG_TYPE_COPY_SEND);
  if (port.kr != KERN_SUCCESS) return port.kr;
  kern_return_t kr = kserver::task_set_special_port(task.port(), static_cast<int>(a[1]), port.port());
  if (kr == KERN_SUCCESS) port.taken();
  return kr;
}

kern_return_t port_allocate_trap(Task& caller, UserMemory& memory, const uint64_t* a) {
  SpaceOf target(caller, a[0]);
  if (!target.space) return MACH_SEND_INTERRUPTED;
  mach_port_name_t name;
  kern_return_t kr = kserver::mach_port_allocate(target.space, static_cast<mach_port_right_t>(a[1]), &name);
  if (kr != KERN_SUCCESS) return kr;
  if (!memory.copyout(a[2], &name, sizeof name)) {
    (void)target.space->destroy(name);
    return KERN_INVALID_ADDRESS;
  }
  return KERN_SUCCESS;
}

kern_return_t port_insert_right_trap(Task& caller, const uint64_t* a) {
  SpaceOf target(caller, a[0]);
  const auto disposition = static_cast<mach_msg_type_name_t>(a[3]);
  if (!target.space || !MACH_MSG_TYPE_PORT_ANY(disposition)) return MACH_SEND_INTERRUPTED;
  NamedRight right(caller, a[2], disposition);
  if (right.kr != KERN_SUCCESS) return right.kr;
  kern_return_t kr =
      kserver::mach_port_insert_right(target.space, static_cast<mach_port_name_t>(a[1]), right.port(), right.right.type);
  if (kr == KERN_SUCCESS) right.taken();
  return kr;
}

}  // namespace

SendRight::SendRight(ipc::IpcSpace& space, mach_port_name_t name) {
  if (MACH_PORT_VALID(name) && space.copyin_right(name, MACH_MSG_TYPE_COPY_SEND, &right_) != KERN_SUCCESS)
    right_ = {};
}

SendRight::~SendRight() {
  if (right_.port) ipc::release_transit_right(right_);
}

int arg_count(int64_t n) {
  switch (n) {
    case 64: return 11;  // syscall_vm_map
    case 65: return 4;   // syscall_vm_allocate
    case 66: return 3;   // syscall_vm_deallocate
    case 68: return 3;   // syscall_task_create
    case 69: return 1;   // syscall_task_terminate
    case 70: return 1;   // syscall_task_suspend
    case 71: return 3;   // syscall_task_set_special_port
    case 72: return 3;   // syscall_mach_port_allocate
    case 73: return 2;   // syscall_mach_port_deallocate
    case 74: return 4;   // syscall_mach_port_insert_right
    case 75: return 3;   // syscall_mach_port_allocate_name
    default: return switch_arg_count(n);
  }
}

kern_return_t call(int64_t n, Task& caller, MachThread& thread, UserMemory& memory, const uint64_t* a) {
  switch (n) {
    case 64: return vm_map_trap(caller, memory, a);
    case 65: return vm_allocate_trap(caller, memory, a);
    case 66: return vm_deallocate_trap(caller, a);
    case 68: return task_create_trap(caller, memory, a);
    // Of the caller's own task too: its threads never return to user mode.
    case 69: return task_call_trap(caller, a, kserver::task_terminate);
    case 70: return task_call_trap(caller, a, kserver::task_suspend);
    case 71: return task_set_special_port_trap(caller, a);
    case 72: return port_allocate_trap(caller, memory, a);
    case 74: return port_insert_right_trap(caller, a);
    case 73:
    case 75: {
      SpaceOf target(caller, a[0]);
      if (!target.space) return MACH_SEND_INTERRUPTED;
      const auto name = static_cast<mach_port_name_t>(n == 73 ? a[1] : a[2]);
      return n == 73 ? kserver::mach_port_deallocate(target.space, name)
                     : kserver::mach_port_allocate_name(target.space, static_cast<mach_port_right_t>(a[1]), name);
    }
    default: return switch_call(n, caller, thread, a);
  }
}

}  // namespace umach::traps
