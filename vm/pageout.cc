// vm/pageout.cc: see pageout.h.
#include "vm/pageout.h"

#include "core/page_alloc.h"
#include "vm/map.h"
#include "vm/object.h"
#include "vm/page.h"
#include "vm/pager.h"

namespace umach::vm {

namespace {

// Whether any mapping of p was used since its bit was last cleared; clears
// every mapping's bit.
bool test_and_clear_referenced(VmPage* p) UMACH_REQUIRES(g_vm_lock) {
  bool referenced = false;
  for (PvEntry* pv = p->mappings; pv; pv = pv->next)
    referenced |= Platform::pmap_test_and_clear_referenced(pv->map->pmap(), pv->va);
  return referenced;
}

}  // namespace

void pageout_deactivate(VmPage* p) {
  (void)test_and_clear_referenced(p);
  page_deactivate(p);
}

PageoutTargets pageout_targets() {
  const size_t total = page_allocator().total_pages();
  PageoutTargets t;
  t.low = total / 64 > 32 ? total / 64 : 32;
  t.high = 2 * t.low;
  return t;
}

size_t pageout(size_t want) {
  // Pagers whose pages go back to them: their data_return messages are
  // sent once the lock is dropped (a reference each).
  constexpr size_t kMaxPagers = 8;
  Pager* pagers[kMaxPagers];
  size_t npagers = 0;
  size_t freed = 0;
  {
    SpinlockGuard hold(g_vm_lock);
    // Refill the inactive queue to a third of the pages plus what is
    // wanted: the oldest active pages go, their referenced bits cleared
    // (pageout.h).
    const size_t target = (active_count() + inactive_count()) / 3 + want;
    for (VmPage* p = active_front(); p && inactive_count() < target;) {
      VmPage* next = queue_next(*p);
      if (!p->wire_count) pageout_deactivate(p);
      p = next;
    }
    for (VmPage* p = inactive_front(); p && freed < want;) {
      VmPage* next = queue_next(*p);
      VmObject* o = p->object;
      if (p->wire_count || !o || test_and_clear_referenced(p)) {
        page_activate(p);  // wired, or used since it was deactivated
        p = next;
        continue;
      }
      page_protect(p, VM_PROT_NONE);  // unused: it leaves every map
      if (Pager* pager = o->pager()) {
        if (!p->dirty && !p->precious) {
          o->remove(p);  // its pager has it
          page_release(p);
          ++freed;
        } else {
          bool known = false;
          for (size_t i = 0; i < npagers; ++i) known |= pagers[i] == pager;
          if ((known || npagers < kMaxPagers) && pager_page_out(p)) {
            if (!known) {
              pager->ref();
              pagers[npagers++] = pager;
            }
            ++freed;
          }
        }
      } else if (page_evict(p)) {
        ++freed;
      } else {
        break;  // the swap area is full
      }
      p = next;
    }
  }
  for (size_t i = 0; i < npagers; ++i) pager_send_returns(pagers[i]);
  return freed;
}

void pageout_if_low() {
  const PageoutTargets t = pageout_targets();
  // Read without the allocator's lock: this runs after every fault.
  const size_t free = page_allocator().free_pages_unlocked();
  if (free >= t.low) return;
  pageout(t.high - free);
}

}  // namespace umach::vm
