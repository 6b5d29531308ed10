// ipc/mach_port_server.cc: the kernel's side of mach_port.defs: each
// routine checks its target and calls the space (ipc/mach_port.cc).
//
// mach_port_names and mach_port_get_set_status answer with out-of-line
// arrays: a vm::VmMapCopy in the descriptor's address field (kernel form,
// ipc/kmsg_copy.h), placed in the caller's map when the reply is received.
//
// mach_port_set_ktype (GNU Mach's ipc/mach_port.c, for user-level device
// servers; in mach_port.defs, not a MACH_IPC_DEBUG call) marks a port as
// MACH_PORT_KTYPE_USER_DEVICE or back to MACH_PORT_KTYPE_NONE. In GNU Mach
// the mark changes one thing: out-of-line memory sent to such a port
// travels as a page list (ipc_kobject_vm_page_list), a transport umach
// does not have. So umach answers as GNU Mach does, check for check, and
// keeps no mark: there is nothing for one to change (nor any call that
// reads it back). The checks, in GNU Mach's order: the privileged host
// port (KERN_INVALID_HOST), the space (KERN_INVALID_TASK), the type
// (KERN_INVALID_ARGUMENT for any other), the name and right
// (IpcSpace::check_user_port), and a port that stands for no kernel
// object (a kernel port's type stays: KERN_INVALID_ARGUMENT).
#include "core/kalloc.h"
#include "core/task/host.h"
#include "core/task/task.h"
#include "ipc/kserver.h"
#include "ipc/space.h"
#include "mach_port_kserver.h"
#include "vm/copy.h"

namespace umach::kserver {

using ipc::IpcSpace;

namespace {

// A kalloc'ed array of n 4-byte elements as an out-of-line reply region
// (the array is freed either way); null for none.
template <class T>
Result<T*> as_region(T* array, size_t n) {
  static_assert(sizeof(T) == 4);
  auto copy = vm::copy_from_buffer(array, n * 4);
  kfree(array, n * 4);
  if (!copy.ok()) return Error{copy.error()};
  return reinterpret_cast<T*>(copy.value());
}

}  // namespace

kern_return_t mach_port_names(ipc_space_ref_t task, mach_port_name_array_t* names, mach_msg_type_number_t* namesCnt,
                              mach_port_type_array_t* types, mach_msg_type_number_t* typesCnt) {
  if (!task) return KERN_INVALID_TASK;
  mach_port_name_t* name_array;
  mach_port_type_t* type_array;
  size_t n;
  if (kern_return_t kr = task->names(&name_array, &type_array, &n); kr != KERN_SUCCESS) return kr;
  auto name_region = as_region(name_array, n);
  auto type_region = as_region(type_array, n);
  if (!name_region.ok() || !type_region.ok()) {
    if (name_region.ok()) vm::discard(reinterpret_cast<vm::VmMapCopy*>(name_region.value()));
    if (type_region.ok()) vm::discard(reinterpret_cast<vm::VmMapCopy*>(type_region.value()));
    return KERN_RESOURCE_SHORTAGE;
  }
  *names = name_region.value();
  *types = type_region.value();
  *namesCnt = *typesCnt = static_cast<mach_msg_type_number_t>(n);
  return KERN_SUCCESS;
}

kern_return_t mach_port_get_set_status(ipc_space_ref_t task, mach_port_name_t name, mach_port_name_array_t* members,
                                       mach_msg_type_number_t* membersCnt) {
  if (!task) return KERN_INVALID_TASK;
  mach_port_name_t* array;
  size_t n;
  if (kern_return_t kr = task->set_members(name, &array, &n); kr != KERN_SUCCESS) return kr;
  auto region = as_region(array, n);
  if (!region.ok()) return region.error();
  *members = region.value();
  *membersCnt = static_cast<mach_msg_type_number_t>(n);
  return KERN_SUCCESS;
}

kern_return_t mach_port_type(ipc_space_ref_t task, mach_port_name_t name, mach_port_type_t* type) {
  return task ? task->type(name, type) : KERN_INVALID_TASK;
}

kern_return_t mach_port_rename(ipc_space_ref_t task, mach_port_name_t old_name, mach_port_name_t new_name) {
  return task ? task->rename(old_name, new_name) : KERN_INVALID_TASK;
}

kern_return_t mach_port_allocate_name(ipc_space_ref_t task, mach_port_right_t right, mach_port_name_t name) {
  return task ? task->allocate_name(right, name) : KERN_INVALID_TASK;
}

kern_return_t mach_port_allocate(ipc_space_ref_t task, mach_port_right_t right, mach_port_name_t* name) {
  return task ? task->allocate(right, name) : KERN_INVALID_TASK;
}

kern_return_t mach_port_destroy(ipc_space_ref_t task, mach_port_name_t name) {
  return task ? task->destroy(name) : KERN_INVALID_TASK;
}

kern_return_t mach_port_deallocate(ipc_space_ref_t task, mach_port_name_t name) {
  return task ? task->deallocate(name) : KERN_INVALID_TASK;
}

kern_return_t mach_port_get_refs(ipc_space_ref_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_urefs_t* refs) {
  return task ? task->get_refs(name, right, refs) : KERN_INVALID_TASK;
}

kern_return_t mach_port_mod_refs(ipc_space_ref_t task, mach_port_name_t name, mach_port_right_t right,
                                 mach_port_delta_t delta) {
  return task ? task->mod_refs(name, right, delta) : KERN_INVALID_TASK;
}

kern_return_t mach_port_set_qlimit(ipc_space_ref_t task, mach_port_name_t name, mach_port_msgcount_t qlimit) {
  return task ? task->set_qlimit(name, qlimit) : KERN_INVALID_TASK;
}

kern_return_t mach_port_set_mscount(ipc_space_ref_t task, mach_port_name_t name, mach_port_mscount_t mscount) {
  return task ? task->set_mscount(name, mscount) : KERN_INVALID_TASK;
}

kern_return_t mach_port_move_member(ipc_space_ref_t task, mach_port_name_t member, mach_port_name_t after) {
  return task ? task->move_member(member, after) : KERN_INVALID_TASK;
}

kern_return_t mach_port_get_receive_status(ipc_space_ref_t task, mach_port_name_t name, mach_port_status_t* status) {
  return task ? task->get_receive_status(name, status) : KERN_INVALID_TASK;
}

kern_return_t mach_port_set_seqno(ipc_space_ref_t task, mach_port_name_t name, mach_port_seqno_t seqno) {
  return task ? task->set_seqno(name, seqno) : KERN_INVALID_TASK;
}

kern_return_t mach_port_set_protected_payload(ipc_space_ref_t task, mach_port_name_t name, rpc_uintptr_t payload) {
  return task ? task->set_protected_payload(name, payload) : KERN_INVALID_TASK;
}

kern_return_t mach_port_clear_protected_payload(ipc_space_ref_t task, mach_port_name_t name) {
  return task ? task->clear_protected_payload(name) : KERN_INVALID_TASK;
}

// GNU Mach's <mach/port.h> values (IKOT_NONE, IKOT_USER_DEVICE).
constexpr mach_port_ktype_t kKtypeNone = 0;
constexpr mach_port_ktype_t kKtypeUserDevice = 28;

kern_return_t mach_port_set_ktype(ipc_port_t host, ipc_space_ref_t task, mach_port_name_t name,
                                  mach_port_right_t right, mach_port_ktype_t ktype) {
  if (!host::is_host_priv(host)) return KERN_INVALID_HOST;
  if (!task) return KERN_INVALID_TASK;
  if (ktype != kKtypeNone && ktype != kKtypeUserDevice) return KERN_INVALID_ARGUMENT;
  // (The task's port, which came in the body, the dispatch releases.)
  return task->check_user_port(name, right);
}

// The right arrived in the request (a reference, counted); on success the
// space holds it, on failure the dispatch destroys the request and it.
kern_return_t mach_port_insert_right(ipc_space_ref_t task, mach_port_name_t name, ipc_port_t poly,
                                     mach_msg_type_name_t poly_type) {
  if (!task) return KERN_INVALID_TASK;
  // GNU Mach's order: the name (KERN_INVALID_VALUE), then the right.
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_VALUE;
  if (!poly || poly == ipc::kDeadPort) return KERN_INVALID_CAPABILITY;  // the manual
  ipc::TransitRight right{poly, poly_type, false};
  return task->insert_right(name, right);
}

// The right leaves the space in transit, into the reply (ipc/kserver.h).
kern_return_t mach_port_extract_right(ipc_space_ref_t task, mach_port_name_t name, mach_msg_type_name_t msgt_name,
                                      ipc_port_t* poly, mach_msg_type_name_t* poly_type) {
  if (!task) return KERN_INVALID_TASK;
  // As GNU Mach's ipc_object_copyin: MACH_PORT_NULL and MACH_PORT_DEAD
  // name no right; a dead name's send or send-once right comes out as
  // MACH_PORT_DEAD (a user reference of it taken, as a message would).
  if (!MACH_MSG_TYPE_PORT_ANY(msgt_name)) return KERN_INVALID_VALUE;
  if (!MACH_PORT_VALID(name)) return KERN_INVALID_NAME;
  ipc::TransitRight right;
  kern_return_t kr = task->copyin_right(name, msgt_name, &right);
  if (kr != KERN_SUCCESS) return kr;
  *poly = right.dead ? ipc::kDeadPort : right.port;
  *poly_type = right.dead ? (msgt_name == MACH_MSG_TYPE_MOVE_SEND_ONCE ? unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE}
                                                                         : unsigned{MACH_MSG_TYPE_PORT_SEND})
                          : right.type;
  return KERN_SUCCESS;
}

// The notify right came in the request (a send-once right, counted); the
// previous request's right goes back in the reply.
kern_return_t mach_port_request_notification(ipc_space_ref_t task, mach_port_name_t name, mach_msg_id_t id,
                                             mach_port_mscount_t sync, ipc_port_t notify, ipc_port_t* previous) {
  if (!task) return KERN_INVALID_TASK;
  ipc::TransitRight right;
  if (notify == ipc::kDeadPort) right.dead = true;
  else if (notify) right = ipc::TransitRight{notify, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  ipc::TransitRight old;
  kern_return_t kr = task->request_notification(name, id, sync, right, &old);
  if (kr != KERN_SUCCESS) return kr;  // the request, with the right, is destroyed
  *previous = old.port;
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
