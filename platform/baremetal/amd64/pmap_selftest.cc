// platform/baremetal/amd64/pmap_selftest.cc: the shared pmap self-tests
// (common/pmap_selftests.h) over x86-64 entries, and what is amd64's own:
// no-execute is on, so non-executable pages are enforced.
#include "core/selftest.h"
#include "platform/baremetal/amd64/pmap.h"
#include "platform/baremetal/amd64/x86.h"
#include "platform/baremetal/common/pmap_selftests.h"

namespace umach {

namespace tests = baremetal::pmap_selftests;

UMACH_SELFTEST(amd64_pmap_enter_maps_user_pages_onto_physical_pages) {
  tests::enter_maps_user_pages_onto_physical_pages<amd64::Mmu>(selftest_ctx);
}

UMACH_SELFTEST(amd64_pmap_enter_replaces_a_mapping_of_the_loaded_pmap) {
  tests::enter_replaces_a_mapping_of_the_loaded_pmap<amd64::Mmu>(selftest_ctx);
}

UMACH_SELFTEST(amd64_pmap_protect_lowers_rights_and_none_removes) {
  tests::protect_lowers_rights_and_none_removes<amd64::Mmu>(selftest_ctx);
}

UMACH_SELFTEST(amd64_pmap_destroy_frees_every_table) { tests::destroy_frees_every_table<amd64::Mmu>(selftest_ctx); }

UMACH_SELFTEST(amd64_pmap_enter_out_of_memory_leaves_the_pmap_consistent) {
  tests::enter_out_of_memory_leaves_the_pmap_consistent<amd64::Mmu>(selftest_ctx);
}

UMACH_SELFTEST(amd64_pmap_referenced_bit_is_the_accessed_bit) {
  tests::referenced_bit_is_the_accessed_bit<amd64::Mmu>(selftest_ctx);
}

// QEMU's `-cpu max` (scripts/boot-qemu.sh) has NX: pmap_init must have
// turned it on, or every user page would be executable.
UMACH_SELFTEST(amd64_pmap_no_execute_is_enabled) {
  ST_CHECK(amd64::nx_enabled());
  ST_CHECK((amd64::rdmsr(amd64::kMsrEfer) & amd64::kEferNxe) != 0);
}

}  // namespace umach
