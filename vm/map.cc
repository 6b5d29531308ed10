// vm/map.cc: see map.h.
#include "vm/map.h"

#include "core/zone.h"
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/pager.h"

namespace umach::vm {
namespace {

[[clang::no_destroy]] constinit TypedZone<VmMapEntry> g_entries("vm.map_entry");
[[clang::no_destroy]] constinit TypedZone<VmMap> g_maps("vm.map");

}  // namespace

size_t live_maps() { return g_maps.live(); }
size_t live_entries() { return g_entries.live(); }

VmMapEntry* entry_create() { return g_entries.create(); }

void entry_destroy(VmMapEntry* e) {
  if (e->object) VmObject::deallocate(e->object);
  g_entries.destroy(e);
}

VmMap* VmMap::create(VmMap* parent) {
  Platform::Pmap* pmap = Platform::pmap_create(parent ? parent->pmap_ : nullptr);
  if (!pmap) return nullptr;
  VmMap* m = g_maps.create(pmap, Platform::pmap_min(*pmap), Platform::pmap_max(*pmap));
  if (!m) Platform::pmap_destroy(pmap);
  return m;
}

void VmMap::last_reference_dropped(VmMap* map) {
  {
    SpinlockGuard hold(g_vm_lock);
    (void)map->remove(map->min_, map->max_);
    kassert(map->mappings.empty());
  }
  Platform::pmap_destroy(map->pmap_);
  g_maps.destroy(map);
  reap_pagers();
}

VmMapEntry* VmMap::lookup(uint64_t addr) {
  if (hint_ && hint_->start <= addr && addr < hint_->end) return hint_;
  VmMapEntry* e = entries_.floor(addr);
  if (!e || addr >= e->end) return nullptr;
  hint_ = e;
  return e;
}

VmMapEntry* VmMap::first_at_or_after(uint64_t addr) {
  VmMapEntry* e = entries_.floor(addr);
  if (e && addr < e->end) return e;
  return entries_.lower_bound(addr);
}

void VmMap::link(VmMapEntry* e) {
  bool fresh = entries_.insert(*e);
  kassert(fresh);
  size_ += e->size();
}

void VmMap::unlink(VmMapEntry* e) {
  if (hint_ == e) hint_ = nullptr;
  entries_.remove(*e);
  size_ -= e->size();
}

void VmMap::insert(VmMapEntry* e) { link(e); }

bool VmMap::clip(uint64_t addr) {
  VmMapEntry* e = lookup(addr);
  if (!e || e->start == addr) return true;
  VmMapEntry* back = entry_create();
  if (!back) return false;
  back->start = addr;
  back->end = e->end;
  back->object = e->object;
  if (back->object) back->object->reference();
  back->offset = e->offset + (addr - e->start);
  back->protection = e->protection;
  back->max_protection = e->max_protection;
  back->inheritance = e->inheritance;
  back->needs_copy = e->needs_copy;
  back->is_shared = e->is_shared;
  back->wired_count = e->wired_count;
  size_ -= e->end - addr;
  e->end = addr;
  link(back);
  return true;
}

bool VmMap::mergeable(const VmMapEntry& a, const VmMapEntry& b) {
  if (a.end != b.start) return false;
  if (a.protection != b.protection || a.max_protection != b.max_protection || a.inheritance != b.inheritance ||
      a.needs_copy != b.needs_copy || a.is_shared != b.is_shared || a.wired_count != b.wired_count)
    return false;
  if (a.object != b.object) return false;
  return !a.object || a.offset + a.size() == b.offset;
}

void VmMap::simplify(VmMapEntry* e) {
  if (VmMapEntry* p = entries_.prev(*e); p && mergeable(*p, *e)) {
    unlink(e);
    size_ -= p->size();
    p->end = e->end;
    size_ += p->size();
    entry_destroy(e);
    e = p;
  }
  if (VmMapEntry* n = entries_.next(*e); n && mergeable(*e, *n)) {
    unlink(n);
    size_ -= e->size();
    e->end = n->end;
    size_ += e->size();
    entry_destroy(n);
  }
}

bool VmMap::covered(uint64_t start, uint64_t end) {
  uint64_t at = start;
  for (VmMapEntry* e = lookup(start); e && at < end; e = entries_.next(*e)) {
    if (e->start > at) return false;
    at = e->end;
  }
  return at >= end;
}

Result<uint64_t> VmMap::find_space(uint64_t from, uint64_t size, uint64_t mask) {
  if (size == 0 || size > max_ - min_) return Error{KERN_NO_SPACE};
  uint64_t at = from < min_ ? min_ : from;
  VmMapEntry* e = first_at_or_after(at);
  for (;;) {
    at = (at + mask) & ~mask;
    if (at < min_ || at > max_ || max_ - at < size) return Error{KERN_NO_SPACE};
    // Skip entries that end before the candidate.
    while (e && e->end <= at) e = entries_.next(*e);
    if (!e || e->start >= at + size) return at;
    at = e->end;
  }
}

Result<VmMapEntry*> VmMap::enter(uint64_t start, uint64_t end, VmObject* object, uint64_t offset, unsigned prot,
                                 unsigned max, unsigned inheritance) {
  VmMapEntry* e = entry_create();
  if (!e) return Error{KERN_RESOURCE_SHORTAGE};
  e->start = start;
  e->end = end;
  e->object = object;
  e->offset = offset;
  e->protection = static_cast<uint8_t>(prot);
  e->max_protection = static_cast<uint8_t>(max);
  e->inheritance = static_cast<uint8_t>(inheritance);
  link(e);
  return e;
}

Result<void> VmMap::remove(uint64_t start, uint64_t end) {
  if (!clip(start) || !clip(end)) return Error{KERN_RESOURCE_SHORTAGE};
  map_unmap(*this, start, end);
  VmMapEntry* e = first_at_or_after(start);
  while (e && e->start < end) {
    VmMapEntry* next = entries_.next(*e);
    unlink(e);
    if (e->wired_count) unwire_pages(e, e->end);  // its pages lose its wiring
    entry_destroy(e);
    e = next;
  }
  return {};
}

bool VmMap::ensure_object(VmMapEntry* e) {
  if (e->object) return true;
  e->object = VmObject::create(e->size());
  e->offset = 0;
  return e->object != nullptr;
}

bool VmMap::resolve_needs_copy(VmMapEntry* e) {
  if (!e->needs_copy) return true;
  VmObject* s = VmObject::make_shadow(e->object, e->offset, e->size());
  if (!s) return false;
  e->object = s;  // the shadow took over the entry's reference to the old object
  e->offset = 0;
  e->needs_copy = false;
  // Pages of the old object were mapped read-only here; they stay valid
  // until the first write replaces them.
  return true;
}

void VmMap::check_invariants() {
  uint64_t total = 0, last_end = min_;
  for (VmMapEntry* e = entries_.first(); e; e = entries_.next(*e)) {
    kassert(e->start >= last_end && e->start < e->end && e->end <= max_);
    kassert((e->protection & ~e->max_protection) == 0);
    if (e->object) {
      kassert(e->offset + e->size() <= e->object->size());
      e->object->check_invariants();
    }
    total += e->size();
    last_end = e->end;
  }
  kassert(total == size_);
  for (PvEntry* pv = mappings.first(); pv; pv = mappings.next(*pv)) {
    VmMapEntry* e = lookup(pv->va);
    kassert(e != nullptr);
    kassert((pv->prot & ~e->protection) == 0);
    kassert(pv->page->object != nullptr);
  }
}

namespace {

// Fills `child` with what `parent` hands down; false if memory ran short
// (the child then lacks entries and must go). fork_needs first: what the
// copies need that cannot be had under the lock (vm/copy.h).
kern_return_t fork_needs(VmMap& parent, PagerWait* w) UMACH_REQUIRES(g_vm_lock) {
  size_t calls = 0;
  for (VmMapEntry* e = parent.first(); e; e = parent.next(*e)) {
    if (e->inheritance == VM_INHERIT_NONE || e->inheritance == VM_INHERIT_SHARE) continue;
    if (kern_return_t kr = entry_copy_needs(e, w, &calls); kr != KERN_SUCCESS) return kr;
  }
  return copy_pagers_ready(w, calls);
}

bool fork_entries(VmMap& parent, VmMap* child, PagerWait* w) UMACH_REQUIRES(g_vm_lock) {
  for (VmMapEntry* e = parent.first(); e; e = parent.next(*e)) {
    if (e->inheritance == VM_INHERIT_NONE) continue;
    VmMapEntry* c;
    if (e->inheritance == VM_INHERIT_SHARE) {
      // Both write the same object: give it one now (a zero-fill entry
      // would otherwise get two), and resolve a pending copy first.
      if (!parent.ensure_object(e) || !parent.resolve_needs_copy(e)) return false;
      c = entry_create();
      if (!c) return false;
      c->start = e->start;
      c->end = e->end;
      e->is_shared = c->is_shared = true;
      c->object = e->object;
      c->object->reference();
      c->offset = e->offset;
    } else {
      // A copy, as vm/copy.cc copies an entry for a message.
      c = copy_entry(parent, e, w);
      if (!c) return false;
    }
    c->protection = e->protection;
    c->max_protection = e->max_protection;
    c->inheritance = e->inheritance;
    child->insert(c);
  }
  return true;
}

}  // namespace

VmMap* map_fork(VmMap& parent) {
  VmMap* child = VmMap::create(&parent);
  if (!child) return nullptr;
  bool complete = false;
  kern_return_t kr = with_pager_waits([&](PagerWait* w) {
    SpinlockGuard hold(g_vm_lock);
    if (kern_return_t kr = fork_needs(parent, w); kr != KERN_SUCCESS) return kr;
    complete = fork_entries(parent, child, w);  // (not retried: the child holds what it got)
    return KERN_SUCCESS;
  });
  if (kr == KERN_SUCCESS && complete) return child;
  child->unref();
  return nullptr;
}

void unwire_pages(const VmMapEntry* e, uint64_t end) {
  if (!e->object) return;
  for (uint64_t va = e->start; va < end; va += kPageSize)
    if (VmPage* p = e->object->chain_lookup(e->offset + (va - e->start)); p && p->wire_count) --p->wire_count;
}

}  // namespace umach::vm
