// vm/default_pager.cc: see default_pager.h.
#include "vm/default_pager.h"

#include "core/kalloc.h"
#include "core/kassert.h"
#include "core/task/host.h"
#include "default_pager_kserver.h"
#include "ipc/kobject.h"
#include "ipc/right.h"
#include "mach_kserver.h"
#include "notify_kserver.h"
#include "vm/copy.h"
#include "vm/memory_object.h"
#include "vm/pager.h"
#include "vm/swap.h"

namespace umach::vm {
namespace {

ipc::Port* g_port = nullptr;  // the receive right, kept for the kernel's life

bool is_default_pager(ipc::Port* port) { return port && port == g_port; }

}  // namespace

void default_pager_init() {
  auto port = ipc::kobject_port_create(ipc::KObjectType::kDefaultPager, nullptr);
  kassert(port.ok());
  g_port = port.value().leak_ref();
}

ipc::Port* default_pager_port() { return g_port; }

}  // namespace umach::vm

namespace umach::kserver {

// The send right the reply carries is made here (as every kernel routine
// returning a port makes it); on success the request's right is ours.
kern_return_t vm_set_default_memory_manager(ipc_port_t host_priv, ipc_port_t* default_manager) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  ipc::Port* const in = *default_manager;
  ipc::Port* const kernels = vm::default_pager_port();
  if (!in) {
    // Only asks: the installed manager (the kernel's port when it is the kernel).
    ipc::Port* current = vm::default_manager_copy();
    *default_manager = current ? current : ipc::kobject_make_send(kernels).port;
    return KERN_SUCCESS;
  }
  if (in == ipc::kDeadPort) return KERN_INVALID_ARGUMENT;
  {
    // No other kernel object manages memory.
    SpinlockGuard g(in->lock);
    if (in != kernels && in->kobject_type_ != ipc::KObjectType::kNone) return KERN_INVALID_ARGUMENT;
  }
  // The kernel's own port makes the kernel the default pager again.
  ipc::Port* old = vm::default_manager_exchange(in == kernels ? nullptr : in);
  if (in == kernels) ipc::release_send_right(in);
  *default_manager = old ? old : ipc::kobject_make_send(kernels).port;
  return KERN_SUCCESS;
}

kern_return_t default_pager_info(ipc_port_t pager, default_pager_info_t* info) {
  if (!vm::is_default_pager(pager)) return KERN_INVALID_ARGUMENT;
  const vm::SwapCounts c = vm::swap_counts();
  info->dpi_total_space = c.total * vm::kPageSize;
  info->dpi_free_space = (c.total - c.used) * vm::kPageSize;
  info->dpi_page_size = vm::kPageSize;
  return KERN_SUCCESS;
}

kern_return_t default_pager_object_create(ipc_port_t pager, ipc_port_t* memory_object, vm_size_t object_size) {
  if (!vm::is_default_pager(pager)) return KERN_INVALID_ARGUMENT;
  const uint64_t size = vm::page_round(object_size);
  if (size == 0 || size < object_size) return KERN_INVALID_ARGUMENT;
  vm::VmObject* o;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    o = vm::VmObject::create(size, MEMORY_OBJECT_COPY_DELAY);
  }
  if (!o) return KERN_RESOURCE_SHORTAGE;
  auto handle = vm::KernelMemoryObject::create(o);  // takes o's reference
  if (!handle.ok()) return handle.error();
  if (!handle.value()->owned_by_senders()) return KERN_RESOURCE_SHORTAGE;
  *memory_object = handle.value()->make_send().port;  // the reply's right
  return KERN_SUCCESS;
}

namespace {

struct ObjectList {
  default_pager_object_t* entries;
  size_t capacity;
  size_t count;
};

}  // namespace

kern_return_t default_pager_objects(ipc_port_t pager, default_pager_object_array_t* objects,
                                    mach_msg_type_number_t* objectsCnt, ipc_port_t** ports,
                                    mach_msg_type_number_t* portsCnt) {
  if (!vm::is_default_pager(pager)) return KERN_INVALID_ARGUMENT;
  // Counted, then filled: objects paged in or out between the two are
  // left out or cut (a snapshot, as any list of a moving system).
  size_t n = 0;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    vm::for_each_paged_object([](vm::VmObject&, void* count) { ++*static_cast<size_t*>(count); }, &n);
  }
  ObjectList list{nullptr, n, 0};
  if (n) {
    list.entries = static_cast<default_pager_object_t*>(kalloc(n * sizeof *list.entries));
    if (!list.entries) return KERN_RESOURCE_SHORTAGE;
    SpinlockGuard hold(vm::g_vm_lock);
    vm::for_each_paged_object(
        [](vm::VmObject& o, void* arg) UMACH_REQUIRES(vm::g_vm_lock) {
          auto* l = static_cast<ObjectList*>(arg);
          if (l->count == l->capacity) return;
          l->entries[l->count++] = default_pager_object_t{o.id(), o.paged_out_count() * vm::kPageSize};
        },
        &list);
  }
  auto copy = vm::copy_from_buffer(list.entries, list.count * sizeof *list.entries);
  ipc_port_t* port_array = list.count ? static_cast<ipc_port_t*>(kalloc(list.count * sizeof(ipc_port_t))) : nullptr;
  if (list.entries) kfree(list.entries, n * sizeof *list.entries);
  if (!copy.ok() || (list.count && !port_array)) {
    if (copy.ok()) vm::discard(copy.value());
    if (port_array) kfree(port_array, list.count * sizeof(ipc_port_t));
    return KERN_RESOURCE_SHORTAGE;
  }
  // No object here has a port of its own to give: a task's anonymous
  // memory has none (GNU's default pager names its objects by ports).
  for (size_t i = 0; i < list.count; ++i) port_array[i] = nullptr;
  *objects = reinterpret_cast<default_pager_object_array_t>(copy.value());
  *objectsCnt = static_cast<mach_msg_type_number_t>(list.count);
  *ports = port_array;
  *portsCnt = static_cast<mach_msg_type_number_t>(list.count);
  return KERN_SUCCESS;
}

kern_return_t default_pager_object_pages(ipc_port_t pager, ipc_port_t memory_object, default_pager_page_array_t* pages,
                                         mach_msg_type_number_t* pagesCnt) {
  if (!vm::is_default_pager(pager)) return KERN_INVALID_ARGUMENT;
  vm::KernelMemoryObject* m = vm::convert_port_to_memory_object(memory_object);
  if (!m) return KERN_INVALID_ARGUMENT;
  size_t n;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    n = m->object()->paged_out_count();
  }
  auto* list = n ? static_cast<default_pager_page_t*>(kalloc(n * sizeof(default_pager_page_t))) : nullptr;
  if (n && !list) {
    m->unref();
    return KERN_RESOURCE_SHORTAGE;
  }
  size_t count = 0;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    m->object()->for_each_page([&](const vm::VmPage& p) {
      if (!p.pa && count < n) list[count++] = default_pager_page_t{p.offset};
    });
  }
  m->unref();
  auto copy = vm::copy_from_buffer(list, count * sizeof(default_pager_page_t));
  if (list) kfree(list, n * sizeof(default_pager_page_t));
  if (!copy.ok()) return copy.error();
  *pages = reinterpret_cast<default_pager_page_array_t>(copy.value());
  *pagesCnt = static_cast<mach_msg_type_number_t>(count);
  // A routine that succeeds has taken the request's rights (ipc/kobject.h):
  // the send right to the memory object is not kept.
  ipc::release_send_right(memory_object);
  return KERN_SUCCESS;
}

kern_return_t default_pager_paging_file(ipc_port_t pager, ipc_port_t, default_pager_filename_t, boolean_t) {
  // The swap area is the platform's, fixed at boot (default_pager.h).
  return vm::is_default_pager(pager) ? KERN_FAILURE : KERN_INVALID_ARGUMENT;
}

kern_return_t default_pager_register_fileserver(ipc_port_t pager, ipc_port_t) {
  return vm::is_default_pager(pager) ? KERN_FAILURE : KERN_INVALID_ARGUMENT;
}

// The last send right to a memory object default_pager_object_create made
// went: it goes once its mappings do (memory_object.h).
kern_return_t do_mach_notify_no_senders(ipc_port_t notify, mach_port_mscount_t) {
  vm::KernelMemoryObject* m = vm::convert_port_to_memory_object(notify);
  if (!m) return MIG_BAD_ID;  // not ours: as before, nothing serves it
  m->senders_gone();
  m->unref();
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
