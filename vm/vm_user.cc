// vm/vm_user.cc: see vm_user.h.
#include "vm/vm_user.h"

#include "core/page_alloc.h"
#include "mach/vm_sync.h"
#include "mach/vm_wire.h"
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/pager.h"

namespace umach::vm {
namespace {

bool valid_prot(unsigned prot) { return (prot & ~unsigned{VM_PROT_ALL}) == 0; }
bool valid_inheritance(unsigned inh) { return inh <= VM_INHERIT_NONE; }

// [trunc(addr), round(addr + size)) clamped to the map; false on overflow.
bool page_range(VmMap&, uint64_t addr, uint64_t size, uint64_t* start, uint64_t* end) {
  if (addr + size < addr) return false;
  *start = page_trunc(addr);
  *end = page_round(addr + size);
  if (*end < *start) return false;
  return true;
}

void unwire_entry(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock) {
  if (!e->wired_count) return;
  e->wired_count = 0;
  unwire_pages(e, e->end);
}

// In a VM_WIRE_FUTURE map the new entry is wired at once: `wait` (from
// with_pager_waits) lets that wait for a pager, and memory short is
// KERN_RESOURCE_SHORTAGE, which with_pager_waits pages out for; either
// way the entry is undone first, so the caller can start over.
kern_return_t enter_range(VmMap& map, uint64_t* addr, uint64_t size, uint64_t mask, bool anywhere, VmObject* object,
                          uint64_t offset, bool needs_copy, bool shared, unsigned cur, unsigned max, unsigned inh,
                          PagerWait* wait) UMACH_REQUIRES(g_vm_lock) {
  uint64_t start;
  if (anywhere) {
    uint64_t from = page_trunc(*addr);
    Result<uint64_t> at = map.find_space(from, size, mask | (kPageSize - 1));
    if (at.ok()) {
      start = at.value();
    } else {
      Result<uint64_t> again = map.find_space(map.min(), size, mask | (kPageSize - 1));
      if (!again.ok()) return again.error();
      start = again.value();
    }
  } else {
    start = page_trunc(*addr);
    if (start & mask) return KERN_NO_SPACE;
    if (start < map.min() || start + size < start || start + size > map.max()) return KERN_INVALID_ADDRESS;
    VmMapEntry* e = map.first_at_or_after(start);
    if (e && e->start < start + size) return KERN_NO_SPACE;
  }
  if (map.virtual_size() + size > map.size_limit()) return KERN_NO_SPACE;
  Result<VmMapEntry*> e = map.enter(start, start + size, object, offset, cur, max, inh);
  if (!e.ok()) return e.error();
  e.value()->needs_copy = needs_copy;
  e.value()->is_shared = shared;
  if (map.wire_future) {
    kern_return_t kr = wire_entry(map, e.value(), wait);
    if (kr != KERN_SUCCESS) {
      // The caller still owns its reference to `object`; the entry's
      // object (made by the fault, or a shadow the write made over
      // `object`, holding the entry's reference) goes with the entry.
      if (object) object->reference();
      (void)map.remove(start, start + size);
      return kr;
    }
  } else {
    map.simplify(e.value());
  }
  *addr = start;
  return KERN_SUCCESS;
}

}  // namespace

// Wires the pages of e (faulting them in); entry counts once.
kern_return_t wire_entry(VmMap& map, VmMapEntry* e, PagerWait* wait) UMACH_REQUIRES(g_vm_lock) {
  if (e->wired_count) return KERN_SUCCESS;
  // A writable entry is wired for writing, so copy-on-write is resolved
  // now and the wired page is the one the task will keep writing.
  const unsigned access = e->protection & (VM_PROT_READ | VM_PROT_WRITE);
  const uint64_t start = e->start, end = e->end;
  for (uint64_t va = start; access != VM_PROT_NONE && va < end; va += kPageSize) {
    kern_return_t kr = fault_locked(map, va, access, true, true, nullptr, wait);
    if (kr != KERN_SUCCESS) {
      unwire_pages(e, va);  // the wirings taken so far
      return kr;
    }
  }
  e->wired_count = 1;
  return KERN_SUCCESS;
}

kern_return_t allocate(VmMap& map, uint64_t* addr, uint64_t size, bool anywhere) {
  if (size == 0) {
    *addr = 0;
    return KERN_SUCCESS;
  }
  uint64_t start, end;
  if (!page_range(map, anywhere ? 0 : *addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  // (Through with_pager_waits: a VM_WIRE_FUTURE map wires the new memory
  // at once, which may need pages paged out first.)
  return with_pager_waits([&](PagerWait* wait) {
    uint64_t at = anywhere ? map.min() : *addr;
    SpinlockGuard hold(g_vm_lock);
    kern_return_t kr = enter_range(map, &at, end - start, 0, anywhere, nullptr, 0, false, false, VM_PROT_DEFAULT,
                                   VM_PROT_ALL, VM_INHERIT_DEFAULT, wait);
    if (kr == KERN_SUCCESS) *addr = at;
    return kr;
  });
}

kern_return_t deallocate(VmMap& map, uint64_t addr, uint64_t size) {
  if (size == 0) return KERN_SUCCESS;
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  if (start < map.min()) start = map.min();
  if (end > map.max()) end = map.max();
  if (start >= end) return KERN_SUCCESS;
  kern_return_t kr;
  {
    SpinlockGuard hold(g_vm_lock);
    Result<void> r = map.remove(start, end);
    kr = r.ok() ? KERN_SUCCESS : r.error();
  }
  reap_pagers();  // the last mapping of a pager's object may have gone
  return kr;
}

kern_return_t protect(VmMap& map, uint64_t addr, uint64_t size, bool set_max, unsigned prot) {
  if (!valid_prot(prot)) return KERN_INVALID_ARGUMENT;
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  if (start == end) return KERN_SUCCESS;
  SpinlockGuard hold(g_vm_lock);
  if (!map.covered(start, end)) return KERN_INVALID_ADDRESS;
  for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e))
    if ((prot & e->max_protection) != prot) return KERN_PROTECTION_FAILURE;
  if (!map.clip(start) || !map.clip(end)) return KERN_RESOURCE_SHORTAGE;
  for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e)) {
    if (set_max) {
      e->max_protection = static_cast<uint8_t>(prot);
      e->protection = static_cast<uint8_t>(e->protection & prot);
    } else {
      e->protection = static_cast<uint8_t>(prot);
    }
  }
  // Mappings only ever lose rights here; a raised protection takes effect
  // at the next fault, which knows about copy-on-write.
  for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e))
    map_protect_mappings(map, e->start, e->end, e->protection);
  if (VmMapEntry* e = map.lookup(start)) map.simplify(e);
  if (VmMapEntry* e = end > start ? map.lookup(end - 1) : nullptr) map.simplify(e);
  return KERN_SUCCESS;
}

kern_return_t inherit(VmMap& map, uint64_t addr, uint64_t size, unsigned inheritance) {
  if (!valid_inheritance(inheritance)) return KERN_INVALID_ARGUMENT;
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  if (start == end) return KERN_SUCCESS;
  SpinlockGuard hold(g_vm_lock);
  if (!map.clip(start) || !map.clip(end)) return KERN_RESOURCE_SHORTAGE;
  for (VmMapEntry* e = map.first_at_or_after(start); e && e->start < end; e = map.next(*e))
    e->inheritance = static_cast<uint8_t>(inheritance);
  if (VmMapEntry* e = map.lookup(start)) map.simplify(e);
  if (VmMapEntry* e = map.lookup(end - 1)) map.simplify(e);
  return KERN_SUCCESS;
}

kern_return_t read(VmMap& map, uint64_t addr, uint64_t size, VmMapCopy** data) {
  Result<VmMapCopy*> c = copyin(map, addr, size, false);
  if (!c.ok()) return c.error();
  *data = c.value();
  return KERN_SUCCESS;
}

kern_return_t write(VmMap& map, uint64_t addr, VmMapCopy* data) { return overwrite(map, addr, data); }

kern_return_t copy(VmMap& map, uint64_t src, uint64_t size, uint64_t dst) {
  if (size == 0) return KERN_SUCCESS;
  Result<VmMapCopy*> c = copyin(map, src, size, false);
  if (!c.ok()) return c.error();
  kern_return_t kr = overwrite(map, dst, c.value());
  if (kr != KERN_SUCCESS) discard(c.value());
  return kr;
}

kern_return_t region(VmMap& map, uint64_t addr, RegionInfo* out) {
  SpinlockGuard hold(g_vm_lock);
  VmMapEntry* e = map.first_at_or_after(addr);
  if (!e) return KERN_NO_SPACE;
  out->address = e->start;
  out->size = e->size();
  out->protection = e->protection;
  out->max_protection = e->max_protection;
  out->inheritance = e->inheritance;
  out->shared = e->is_shared;
  out->offset = e->offset;
  return KERN_SUCCESS;
}

kern_return_t object_at(VmMap& map, uint64_t addr, const void** object, uint64_t* offset) {
  SpinlockGuard hold(g_vm_lock);
  VmMapEntry* e = map.lookup(addr);
  if (!e) return KERN_INVALID_ADDRESS;
  if (!map.ensure_object(e)) return KERN_RESOURCE_SHORTAGE;
  *object = e->object;
  *offset = e->offset + (addr - e->start);
  return KERN_SUCCESS;
}

kern_return_t map_object(VmMap& map, uint64_t* addr, uint64_t size, uint64_t mask, bool anywhere, VmObject* object,
                         uint64_t offset, bool copy, unsigned cur, unsigned max, unsigned inheritance) {
  if (!valid_prot(cur) || !valid_prot(max) || !valid_inheritance(inheritance)) return KERN_INVALID_ARGUMENT;
  if (size == 0 || offset & (kPageSize - 1)) return KERN_INVALID_ARGUMENT;
  size = page_round(size);
  if (size == 0) return KERN_INVALID_ARGUMENT;
  cur &= max;
  if (object && (offset + size < offset || offset + size > object->size())) return KERN_INVALID_ARGUMENT;
  return with_pager_waits([&](PagerWait* w) {
    SpinlockGuard hold(g_vm_lock);
    VmObject* o = nullptr;
    uint64_t at = offset;
    bool needs_copy = false, shared = false;
    if (object && !copy) {
      object->reference();
      o = object;
      shared = true;  // other maps may write it in place
    } else if (object) {
      // By the object's strategy (vm/copy.h).
      const CopyHow how = copy_how(object, false);
      size_t calls = 0;
      if (kern_return_t kr = copy_needs(object, offset, size, how, w, &calls); kr != KERN_SUCCESS) return kr;
      if (kern_return_t kr = copy_pagers_ready(w, calls); kr != KERN_SUCCESS) return kr;
      ObjectCopy c;
      if (!copy_object(object, offset, size, how, w, &c)) return KERN_RESOURCE_SHORTAGE;
      o = c.object;
      at = c.offset;
      needs_copy = c.needs_copy;
    } else {
      at = 0;
    }
    kern_return_t kr =
        enter_range(map, addr, size, mask, anywhere, o, at, needs_copy, shared, cur, max, inheritance, w);
    if (kr != KERN_SUCCESS && o) VmObject::deallocate(o);
    return kr;
  });
}

kern_return_t reserve(VmMap& map, uint64_t addr, uint64_t size) {
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  SpinlockGuard hold(g_vm_lock);
  return enter_range(map, &start, end - start, 0, false, nullptr, 0, false, false, VM_PROT_NONE, VM_PROT_NONE,
                     VM_INHERIT_NONE, nullptr);
}

kern_return_t wire(VmMap& map, uint64_t addr, uint64_t size, unsigned access) {
  if (!valid_prot(access)) return KERN_INVALID_ARGUMENT;
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  if (start == end) return KERN_SUCCESS;
  // Entries wired before a wait for a pager stay wired (counted once).
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    if (start < map.min() || end > map.max() || !map.covered(start, end)) return KERN_INVALID_ADDRESS;
    if (access != VM_PROT_NONE) {
      for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e))
        if ((e->protection & access) != access) return KERN_PROTECTION_FAILURE;
    }
    if (!map.clip(start) || !map.clip(end)) return KERN_RESOURCE_SHORTAGE;
    for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e)) {
      if (access == VM_PROT_NONE) {
        unwire_entry(e);
        continue;
      }
      kern_return_t kr = wire_entry(map, e, wait);
      if (kr != KERN_SUCCESS) return kr;
    }
    return KERN_SUCCESS;
  });
}

kern_return_t wire_all(VmMap& map, unsigned flags) {
  if (flags & ~unsigned{VM_WIRE_ALL}) return KERN_INVALID_ARGUMENT;
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    map.wire_future = flags & VM_WIRE_FUTURE;
    // The manual: only VM_WIRE_NONE unwires what is wired (VM_WIRE_FUTURE
    // alone leaves the current entries as they are).
    if (!(flags & VM_WIRE_CURRENT)) {
      if (flags == VM_WIRE_NONE)
        for (VmMapEntry* e = map.first(); e; e = map.next(*e)) unwire_entry(e);
      return KERN_SUCCESS;
    }
    for (VmMapEntry* e = map.first(); e; e = map.next(*e)) {
      kern_return_t kr = wire_entry(map, e, wait);
      if (kr != KERN_SUCCESS) return kr;
    }
    return KERN_SUCCESS;
  });
}

namespace {

// f(object, from, to) for each pager's object the map's [start, end) maps,
// with the part of it (offsets in the object) the range covers.
template <class F>
void for_each_pager_part(VmMap& map, uint64_t start, uint64_t end, F f) UMACH_REQUIRES(g_vm_lock) {
  for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e)) {
    if (!e->object || !e->object->pager()) continue;
    const uint64_t from = e->offset + ((start > e->start ? start : e->start) - e->start);
    const uint64_t to = e->offset + ((end < e->end ? end : e->end) - e->start);
    f(e->object, from, to);
  }
}

}  // namespace

kern_return_t msync(VmMap& map, uint64_t addr, uint64_t size, unsigned flags) {
  if ((flags & VM_SYNC_ASYNCHRONOUS) && (flags & VM_SYNC_SYNCHRONOUS)) return KERN_INVALID_ARGUMENT;
  uint64_t start, end;
  if (!page_range(map, addr, size, &start, &end)) return KERN_INVALID_ADDRESS;
  // Anonymous and kernel-internal memory has no pager to write back to
  // (the swap is the kernel's own); a pager's dirty pages go back to it
  // (memory_object_data_return), and with VM_SYNC_INVALIDATE leave. The
  // returns are queued under the lock and sent after it, to every pager
  // the range maps.
  uint64_t upto;
  {
    SpinlockGuard hold(g_vm_lock);
    if (!map.covered(start, end)) return KERN_INVALID_ADDRESS;
    for_each_pager_part(map, start, end, [&](VmObject* o, uint64_t from, uint64_t to) UMACH_REQUIRES(g_vm_lock) {
      pager_sync_locked(o, from, to, flags & VM_SYNC_INVALIDATE);
    });
    upto = last_return_serial_locked();
  }
  send_due_returns();
  if (!(flags & VM_SYNC_SYNCHRONOUS)) return KERN_SUCCESS;
  // VM_SYNC_SYNCHRONOUS: the range's returns are on their pagers' ports
  // before the call returns, also those another thread (pageout, another
  // msync) took to send first; not those queued after this sync (writes
  // made since), which could keep it waiting for ever. Short of memory for
  // a message, a page goes back into its object, dirty (send_returns), for
  // a later sync.
  for (;;) {
    PagerWait w;
    bool pending = false;
    {
      SpinlockGuard hold(g_vm_lock);
      for_each_pager_part(map, start, end, [&](VmObject* o, uint64_t from, uint64_t to) UMACH_REQUIRES(g_vm_lock) {
        pending = pending || pager_returns_pending_locked(o, from, to, upto, &w);
      });
    }
    if (!pending) return KERN_SUCCESS;
    if (pager_wait(w) != KERN_SUCCESS) return KERN_ABORTED;  // (thread_abort)
    send_due_returns();  // (returns listed meanwhile go now, not when their lister gets to them)
  }
}

void statistics(vm_statistics_data_t* out) {
  PageCounts pc = page_counts();
  SpinlockGuard hold(g_vm_lock);
  *out = {};
  out->pagesize = static_cast<integer_t>(kPageSize);
  out->free_count = static_cast<integer_t>(page_allocator().free_pages() + pc.free);
  out->active_count = static_cast<integer_t>(pc.active);
  out->inactive_count = static_cast<integer_t>(pc.inactive);
  out->wire_count = static_cast<integer_t>(pc.wired);
  out->zero_fill_count = static_cast<integer_t>(g_counters.zero_fill);
  out->reactivations = static_cast<integer_t>(g_counters.reactivations);
  out->faults = static_cast<integer_t>(g_counters.faults);
  out->cow_faults = static_cast<integer_t>(g_counters.cow_faults);
  out->lookups = static_cast<integer_t>(g_counters.lookups);
  out->hits = static_cast<integer_t>(g_counters.hits);
  out->pageins = static_cast<integer_t>(g_counters.pageins);
  out->pageouts = static_cast<integer_t>(g_counters.pageouts);
}

kern_return_t set_size_limit(VmMap& map, uint64_t current, uint64_t max) {
  if (current > max) return KERN_INVALID_ARGUMENT;
  SpinlockGuard hold(g_vm_lock);
  if (max > map.size_max()) return KERN_NO_ACCESS;  // the maximum only ever goes down
  map.set_size_limit(current, max);
  return KERN_SUCCESS;
}

void get_size_limit(VmMap& map, uint64_t* current, uint64_t* max) {
  SpinlockGuard hold(g_vm_lock);
  *current = map.size_limit();
  *max = map.size_max();
}

}  // namespace umach::vm
