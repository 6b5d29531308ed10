// platform/baremetal/common/page_table_pmaps.cc: the contract's pmap calls
// (machine_traits.h) over common/pmap.h, with the entries of the ISA this
// image is built for (<umach/mmu.h>).
#include <umach/mmu.h>

#include "platform/baremetal/common/machine_traits.h"
#include "platform/baremetal/common/pmap.h"

namespace umach::baremetal {

using Ops = PmapOps<IsaMmu>;

Pmap* PageTablePmaps::pmap_create(Pmap*) { return Ops::create(); }
void PageTablePmaps::pmap_destroy(Pmap* p) { Ops::destroy(p); }
// The lowest user page is the commpage's (bare_task.h), outside every map.
uint64_t PageTablePmaps::pmap_min(const Pmap&) { return IsaMmu::kUserMin + Platform::kPageSize; }
uint64_t PageTablePmaps::pmap_max(const Pmap&) { return IsaMmu::kUserMax; }
bool PageTablePmaps::pmap_enter(Pmap& p, uint64_t va, paddr_t pa, unsigned prot, unsigned access) {
  return Ops::enter(p, va, pa, prot, access);
}
void PageTablePmaps::pmap_protect(Pmap& p, uint64_t va, size_t size, unsigned prot) { Ops::protect(p, va, size, prot); }
void PageTablePmaps::pmap_remove(Pmap& p, uint64_t va, size_t size) { Ops::remove(p, va, size); }
paddr_t PageTablePmaps::pmap_extract(const Pmap& p, uint64_t va) { return Ops::extract(p, va); }
bool PageTablePmaps::pmap_test_and_clear_referenced(Pmap& p, uint64_t va) {
  return Ops::test_and_clear_referenced(p, va);
}
void PageTablePmaps::pmap_activate(const Pmap* p) { Ops::activate_if_needed(p); }

}  // namespace umach::baremetal
