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
  size_t freed = 0;
  default_manager_prepare();  // records for objects a default memory manager takes
  const size_t laundry_limit = pageout_targets().high;
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
      // Anonymous memory goes to a default memory manager if one is
      // installed and takes the object (pager.h), else to the swap area.
      // A page given to a pager is free memory only once the pager is done
      // with it: while many are (a manager falling behind, short of the
      // memory it needs to take them), the swap area takes the rest.
      const bool laundry_full = returns_in_flight() >= laundry_limit;
      if (!o->pager() && !laundry_full) (void)default_manager_take(o);
      Pager* pager = o->pager();
      if (pager && pager->internal && laundry_full) {
        if (!page_evict(p)) break;  // the swap area is full
        ++freed;
      } else if (pager) {
        // (An internal object's manager has only what it was given.)
        if (!p->dirty && !p->precious && !pager->internal) {
          o->remove(p);  // its pager has it
          page_release(p);
          ++freed;
        } else if (pager_page_out(p)) {  // its data_return is sent once the lock is dropped
          ++freed;
        }
      } else if (page_evict(p)) {
        ++freed;
      } else {
        break;  // the swap area is full
      }
      p = next;
    }
  }
  reap_pagers();  // memory_object_create for objects a default manager took
  send_due_returns();
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
