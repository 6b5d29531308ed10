// vm/vm_server.cc: the kernel's side of the VM calls (mach.defs,
// mach_host.defs, gnumach.defs), the task-port-to-map conversion, and
// kernel memory objects as ports (memory_object.h).
//
// Out-of-line data crosses the dispatch as a VmMapCopy pointer in the
// descriptor's address field, as in GNU Mach (vm_read, vm_write).
#include "core/kassert.h"
#include "core/task/host.h"
#include "core/task/task.h"
#include "core/zone.h"
#include "gnumach_kserver.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"
#include "mach_kserver.h"
#include "vm/memory_object.h"
#include "vm/pager.h"
#include "vm/vm_user.h"

using umach::vm::VmMap;

vm_map_ref_t convert_port_to_map(ipc_port_t port) {
  void* task = umach::ipc::kobject_of(port, umach::ipc::KObjectType::kTask, [](void* t) {
    VmMap* map = static_cast<umach::Task*>(t)->map();
    if (!map) return false;
    map->ref();
    return true;
  });
  return task ? static_cast<umach::Task*>(task)->map() : nullptr;
}

void vm_map_deallocate(vm_map_ref_t map) {
  if (map) map->unref();
}

namespace umach::vm {
namespace {
[[clang::no_destroy]] constinit TypedZone<KernelMemoryObject> g_handles("vm.kmemobj");
}  // namespace

Result<RefPtr<KernelMemoryObject>> KernelMemoryObject::create(VmObject* object) {
  KernelMemoryObject* m = g_handles.create(object);
  if (!m) {
    SpinlockGuard hold(g_vm_lock);
    VmObject::deallocate(object);
    return Error{KERN_RESOURCE_SHORTAGE};
  }
  RefPtr<KernelMemoryObject> handle = RefPtr<KernelMemoryObject>::adopt(m);
  m->port_ = UMACH_TRY(ipc::kobject_port_create(ipc::KObjectType::kMemoryObject, m));
  return handle;
}

void KernelMemoryObject::last_reference_dropped(KernelMemoryObject* m) {
  m->destroy();
  {
    SpinlockGuard hold(g_vm_lock);
    VmObject::deallocate(m->object_);
  }
  g_handles.destroy(m);
}

ipc::TransitRight KernelMemoryObject::make_send() { return ipc::kobject_make_send(port_.get()); }

void KernelMemoryObject::destroy() {
  if (port_) ipc::kobject_port_destroy(kstd::move(port_));
}

bool KernelMemoryObject::owned_by_senders() {
  if (!port_ || !ipc::kernel_no_senders_request(port_.get())) return false;
  ref();  // the senders'
  senders_own_.store(true, kstd::MemoryOrder::release);
  return true;
}

void KernelMemoryObject::senders_gone() {
  if (!senders_own_.exchange(false, kstd::MemoryOrder::acq_rel)) return;
  destroy();
  unref();
}

KernelMemoryObject* convert_port_to_memory_object(ipc::Port* port) {
  void* m = ipc::kobject_of(port, ipc::KObjectType::kMemoryObject, [](void* h) {
    return static_cast<KernelMemoryObject*>(h)->try_ref();
  });
  return static_cast<KernelMemoryObject*>(m);
}

}  // namespace umach::vm

namespace umach::kserver {

kern_return_t vm_allocate(vm_map_ref_t map, vm_address_t* address, vm_size_t size, boolean_t anywhere) {
  if (!map) return KERN_INVALID_ARGUMENT;
  uint64_t a = *address;
  kern_return_t kr = vm::allocate(*map, &a, size, anywhere);
  if (kr == KERN_SUCCESS) *address = a;
  return kr;
}

kern_return_t vm_deallocate(vm_map_ref_t map, vm_address_t address, vm_size_t size) {
  return map ? vm::deallocate(*map, address, size) : KERN_INVALID_ARGUMENT;
}

kern_return_t vm_protect(vm_map_ref_t map, vm_address_t address, vm_size_t size, boolean_t set_maximum,
                         vm_prot_t new_protection) {
  return map ? vm::protect(*map, address, size, set_maximum, static_cast<unsigned>(new_protection))
             : KERN_INVALID_ARGUMENT;
}

kern_return_t vm_inherit(vm_map_ref_t map, vm_address_t address, vm_size_t size, vm_inherit_t new_inheritance) {
  return map ? vm::inherit(*map, address, size, static_cast<unsigned>(new_inheritance)) : KERN_INVALID_ARGUMENT;
}

// vm_read and vm_write carry their data out of line: in the kernel's form
// of a message the descriptor's address field holds the vm::VmMapCopy
// (ipc/kmsg_copy.h), as in GNU Mach. A copy a routine takes in is the
// routine's only if it succeeds; otherwise the dispatch destroys the
// request with it (ipc/kobject.cc).
kern_return_t vm_read(vm_map_ref_t map, vm_address_t address, vm_size_t size, vm_offset_t* data,
                      mach_msg_type_number_t* dataCnt) {
  if (!map) return KERN_INVALID_ARGUMENT;
  // The count is 32 bits (the descriptor's msgt_number).
  if (size > 0xffff'ffffu) return KERN_INVALID_ARGUMENT;
  vm::VmMapCopy* copy = nullptr;
  if (kern_return_t kr = vm::read(*map, address, size, &copy); kr != KERN_SUCCESS) return kr;
  *data = reinterpret_cast<uintptr_t>(copy);
  *dataCnt = static_cast<mach_msg_type_number_t>(size);
  return KERN_SUCCESS;
}

kern_return_t vm_write(vm_map_ref_t map, vm_address_t address, vm_offset_t data, mach_msg_type_number_t dataCnt) {
  auto* copy = reinterpret_cast<vm::VmMapCopy*>(static_cast<uintptr_t>(data));
  // The dispatch checked the descriptor (bytes, out of line): the copy is
  // what its count says.
  kassert(copy ? copy->size == dataCnt : dataCnt == 0);
  if (!map) return KERN_INVALID_ARGUMENT;
  return vm::write(*map, address, copy);
}

kern_return_t vm_copy(vm_map_ref_t map, vm_address_t source_address, vm_size_t size, vm_address_t dest_address) {
  return map ? vm::copy(*map, source_address, size, dest_address) : KERN_INVALID_ARGUMENT;
}

kern_return_t vm_region(vm_map_ref_t map, vm_address_t* address, vm_size_t* size, vm_prot_t* protection,
                        vm_prot_t* max_protection, vm_inherit_t* inheritance, boolean_t* is_shared,
                        ipc_port_t* object_name, vm_offset_t* offset) {
  if (!map) return KERN_INVALID_ARGUMENT;
  vm::RegionInfo r;
  kern_return_t kr = vm::region(*map, *address, &r);
  if (kr != KERN_SUCCESS) return kr;
  *address = r.address;
  *size = r.size;
  *protection = static_cast<vm_prot_t>(r.protection);
  *max_protection = static_cast<vm_prot_t>(r.max_protection);
  *inheritance = static_cast<vm_inherit_t>(r.inheritance);
  *is_shared = r.shared;
  *object_name = nullptr;  // MACH_PORT_NULL: object names are not exported
  *offset = r.offset;
  return KERN_SUCCESS;
}

kern_return_t vm_statistics(vm_map_ref_t map, vm_statistics_data_t* vm_stats) {
  if (!map) return KERN_INVALID_ARGUMENT;
  vm::statistics(vm_stats);
  return KERN_SUCCESS;
}

kern_return_t vm_map(vm_map_ref_t map, vm_address_t* address, vm_size_t size, vm_address_t mask, boolean_t anywhere,
                     ipc_port_t memory_object, vm_offset_t offset, boolean_t copy, vm_prot_t cur_protection,
                     vm_prot_t max_protection, vm_inherit_t inheritance) {
  if (!map) return KERN_INVALID_ARGUMENT;
  // The port names a kernel-made object, or an external one whose pager
  // is the port's receiver (vm/pager.h).
  vm::KernelMemoryObject* m = nullptr;
  vm::VmObject* object = nullptr;
  if (memory_object) {
    m = vm::convert_port_to_memory_object(memory_object);
    if (m) {
      object = m->object();
    } else if (kern_return_t kr = vm::pager_object(memory_object, &object); kr != KERN_SUCCESS) {
      return kr;
    }
  }
  uint64_t a = *address;
  kern_return_t kr = vm::map_object(*map, &a, size, mask, anywhere, object, offset, copy,
                                    static_cast<unsigned>(cur_protection), static_cast<unsigned>(max_protection),
                                    static_cast<unsigned>(inheritance));
  if (m) {
    m->unref();
  } else if (object) {
    {
      SpinlockGuard hold(vm::g_vm_lock);
      vm::VmObject::deallocate(object);
    }
    vm::reap_pagers();  // not mapped after all: the pager hears so
  }
  if (kr != KERN_SUCCESS) return kr;  // the request, with its right, is destroyed
  *address = a;
  // A routine that succeeds has taken the request's rights (ipc/kobject.h):
  // the send right to the memory object is not kept.
  ipc::release_send_right(memory_object);
  return KERN_SUCCESS;
}

kern_return_t vm_wire(ipc_port_t host, vm_map_ref_t map, vm_address_t address, vm_size_t size, vm_prot_t access) {
  if (!host || host != host::priv_port()) return KERN_INVALID_HOST;
  if (!map) return KERN_INVALID_TASK;
  return vm::wire(*map, address, size, static_cast<unsigned>(access));
}

kern_return_t vm_wire_all(ipc_port_t host, vm_map_ref_t map, vm_wire_t flags) {
  if (!host || host != host::priv_port()) return KERN_INVALID_HOST;
  if (!map) return KERN_INVALID_TASK;
  return vm::wire_all(*map, static_cast<unsigned>(flags));
}

kern_return_t vm_msync(vm_map_ref_t map, vm_address_t address, vm_size_t size, vm_sync_t sync_flags) {
  if (!map) return KERN_INVALID_TASK;
  return vm::msync(*map, address, size, static_cast<unsigned>(sync_flags));
}

kern_return_t vm_set_size_limit(ipc_port_t host, vm_map_ref_t map, vm_size_t current_limit, vm_size_t max_limit) {
  if (!host || host != host::priv_port()) return KERN_INVALID_HOST;
  if (!map) return KERN_INVALID_TASK;
  return vm::set_size_limit(*map, current_limit, max_limit);
}

kern_return_t vm_get_size_limit(vm_map_ref_t map, vm_size_t* current_limit, vm_size_t* max_limit) {
  if (!map) return KERN_INVALID_TASK;
  uint64_t c, m;
  vm::get_size_limit(*map, &c, &m);
  *current_limit = c;
  *max_limit = m;
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
