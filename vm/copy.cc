// vm/copy.cc: see copy.h.
#include "vm/copy.h"

#include "core/kassert.h"
#include "core/kstd/cstring.h"
#include "core/zone.h"
#include "vm/fault.h"
#include "vm/pager.h"

namespace umach::vm {
namespace {

[[clang::no_destroy]] constinit TypedZone<VmMapCopy> g_copies("vm.copy");

void append(VmMapCopy* copy, VmMapEntry*& tail, VmMapEntry* e) {
  e->next_in_copy = nullptr;
  if (tail)
    tail->next_in_copy = e;
  else
    copy->entries = e;
  tail = e;
}

// The copy's entry holding relative address `at`, or null.
VmMapEntry* copy_entry_at(VmMapCopy* copy, uint64_t at) {
  for (VmMapEntry* e = copy->entries; e; e = e->next_in_copy)
    if (e->start <= at && at < e->end) return e;
  return nullptr;
}

}  // namespace

kern_return_t copy_page(VmMapCopy* copy, uint64_t at, VmPage** out, PagerWait* wait) {
  *out = nullptr;
  VmMapEntry* e = copy_entry_at(copy, at);
  if (!e || !e->object) return KERN_SUCCESS;
  const uint64_t off = e->offset + (at - e->start);
  *out = e->object->chain_lookup(off);
  if (*out && !page_resident(*out)) {
    *out = nullptr;
    return KERN_RESOURCE_SHORTAGE;
  }
  uint64_t paged_at;
  if (VmObject* paged = *out ? nullptr : e->object->pager_below(off, &paged_at))
    return pager_page_needed(paged, paged_at, VM_PROT_READ, wait);
  return KERN_SUCCESS;
}

CopyHow copy_how(const VmObject* o, bool wired) {
  const int strategy = o->copy_strategy();
  if (wired || strategy == MEMORY_OBJECT_COPY_NONE) return CopyHow::kSlow;
  if (strategy == MEMORY_OBJECT_COPY_CALL) return CopyHow::kCall;
  return CopyHow::kDelay;
}

kern_return_t copy_needs(VmObject* o, uint64_t offset, uint64_t size, CopyHow how, PagerWait* w, size_t* calls) {
  if (how == CopyHow::kCall) {
    ++*calls;
    return KERN_SUCCESS;
  }
  if (how != CopyHow::kSlow) return KERN_SUCCESS;
  bool paged = false;
  for (VmObject* c = o; c && !paged; c = c->shadow()) paged = c->pager() != nullptr;
  if (!paged) return KERN_SUCCESS;
  // A slow copy reads every page: those a pager has not given yet are
  // asked for first, one at a time. Each wait starts the scan over where
  // it stopped (PagerWait::scan): the pages before it were there then,
  // and are looked at again last (one may have been paged out since).
  CopyScan* scan = w ? w->scan : nullptr;
  uint64_t start = 0;
  if (scan && scan->object == o && scan->offset == offset && scan->size == size && scan->at < size) start = scan->at;
  for (int part = 0; part < 2; ++part) {
    const uint64_t from = part == 0 ? start : 0;
    const uint64_t to = part == 0 ? size : start;
    for (uint64_t at = from; at < to; at += kPageSize) {
      uint64_t paged_at;
      if (o->chain_lookup(offset + at)) continue;
      if (VmObject* pager_object = o->pager_below(offset + at, &paged_at)) {
        if (scan) *scan = CopyScan{o, offset, size, at};
        return pager_page_needed(pager_object, paged_at, VM_PROT_READ, w);
      }
    }
  }
  return KERN_SUCCESS;
}

kern_return_t copy_pagers_ready(PagerWait* w, size_t calls) {
  kassert(w->copies);  // every copy path runs in with_pager_waits
  if (w->copies->count() >= calls) return KERN_SUCCESS;
  w->copies->wanted = calls;
  return kNeedCopyPagers;
}

bool copy_object(VmObject* o, uint64_t offset, uint64_t size, CopyHow how, PagerWait* w, ObjectCopy* out) {
  *out = ObjectCopy{};
  switch (how) {
    case CopyHow::kSlow:
      out->object = VmObject::copy_slowly(o, offset, size);
      break;
    case CopyHow::kCall:
      out->object = copy_by_call(o, offset, size, *w->copies);
      break;
    case CopyHow::kDelay:
      out->object = VmObject::copy_delayed(o);
      out->offset = offset;
      out->needs_copy = true;
      break;
  }
  return out->object != nullptr;
}

namespace {

// How copy_entry copies `e` (the source entry): shared copy-on-write
// (kDelay with the entry's own object: needs_copy or a symmetric copy),
// or by its object's strategy.
enum class EntryCopy { kZeroFill, kShared, kSymmetric, kStrategic };
EntryCopy entry_copy_kind(const VmMapEntry* e) UMACH_REQUIRES(g_vm_lock) {
  VmObject* o = e->object;
  if (!o) return EntryCopy::kZeroFill;  // untouched zero-fill memory: the copy is zero fill too
  if (e->needs_copy) return EntryCopy::kShared;  // already shared copy-on-write: nobody writes that object
  if (!e->wired_count && o->copy_strategy() == MEMORY_OBJECT_COPY_TEMPORARY && !e->is_shared)
    return EntryCopy::kSymmetric;
  return EntryCopy::kStrategic;
}

}  // namespace

kern_return_t entry_copy_needs(const VmMapEntry* e, PagerWait* w, size_t* calls) {
  if (entry_copy_kind(e) != EntryCopy::kStrategic) return KERN_SUCCESS;
  return copy_needs(e->object, e->offset, e->size(), copy_how(e->object, e->wired_count != 0), w, calls);
}

VmMapEntry* copy_entry(VmMap& map, VmMapEntry* e, PagerWait* w) {
  VmMapEntry* c = entry_create();
  if (!c) return nullptr;
  c->start = e->start;
  c->end = e->end;
  VmObject* o = e->object;
  switch (entry_copy_kind(e)) {
    case EntryCopy::kZeroFill:
      break;
    case EntryCopy::kShared:
      o->reference();
      c->object = o;
      c->offset = e->offset;
      c->needs_copy = true;
      break;
    case EntryCopy::kSymmetric:
      // Both sides copy on their next write.
      map_protect_mappings(map, e->start, e->end, VM_PROT_ALL & ~VM_PROT_WRITE);
      e->needs_copy = true;
      o->reference();
      c->object = o;
      c->offset = e->offset;
      c->needs_copy = true;
      break;
    case EntryCopy::kStrategic: {
      // Wired pages stay where they are and stay writable: copied now.
      ObjectCopy copy;
      if (!copy_object(o, e->offset, e->size(), copy_how(o, e->wired_count != 0), w, &copy)) {
        entry_destroy(c);
        return nullptr;
      }
      c->object = copy.object;
      c->offset = copy.offset;
      c->needs_copy = copy.needs_copy;
      break;
    }
  }
  return c;
}

size_t live_copies() { return g_copies.live(); }

Result<VmMapCopy*> copyin(VmMap& map, uint64_t addr, uint64_t size, bool destroy) {
  if (size == 0) return static_cast<VmMapCopy*>(nullptr);
  if (addr + size < addr) return Error{KERN_INVALID_ADDRESS};
  const uint64_t start = page_trunc(addr), end = page_round(addr + size);
  if (start < map.min() || end > map.max() || end < start) return Error{KERN_INVALID_ADDRESS};
  // A moved entry whose object others write directly (shared) must not
  // be written in place by the receiver: it becomes a copy, by the
  // object's strategy.
  auto copied_when_moved = [](const VmMapEntry* e) UMACH_REQUIRES(g_vm_lock) {
    return e->object && !e->needs_copy && e->object->ref_count() > 1;
  };
  VmMapCopy* copy = nullptr;
  // Once entries left the map (destroy), a failure is final.
  kern_return_t moved_kr = KERN_SUCCESS;
  kern_return_t kr = with_pager_waits([&](PagerWait* w) {
    SpinlockGuard hold(g_vm_lock);
    if (!map.covered(start, end)) return KERN_INVALID_ADDRESS;
    for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e))
      if (!(e->protection & VM_PROT_READ)) return KERN_PROTECTION_FAILURE;
    if (!map.clip(start) || !map.clip(end)) return KERN_RESOURCE_SHORTAGE;
    // What the copies need that cannot be had under the lock, first:
    // nothing has changed yet if they must wait.
    size_t calls = 0;
    for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e)) {
      kern_return_t kr = KERN_SUCCESS;
      if (!destroy)
        kr = entry_copy_needs(e, w, &calls);
      else if (copied_when_moved(e))
        kr = copy_needs(e->object, e->offset, e->size(), copy_how(e->object, false), w, &calls);
      if (kr != KERN_SUCCESS) return kr;
    }
    if (kern_return_t kr = copy_pagers_ready(w, calls); kr != KERN_SUCCESS) return kr;
    copy = g_copies.create();
    if (!copy) return KERN_RESOURCE_SHORTAGE;
    copy->offset = addr - start;
    copy->size = size;
    VmMapEntry* tail = nullptr;
    if (destroy) {
      map_unmap(map, start, end);
      for (VmMapEntry* e = map.lookup(start); e && e->start < end;) {
        VmMapEntry* next = map.next(*e);
        map.unlink(e);
        if (e->wired_count && e->object) {
          for (uint64_t off = e->offset; off < e->offset + e->size(); off += kPageSize)
            if (VmPage* p = e->object->lookup(off); p && p->wire_count) --p->wire_count;
        }
        e->wired_count = 0;
        e->is_shared = false;
        e->start -= start;
        e->end -= start;
        append(copy, tail, e);
        e = next;
      }
      for (VmMapEntry* e = copy->entries; e; e = e->next_in_copy) {
        if (!copied_when_moved(e)) continue;
        ObjectCopy c;
        if (!copy_object(e->object, e->offset, e->size(), copy_how(e->object, false), w, &c)) {
          discard_locked(kstd::exchange(copy, nullptr));
          moved_kr = KERN_RESOURCE_SHORTAGE;
          return KERN_SUCCESS;
        }
        VmObject::deallocate(e->object);
        e->object = c.object;
        e->offset = c.offset;
        e->needs_copy = c.needs_copy;
      }
      return KERN_SUCCESS;
    }
    for (VmMapEntry* e = map.lookup(start); e && e->start < end; e = map.next(*e)) {
      VmMapEntry* c = copy_entry(map, e, w);
      if (!c) {
        discard_locked(kstd::exchange(copy, nullptr));
        return KERN_RESOURCE_SHORTAGE;
      }
      c->start -= start;
      c->end -= start;
      append(copy, tail, c);
    }
    return KERN_SUCCESS;
  });
  if (kr == KERN_SUCCESS) kr = moved_kr;
  if (kr != KERN_SUCCESS) return Error{kr};
  {
    // Memory only the copy holds now (moved, or copied at once) is in
    // transit until a map receives it: no default memory manager takes it
    // meanwhile (VmObject::anonymous).
    SpinlockGuard hold(g_vm_lock);
    for (VmMapEntry* e = copy ? copy->entries : nullptr; e; e = e->next_in_copy)
      if (e->object && e->object->ref_count() == 1) e->object->mark_in_transit();
  }
  return copy;
}

Result<uint64_t> copyout(VmMap& map, VmMapCopy* copy) {
  if (!copy) return uint64_t{0};
  const uint64_t span = page_round(copy->offset + copy->size);
  SpinlockGuard hold(g_vm_lock);
  if (map.virtual_size() + span > map.size_limit()) return Error{KERN_NO_SPACE};
  uint64_t addr = UMACH_TRY(map.find_space(map.min(), span, 0));
  for (VmMapEntry* e = copy->entries; e;) {
    VmMapEntry* next = e->next_in_copy;
    e->next_in_copy = nullptr;
    e->start += addr;
    e->end += addr;
    e->protection = VM_PROT_DEFAULT;
    e->max_protection = VM_PROT_ALL;
    e->inheritance = VM_INHERIT_DEFAULT;
    e->is_shared = false;
    e->wired_count = 0;
    map.insert(e);
    // A VM_WIRE_FUTURE map wires what arrives too (as GNU Mach's copyout
    // into a map that requires wiring): a default memory manager's pages
    // in data_return never go out to itself. Best effort: a page a pager
    // still owes cannot be waited for here, and the region stays pageable,
    // by the swap area only.
    const bool wired = map.wire_future && wire_entry(map, e, nullptr) == KERN_SUCCESS;
    if (e->object) e->object->arrived(/*pageable=*/!map.wire_future || wired);
    e = next;
  }
  // Holes in the copy (none today: copyin refuses them) would be free space.
  uint64_t result = addr + copy->offset;
  g_copies.destroy(copy);
  return result;
}

kern_return_t overwrite(VmMap& map, uint64_t addr, VmMapCopy* copy) {
  if (!copy) return KERN_SUCCESS;
  if (addr & (kPageSize - 1) || copy->offset != 0 || copy->size & (kPageSize - 1)) return KERN_INVALID_ARGUMENT;
  const uint64_t end = addr + copy->size;
  if (end < addr || addr < map.min() || end > map.max()) return KERN_INVALID_ADDRESS;
  // Pages written before a wait for a pager stay written.
  uint64_t at = 0;
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    if (!map.covered(addr, end)) return KERN_INVALID_ADDRESS;
    for (VmMapEntry* e = map.lookup(addr); e && e->start < end; e = map.next(*e))
      if (!(e->protection & VM_PROT_WRITE)) return KERN_PROTECTION_FAILURE;
    for (; at < copy->size; at += kPageSize) {
      VmPage* dst = nullptr;
      kern_return_t kr = fault_locked(map, addr + at, VM_PROT_WRITE, false, false, &dst, wait);
      if (kr != KERN_SUCCESS) return kr;  // a shortage or a wait: earlier pages are written (as GNU Mach)
      // The copy's source page is read after the destination was resolved:
      // for vm_copy within one map, the copy shares pages copy-on-write with
      // the source, and resolving the destination never changes them.
      VmPage* src = nullptr;
      kr = copy_page(copy, at, &src, wait);
      if (kr != KERN_SUCCESS) return kr;
      if (src != dst) {
        if (src)
          kstd::memcpy(dst->data(), src->data(), kPageSize);
        else
          kstd::memset(dst->data(), 0, kPageSize);
      }
    }
    discard_locked(copy);
    return KERN_SUCCESS;
  });
}

void discard_locked(VmMapCopy* copy) {
  if (!copy) return;
  for (VmMapEntry* e = copy->entries; e;) {
    VmMapEntry* next = e->next_in_copy;
    e->next_in_copy = nullptr;
    entry_destroy(e);
    e = next;
  }
  g_copies.destroy(copy);
}

void discard(VmMapCopy* copy) {
  if (!copy) return;
  SpinlockGuard hold(g_vm_lock);
  discard_locked(copy);
}

VmMapCopy* copy_of_page_locked(VmPage* page, bool take) {
  VmObject* o = VmObject::create(kPageSize);
  if (o) o->mark_to_pager();
  VmMapEntry* e = o ? entry_create() : nullptr;
  VmMapCopy* copy = e ? g_copies.create() : nullptr;
  VmPage* p = copy ? (take ? page : page_grab(false)) : nullptr;
  if (!p) {
    if (copy) g_copies.destroy(copy);
    if (e) entry_destroy(e);
    if (o) VmObject::deallocate(o);
    return nullptr;
  }
  if (take) {
    page_protect(page, VM_PROT_NONE);
    page->object->remove(page);
    page->dirty = page->precious = false;
    page->page_lock = VM_PROT_NONE;
  } else {
    kstd::memcpy(p->data(), page->data(), kPageSize);
  }
  o->insert(p, 0);
  e->start = 0;
  e->end = kPageSize;
  e->object = o;
  copy->entries = e;
  copy->size = kPageSize;
  return copy;
}

Result<VmMapCopy*> copy_from_buffer(const void* data, size_t n) {
  if (n == 0) return static_cast<VmMapCopy*>(nullptr);
  SpinlockGuard hold(g_vm_lock);
  const uint64_t span = page_round(n);
  VmObject* o = VmObject::create(span);
  VmMapEntry* e = o ? entry_create() : nullptr;
  VmMapCopy* copy = e ? g_copies.create() : nullptr;
  if (!copy) {
    if (e) entry_destroy(e);
    if (o) VmObject::deallocate(o);
    return Error{KERN_RESOURCE_SHORTAGE};
  }
  e->start = 0;
  e->end = span;
  e->object = o;
  o->mark_in_transit();
  copy->entries = e;
  copy->size = n;
  for (uint64_t at = 0; at < n; at += kPageSize) {
    VmPage* p = page_grab(false);
    if (!p) {
      discard_locked(copy);
      return Error{KERN_RESOURCE_SHORTAGE};
    }
    size_t len = n - at < kPageSize ? n - at : kPageSize;
    if (!data) len = 0;
    else kstd::memcpy(p->data(), static_cast<const char*>(data) + at, len);
    if (len < kPageSize) kstd::memset(static_cast<char*>(p->data()) + len, 0, kPageSize - len);
    o->insert(p, at);
  }
  return copy;
}

kern_return_t copy_read(VmMapCopy* copy, uint64_t at, void* buf, size_t n) {
  size_t done = 0;  // what was read before a wait for a pager stays read
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    while (done < n) {
      const uint64_t pos = copy->offset + at + done;
      const uint64_t in_page = pos & (kPageSize - 1);
      const size_t len = n - done < kPageSize - in_page ? n - done : kPageSize - in_page;
      VmPage* p = nullptr;
      if (kern_return_t kr = copy_page(copy, pos - in_page, &p, wait); kr != KERN_SUCCESS) return kr;
      if (p)
        kstd::memcpy(static_cast<char*>(buf) + done, static_cast<char*>(p->data()) + in_page, len);
      else
        kstd::memset(static_cast<char*>(buf) + done, 0, len);
      done += len;
    }
    return KERN_SUCCESS;
  });
}

}  // namespace umach::vm
