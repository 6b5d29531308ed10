// platform/baremetal/riscv64/pmap_selftests.cc: the shared pmap self-tests
// (common/pmap_selftests.h) over Sv39 entries, and what is riscv64's own:
// the encodings of protections RISC-V reserves or splits.
#include <mach/vm_prot.h>

#include "core/selftest.h"
#include "platform/baremetal/common/pmap_selftests.h"
#include "platform/baremetal/riscv64/pmap.h"

namespace umach {

namespace tests = baremetal::pmap_selftests;
using riscv64::Mmu;

UMACH_SELFTEST(riscv64_pmap_enter_maps_user_pages_onto_physical_pages) {
  tests::enter_maps_user_pages_onto_physical_pages<Mmu>(selftest_ctx);
}

UMACH_SELFTEST(riscv64_pmap_enter_replaces_a_mapping_of_the_loaded_pmap) {
  tests::enter_replaces_a_mapping_of_the_loaded_pmap<Mmu>(selftest_ctx);
}

UMACH_SELFTEST(riscv64_pmap_protect_lowers_rights_and_none_removes) {
  tests::protect_lowers_rights_and_none_removes<Mmu>(selftest_ctx);
}

UMACH_SELFTEST(riscv64_pmap_destroy_frees_every_table) { tests::destroy_frees_every_table<Mmu>(selftest_ctx); }

UMACH_SELFTEST(riscv64_pmap_enter_out_of_memory_leaves_the_pmap_consistent) {
  tests::enter_out_of_memory_leaves_the_pmap_consistent<Mmu>(selftest_ctx);
}

UMACH_SELFTEST(riscv64_pmap_referenced_bit_is_the_accessed_bit) {
  tests::referenced_bit_is_the_accessed_bit<Mmu>(selftest_ctx);
}

// Write without read is reserved: a write-only protection maps R|W. Execute
// alone is a valid execute-only page. Every leaf is a user page with A set,
// and D exactly when writable, so hardware never faults to set them; a
// protection change keeps A as it was.
UMACH_SELFTEST(riscv64_pmap_leaf_encodings_avoid_reserved_combinations) {
  const paddr_t pa = 0x8765'4000;
  struct {
    unsigned prot;
    Mmu::Pte rwx;
  } cases[] = {
      {VM_PROT_READ, Mmu::kRead},
      {VM_PROT_WRITE, Mmu::kRead | Mmu::kWrite},
      {VM_PROT_EXECUTE, Mmu::kExecute},
      {VM_PROT_READ | VM_PROT_WRITE, Mmu::kRead | Mmu::kWrite},
      {VM_PROT_WRITE | VM_PROT_EXECUTE, Mmu::kRead | Mmu::kWrite | Mmu::kExecute},
  };
  constexpr Mmu::Pte kRwx = Mmu::kRead | Mmu::kWrite | Mmu::kExecute;
  for (const auto& c : cases) {
    Mmu::Pte e = Mmu::leaf_entry(pa, c.prot, 0);
    ST_CHECK_EQ(e & kRwx, c.rwx);
    ST_CHECK(Mmu::valid(e) && Mmu::leaf_user(e) && (e & Mmu::kAccessed));
    ST_CHECK_EQ((e & Mmu::kDirty) != 0, (e & Mmu::kWrite) != 0);
    ST_CHECK_EQ(Mmu::entry_pa(e), pa);
    ST_CHECK_EQ(Mmu::reprotect(e, VM_PROT_READ) & kRwx, Mmu::kRead);
    // A cleared A (pageout's referenced bit) stays cleared.
    ST_CHECK_EQ(Mmu::reprotect(e & ~Mmu::kAccessed, c.prot) & Mmu::kAccessed, Mmu::Pte{0});
  }
  // Tables carry no permission, no U, A or D: those bits are reserved there.
  ST_CHECK_EQ(Mmu::table_entry(pa), Mmu::ppn(pa) | Mmu::kValid);
}

}  // namespace umach
