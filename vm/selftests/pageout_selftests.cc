// vm/selftests/pageout_selftests.cc: pageout's referenced bits (vm/pageout.h)
// on every platform: the pmap's bit, not a fault, tells pageout a page was
// used since it was deactivated. The test plays the machine: entering a
// page again for an access (pmap_enter with `access`) sets its bit, as the
// hardware's walk or the hosted pmap's fault would, without the VM seeing
// a fault.
#include "core/selftest.h"
#include "vm/fault.h"
#include "vm/map.h"
#include "vm/page.h"
#include "vm/pageout.h"
#include "vm/swap.h"
#include "vm/vm_user.h"

namespace umach::vm {
namespace {

constexpr uint64_t P = kPageSize;

// The page mapped at va in map, or null.
VmPage* mapped_page(VmMap& map, uint64_t va) UMACH_REQUIRES(g_vm_lock) {
  PvEntry* pv = map.mappings.find(va);
  return pv ? pv->page : nullptr;
}

}  // namespace

// Two pages, both mapped and deactivated (their bits cleared, their
// mappings kept); one is used again through its mapping alone. Pageout
// puts the used one back on the active queue, mapped, and pages the other
// out, mappings and all.
UMACH_SELFTEST(vm_pageout_keeps_a_page_used_since_its_deactivation) {
  const SwapCounts swap = swap_counts();
  if (swap.total - swap.used < 64) return;  // no swap (or no room) here
  VmMap* map = VmMap::create(nullptr);
  ST_CHECK(map != nullptr);
  if (!map) return;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*map, &a, 2 * P, true), KERN_SUCCESS);
  const uint64_t used = a, unused = a + P;
  ST_CHECK_EQ(vm_fault(*map, used, VM_PROT_WRITE), KERN_SUCCESS);
  ST_CHECK_EQ(vm_fault(*map, unused, VM_PROT_WRITE), KERN_SUCCESS);
  uint64_t pageouts = 0, reactivations = 0;
  {
    SpinlockGuard hold(g_vm_lock);
    VmPage* u = mapped_page(*map, used);
    VmPage* n = mapped_page(*map, unused);
    ST_CHECK(u != nullptr && n != nullptr);
    if (!u || !n) return;
    pageout_deactivate(u);
    pageout_deactivate(n);
    ST_CHECK(u->queue == PageQueue::kInactive && n->queue == PageQueue::kInactive);
    ST_CHECK(u->mappings != nullptr && n->mappings != nullptr);  // deactivating keeps them
    ST_CHECK(!Platform::pmap_test_and_clear_referenced(map->pmap(), used));
    // The machine's part: an access sets the bit of the used page alone.
    ST_CHECK(Platform::pmap_enter(map->pmap(), used, u->pa, u->mappings->prot, VM_PROT_READ));
    pageouts = g_counters.pageouts;
    reactivations = g_counters.reactivations;
  }
  // Everything inactive that is unused goes, the unused page with it.
  ST_CHECK(pageout(~size_t{0} >> 1) >= 1);
  {
    SpinlockGuard hold(g_vm_lock);
    VmPage* u = mapped_page(*map, used);
    ST_CHECK(u != nullptr && u->queue == PageQueue::kActive && u->pa != 0);
    ST_CHECK(mapped_page(*map, unused) == nullptr);
    ST_CHECK(g_counters.pageouts >= pageouts + 1);
    ST_CHECK(g_counters.reactivations >= reactivations + 1);
  }
  ST_CHECK(Platform::pmap_extract(map->pmap(), used) != kNoPhys);
  ST_CHECK_EQ(Platform::pmap_extract(map->pmap(), unused), kNoPhys);
  ST_CHECK_EQ(deallocate(*map, a, 2 * P), KERN_SUCCESS);
  map->unref();
}

// Where the machine does not set the accessed bit itself (RISC-V without
// Svadu: an access to a leaf with A clear faults), the fault that follows
// pageout's clearing of the referenced bit ends in vm_fault, which must
// enter the page again, referenced, the same page, for reads and writes.
// (QEMU's RISC-V sets A itself, so the boots never take this path from
// user mode: here vm_fault is called as the trap would call it.)
UMACH_SELFTEST(vm_a_fault_on_a_page_whose_referenced_bit_was_cleared_enters_it_again) {
  VmMap* map = VmMap::create(nullptr);
  ST_CHECK(map != nullptr);
  if (!map) return;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*map, &a, P, true), KERN_SUCCESS);
  ST_CHECK_EQ(vm_fault(*map, a, VM_PROT_WRITE), KERN_SUCCESS);
  const paddr_t pa = Platform::pmap_extract(map->pmap(), a);
  ST_CHECK(pa != kNoPhys);
  constexpr unsigned kAccesses[] = {VM_PROT_READ, VM_PROT_WRITE};
  for (const unsigned access : kAccesses) {
    {
      SpinlockGuard hold(g_vm_lock);
      (void)Platform::pmap_test_and_clear_referenced(map->pmap(), a);
      ST_CHECK(!Platform::pmap_test_and_clear_referenced(map->pmap(), a));
    }
    ST_CHECK_EQ(vm_fault(*map, a, access), KERN_SUCCESS);
    SpinlockGuard hold(g_vm_lock);
    ST_CHECK(Platform::pmap_test_and_clear_referenced(map->pmap(), a));
    ST_CHECK_EQ(Platform::pmap_extract(map->pmap(), a), pa);  // the same page, not a copy
  }
  ST_CHECK_EQ(deallocate(*map, a, P), KERN_SUCCESS);
  map->unref();
}

}  // namespace umach::vm
