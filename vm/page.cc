// vm/page.cc: see page.h.
#include "vm/page.h"

#include "core/kstd/cstring.h"
#include "core/page_alloc.h"
#include "core/zone.h"
#include "vm/map.h"
#include "vm/pager.h"
#include "vm/swap.h"

namespace umach::vm {

constinit Spinlock g_vm_lock{LockRank::kVm};
VmCounters g_counters;

namespace {

[[clang::no_destroy]] constinit TypedZone<VmPage> g_pages("vm.page");
[[clang::no_destroy]] constinit TypedZone<PvEntry> g_pv("vm.pv");

constexpr size_t kFreeQueueMax = 64;
constexpr size_t kReclaimSlots = 64;  // slots taken back at a time when the swap is full
// Resident pages may hold slots: set when one comes back from the swap,
// cleared when a walk found fewer than it wanted (no walk per eviction
// while the swap stays full).
bool g_resident_slots UMACH_GUARDED_BY(g_vm_lock) = false;

using PageList = List<VmPage, &VmPage::queue_link>;
[[clang::no_destroy]] PageList g_active;
[[clang::no_destroy]] PageList g_inactive;
[[clang::no_destroy]] PageList g_free;
size_t g_active_count = 0, g_inactive_count = 0, g_free_count = 0, g_pv_count = 0, g_paged_out_count = 0;

void dequeue(VmPage* p) UMACH_REQUIRES(g_vm_lock) {
  switch (p->queue) {
    case PageQueue::kActive: g_active.remove(*p); --g_active_count; break;
    case PageQueue::kInactive: g_inactive.remove(*p); --g_inactive_count; break;
    case PageQueue::kFree: g_free.remove(*p); --g_free_count; break;
    case PageQueue::kNone: break;
  }
  p->queue = PageQueue::kNone;
}

void pv_unlink_from_page(PvEntry* pv) UMACH_REQUIRES(g_vm_lock) {
  for (PvEntry** link = &pv->page->mappings; *link; link = &(*link)->next) {
    if (*link == pv) {
      *link = pv->next;
      return;
    }
  }
  kassert(!"pv entry missing from its page");
}

void pv_free(PvEntry* pv) UMACH_REQUIRES(g_vm_lock) {
  pv->map->mappings.remove(*pv);
  pv_unlink_from_page(pv);
  g_pv.destroy(pv);
  --g_pv_count;
}

}  // namespace

VmPage* page_grab(bool zero) {
  VmPage* p = g_free.empty() ? nullptr : g_free.front();
  if (p) {
    dequeue(p);
    if (zero) kstd::memset(p->data(), 0, kPageSize);
    return p;
  }
  p = g_pages.create();
  if (!p) return nullptr;
  Result<paddr_t> pa = zero ? page_allocator().alloc_zeroed() : page_allocator().alloc();
  if (!pa.ok()) {
    g_pages.destroy(p);
    return nullptr;
  }
  p->pa = pa.value();
  return p;
}

void page_release(VmPage* p) {
  kassert(!p->object && !p->mappings && p->wire_count == 0);
  p->dirty = p->precious = false;
  p->page_lock = VM_PROT_NONE;
  if (p->swap_slot) {
    swap_free(p->swap_slot);
    p->swap_slot = 0;
  }
  dequeue(p);
  if (!p->pa) {  // paged out: only the record is left
    --g_paged_out_count;
    g_pages.destroy(p);
    return;
  }
  if (g_free_count < kFreeQueueMax) {
    g_free.push_back(*p);
    p->queue = PageQueue::kFree;
    ++g_free_count;
    return;
  }
  page_allocator().free(p->pa);
  g_pages.destroy(p);
}

bool page_resident(VmPage* p) {
  if (p->pa) return true;
  // A physical page: a free record's, else the allocator's.
  paddr_t pa = 0;
  if (VmPage* spare = g_free.empty() ? nullptr : g_free.front()) {
    dequeue(spare);
    pa = spare->pa;
    g_pages.destroy(spare);
  } else {
    Result<paddr_t> got = page_allocator().alloc();
    if (!got.ok()) return false;
    pa = got.value();
  }
  p->pa = pa;
  --g_paged_out_count;
  p->object->paged_out_changed(-1);
  swap_read(p->swap_slot, p->data());
  p->dirty = false;  // the slot still holds it
  g_resident_slots = true;
  ++g_counters.pageins;
  page_activate(p);
  return true;
}

namespace {

// The swap is full. A page read back from it keeps its slot (while it is
// clean, going out again costs no write); the resident pages' slots are
// taken back, the most recently used pages' first (the least likely to go
// out soon), up to `want`; those pages are dirty from now on: written
// again when they next go out. How many it freed.
size_t reclaim_slots(size_t want) UMACH_REQUIRES(g_vm_lock) {
  if (!g_resident_slots) return 0;
  size_t freed = 0;
  PageList* queues[] = {&g_active, &g_inactive};
  for (PageList* queue : queues) {
    for (VmPage* p = queue->back(); p && freed < want; p = queue->prev(*p)) {
      if (!p->swap_slot || !p->pa) continue;
      swap_free(p->swap_slot);
      p->swap_slot = 0;
      p->dirty = true;
      ++freed;
    }
  }
  if (freed < want) g_resident_slots = false;
  return freed;
}

}  // namespace

bool page_evict(VmPage* p) {
  kassert(p->pa && !p->mappings && p->wire_count == 0 && p->object);
  if (p->dirty || !p->swap_slot) {
    if (!p->swap_slot) p->swap_slot = swap_alloc();
    if (!p->swap_slot && reclaim_slots(kReclaimSlots) > 0) p->swap_slot = swap_alloc();
    if (!p->swap_slot) return false;
    swap_write(p->swap_slot, p->data());
    p->dirty = false;
  }
  dequeue(p);
  page_allocator().free(p->pa);
  p->pa = 0;
  ++g_paged_out_count;
  p->object->paged_out_changed(+1);
  ++g_counters.pageouts;
  return true;
}

VmPage* active_front() { return g_active.front(); }
VmPage* inactive_front() { return g_inactive.front(); }
VmPage* queue_next(const VmPage& p) {
  switch (p.queue) {
    case PageQueue::kActive: return g_active.next(p);
    case PageQueue::kInactive: return g_inactive.next(p);
    default: return nullptr;
  }
}
size_t active_count() { return g_active_count; }
size_t inactive_count() { return g_inactive_count; }

void page_deactivate(VmPage* p) {
  if (p->queue == PageQueue::kInactive) return;
  dequeue(p);
  g_inactive.push_back(*p);
  p->queue = PageQueue::kInactive;
  ++g_inactive_count;
}

void page_activate(VmPage* p) {
  if (p->queue == PageQueue::kActive || !p->pa) return;  // paged out: on no queue
  if (p->queue == PageQueue::kInactive) ++g_counters.reactivations;
  dequeue(p);
  g_active.push_back(*p);
  p->queue = PageQueue::kActive;
  ++g_active_count;
}

bool page_enter(VmMap& map, uint64_t va, VmPage* page, unsigned prot, unsigned access) {
  PvEntry* pv = map.mappings.find(va);
  if (pv && pv->page != page) {
    pv_free(pv);
    pv = nullptr;
  }
  if (!pv) {
    pv = g_pv.create();
    if (!pv) return false;
    ++g_pv_count;
    pv->page = page;
    pv->map = &map;
    pv->va = va;
    pv->next = page->mappings;
    page->mappings = pv;
    map.mappings.insert(*pv);
  }
  if (!Platform::pmap_enter(map.pmap(), va, page->pa, prot, access)) {
    pv_free(pv);
    Platform::pmap_remove(map.pmap(), va, kPageSize);
    return false;
  }
  pv->prot = prot;
  return true;
}

void page_protect(VmPage* page, unsigned prot) {
  PvEntry* pv = page->mappings;
  while (pv) {
    PvEntry* next = pv->next;
    unsigned now = pv->prot & prot;
    if (now == VM_PROT_NONE) {
      Platform::pmap_remove(pv->map->pmap(), pv->va, kPageSize);
      pv_free(pv);
    } else if (now != pv->prot) {
      Platform::pmap_protect(pv->map->pmap(), pv->va, kPageSize, now);
      pv->prot = now;
    }
    pv = next;
  }
}

void page_unmap_borrowed(VmPage* page) {
  for (PvEntry* pv = page->mappings; pv;) {
    PvEntry* next = pv->next;
    VmMap& map = *pv->map;
    const uint64_t va = pv->va;
    const VmMapEntry* e = map.lookup(va);
    VmPage* now = nullptr;
    if (e && e->object == page->object) {
      pv = next;  // its own object's mapping
      continue;
    }
    if (e && e->wired_count) {
      // A wired entry's wiring goes with its mapping to the page it shows
      // now (unwire_entry finds its pages by looking down the chain), if
      // that one is resident; else both stay as they are.
      now = e->object ? e->object->chain_lookup(e->offset + (va - e->start)) : nullptr;
      if (!now || now == page || !now->pa) {
        pv = next;
        continue;
      }
    }
    // (A write faults and says; what a pager locked, too.)
    const unsigned prot = pv->prot & ~unsigned{VM_PROT_WRITE} & ~unsigned{now ? now->page_lock : 0u};
    Platform::pmap_remove(map.pmap(), va, kPageSize);
    pv_free(pv);
    if (now) {
      if (page->wire_count) --page->wire_count;
      ++now->wire_count;
      (void)page_enter(map, va, now, prot, VM_PROT_READ);  // (failing, the next access faults it in)
    }
    pv = next;
  }
}

void map_unmap(VmMap& map, uint64_t start, uint64_t end) {
  bool any = false;
  for (PvEntry* pv = map.mappings.lower_bound(start); pv && pv->va < end;) {
    PvEntry* next = map.mappings.next(*pv);
    pv_free(pv);
    any = true;
    pv = next;
  }
  if (any) Platform::pmap_remove(map.pmap(), start, end - start);
}

void map_protect_mappings(VmMap& map, uint64_t start, uint64_t end, unsigned prot) {
  for (PvEntry* pv = map.mappings.lower_bound(start); pv && pv->va < end;) {
    PvEntry* next = map.mappings.next(*pv);
    unsigned now = pv->prot & prot;
    if (now == VM_PROT_NONE) {
      Platform::pmap_remove(map.pmap(), pv->va, kPageSize);
      pv_free(pv);
    } else if (now != pv->prot) {
      Platform::pmap_protect(map.pmap(), pv->va, kPageSize, now);
      pv->prot = now;
    }
    pv = next;
  }
}

PageCounts page_counts() {
  SpinlockGuard hold(g_vm_lock);
  PageCounts c;
  c.active = g_active_count;
  c.inactive = g_inactive_count;
  c.free = g_free_count;
  c.pv = g_pv_count;
  c.paged_out = g_paged_out_count;
  for (VmPage& p : g_active) c.wired += p.wire_count != 0;
  return c;
}

void drain() {
  reap_pagers();  // a pager told: its ports go (audits count them)
  SpinlockGuard hold(g_vm_lock);
  while (!g_free.empty()) {
    VmPage* p = g_free.front();
    dequeue(p);
    page_allocator().free(p->pa);
    g_pages.destroy(p);
  }
}

}  // namespace umach::vm
