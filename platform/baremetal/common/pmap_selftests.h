// platform/baremetal/common/pmap_selftests.h: self-tests of the page-table
// pmaps, written once over an ISA's Mmu (common/pmap.h); each ISA registers
// them with UMACH_SELFTEST (amd64/pmap_selftest.cc,
// riscv64/pmap_selftests.cc).
//
// They call the contract (Platform::pmap_*) as the VM will, and check the
// machine's view two ways: through the user addresses, read and written
// from kernel mode while the pmap is loaded on this CPU (Mmu's
// allow_user_access opens supervisor access to user pages where the ISA
// guards it), and by a software walk of the entries (PmapOps::leaf) for
// what only a fault could show otherwise (a page made read-only). Every
// test loads the kernel's root back before destroying its pmap and frees
// the pages it allocated: the harness audits physical pages, so a table
// left behind by pmap_destroy fails the test that made it.
#pragma once

#include <mach/vm_prot.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fault_inject.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "platform/baremetal/common/pmap.h"

namespace umach::baremetal::pmap_selftests {

constexpr uint64_t kPage = Platform::kPageSize;
constexpr size_t kWords = kPage / sizeof(uint64_t);
constexpr unsigned kRW = VM_PROT_READ | VM_PROT_WRITE;

inline uint64_t pattern(uint64_t seed, size_t word) { return (seed << 32) ^ (word * 0x9E3779B97F4A7C15); }

inline volatile uint64_t* words_at(uint64_t va) { return reinterpret_cast<volatile uint64_t*>(va); }
inline volatile uint64_t* direct(paddr_t pa) { return static_cast<volatile uint64_t*>(Platform::phys_to_virt(pa)); }

// A data page holding pattern(seed, i) in word i; kNoPhys when memory is short.
inline paddr_t alloc_filled(uint64_t seed) {
  Result<paddr_t> pa = page_allocator().alloc();
  if (!pa.ok()) return kNoPhys;
  for (size_t i = 0; i < kWords; ++i) direct(pa.value())[i] = pattern(seed, i);
  return pa.value();
}

// Whether the page at `va` (a user address of the loaded pmap, or a direct
// map address) holds pattern(seed, .).
inline bool holds(uint64_t va, uint64_t seed) {
  for (size_t i = 0; i < kWords; ++i)
    if (words_at(va)[i] != pattern(seed, i)) return false;
  return true;
}

template <class Mmu>
struct Machine {
  using Ops = PmapOps<Mmu>;
  using Tables = typename Ops::Tables;

  // Loads p (or the kernel's root) with supervisor access to user pages
  // open, or closes it and loads the kernel's root back.
  static void load(const Pmap* p) {
    Ops::activate(p);
    Mmu::allow_user_access(p != nullptr);
  }
};

// Pages entered with three protections read, through their user addresses,
// what the direct map shows of the physical pages, and writes go both ways;
// each entry is a user page with exactly the rights its protection gives.
template <class Mmu>
void enter_maps_user_pages_onto_physical_pages(SelfTestContext& selftest_ctx) {
  using M = Machine<Mmu>;
  Pmap* p = Platform::pmap_create(nullptr);
  ST_CHECK(p != nullptr);
  if (!p) return;
  const uint64_t min = Platform::pmap_min(*p), max = Platform::pmap_max(*p);
  ST_CHECK(min < max && min % kPage == 0 && max % kPage == 0);

  struct Case {
    uint64_t va;
    unsigned prot;
    paddr_t pa;
  } cases[] = {
      {min, kRW, 0},
      {min + 7 * kPage, VM_PROT_READ, 0},
      {min + M::Tables::span(Mmu::kLevels - 1) + 3 * kPage, VM_PROT_READ | VM_PROT_EXECUTE, 0},
      {max - kPage, kRW, 0},
  };
  uint64_t seed = 1;
  for (Case& c : cases) {
    c.pa = alloc_filled(seed++);
    ST_CHECK(c.pa != kNoPhys);
    if (c.pa == kNoPhys) return;  // the leak audit reports what is left
    ST_CHECK(Platform::pmap_enter(*p, c.va, c.pa, c.prot, c.prot));
  }
  for (const Case& c : cases) {
    ST_CHECK_EQ(Platform::pmap_extract(*p, c.va), c.pa);
    ST_CHECK_EQ(Platform::pmap_extract(*p, c.va + 0x123), c.pa + 0x123);
    uint64_t e = M::Ops::leaf(*p, c.va);
    ST_CHECK(Mmu::valid(e) && Mmu::leaf_user(e));
    ST_CHECK_EQ(Mmu::leaf_writable(e), (c.prot & VM_PROT_WRITE) != 0);
    if (Mmu::can_deny_execute()) ST_CHECK_EQ(Mmu::leaf_executable(e), (c.prot & VM_PROT_EXECUTE) != 0);
  }
  ST_CHECK_EQ(Platform::pmap_extract(*p, min + kPage), kNoPhys);  // a neighbour in a table that exists
  ST_CHECK_EQ(Platform::pmap_extract(*p, min - kPage), kNoPhys);  // below the user range: the kernel's
  ST_CHECK_EQ(Platform::pmap_extract(*p, max), kNoPhys);

  M::load(p);
  seed = 1;
  for (const Case& c : cases) ST_CHECK(holds(c.va, seed++));
  for (const Case& c : cases) {
    if (!(c.prot & VM_PROT_WRITE)) continue;
    words_at(c.va)[5] = 0x5EEDF00D;
    ST_CHECK_EQ(direct(c.pa)[5], uint64_t{0x5EEDF00D});
    direct(c.pa)[6] = 0xD15EA5E;
    ST_CHECK_EQ(words_at(c.va)[6], uint64_t{0xD15EA5E});
  }
  M::load(nullptr);

  Platform::pmap_destroy(p);
  for (const Case& c : cases) page_allocator().free(c.pa);
}

// Entering over a mapping of the loaded pmap replaces it at once (the old
// translation is flushed), and so does removing it.
template <class Mmu>
void enter_replaces_a_mapping_of_the_loaded_pmap(SelfTestContext& selftest_ctx) {
  using M = Machine<Mmu>;
  Pmap* p = Platform::pmap_create(nullptr);
  ST_CHECK(p != nullptr);
  if (!p) return;
  const uint64_t va = Platform::pmap_min(*p) + 42 * kPage;
  const paddr_t a = alloc_filled(0xA), b = alloc_filled(0xB);
  ST_CHECK(a != kNoPhys && b != kNoPhys);
  if (a == kNoPhys || b == kNoPhys) return;

  ST_CHECK(Platform::pmap_enter(*p, va, a, VM_PROT_READ, VM_PROT_READ));
  M::load(p);
  ST_CHECK(holds(va, 0xA));  // now the CPU may hold the translation
  ST_CHECK(Platform::pmap_enter(*p, va, b, kRW, VM_PROT_READ));
  ST_CHECK_EQ(Platform::pmap_extract(*p, va), b);
  ST_CHECK(holds(va, 0xB));
  words_at(va)[0] = 1;
  ST_CHECK_EQ(direct(b)[0], uint64_t{1});
  ST_CHECK_EQ(direct(a)[0], pattern(0xA, 0));
  Platform::pmap_remove(*p, va, kPage);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va), kNoPhys);
  M::load(nullptr);

  Platform::pmap_destroy(p);
  page_allocator().free(a);
  page_allocator().free(b);
}

// pmap_protect lowers the entries of the pages in its range and leaves the
// others; VM_PROT_NONE and pmap_remove clear them. The range crosses from
// one leaf table to the next and may cover tables that do not exist.
template <class Mmu>
void protect_lowers_rights_and_none_removes(SelfTestContext& selftest_ctx) {
  using M = Machine<Mmu>;
  Pmap* p = Platform::pmap_create(nullptr);
  ST_CHECK(p != nullptr);
  if (!p) return;
  const uint64_t min = Platform::pmap_min(*p), max = Platform::pmap_max(*p);
  const paddr_t pa = alloc_filled(0xC);
  ST_CHECK(pa != kNoPhys);
  if (pa == kNoPhys) return;
  // Pages 0 and 1 end one leaf table, 2 and 3 start the next.
  const uint64_t va = min + M::Tables::span(1) - 2 * kPage;
  for (unsigned i = 0; i < 4; ++i) ST_CHECK(Platform::pmap_enter(*p, va + i * kPage, pa, VM_PROT_ALL, VM_PROT_READ));

  Platform::pmap_protect(*p, va, 2 * kPage, VM_PROT_READ);
  for (unsigned i = 0; i < 2; ++i) {
    uint64_t e = M::Ops::leaf(*p, va + i * kPage);
    ST_CHECK(Mmu::valid(e) && Mmu::leaf_user(e) && !Mmu::leaf_writable(e));
    if (Mmu::can_deny_execute()) ST_CHECK(!Mmu::leaf_executable(e));
    ST_CHECK_EQ(Platform::pmap_extract(*p, va + i * kPage), pa);
  }
  for (unsigned i = 2; i < 4; ++i) {
    uint64_t e = M::Ops::leaf(*p, va + i * kPage);
    ST_CHECK(Mmu::valid(e) && Mmu::leaf_writable(e) && Mmu::leaf_executable(e));
  }
  M::load(p);
  ST_CHECK(holds(va, 0xC));  // read-only still reads
  Platform::pmap_protect(*p, va + 2 * kPage, kPage, VM_PROT_NONE);
  M::load(nullptr);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va + 2 * kPage), kNoPhys);
  ST_CHECK(!Mmu::valid(M::Ops::leaf(*p, va + 2 * kPage)));
  ST_CHECK_EQ(Platform::pmap_extract(*p, va + 3 * kPage), pa);
  Platform::pmap_remove(*p, va + 3 * kPage, kPage);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va + 3 * kPage), kNoPhys);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va), pa);

  // Whole-range calls skip what was never made.
  Platform::pmap_protect(*p, min, max - min, VM_PROT_READ);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va + kPage), pa);
  Platform::pmap_remove(*p, min, max - min);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va), kNoPhys);
  ST_CHECK_EQ(Platform::pmap_extract(*p, va + kPage), kNoPhys);

  Platform::pmap_destroy(p);
  page_allocator().free(pa);
}

// Pages entered under many tables at every level (three root entries,
// several entries below each) take exactly one table per distinct span,
// and pmap_destroy gives every one back, with the root.
template <class Mmu>
void destroy_frees_every_table(SelfTestContext& selftest_ctx) {
  using Tables = typename Machine<Mmu>::Tables;
  constexpr unsigned kTop = Mmu::kLevels - 1;
  const size_t free_at_start = page_allocator().free_pages();
  const paddr_t pa = alloc_filled(0xD);
  Pmap* p = Platform::pmap_create(nullptr);
  ST_CHECK(pa != kNoPhys && p != nullptr);
  if (pa == kNoPhys || !p) return;
  const size_t free_after_create = page_allocator().free_pages();  // less the root (and a slab for the Pmap)

  const uint64_t max = Platform::pmap_max(*p);
  const uint64_t roots[] = {Platform::pmap_min(*p), Platform::pmap_min(*p) + Tables::span(kTop),
                            (max - 1) & ~(Tables::span(kTop) - 1)};
  uint64_t vas[3 * 4 * 3 + 1];
  size_t n = 0;
  for (uint64_t r : roots)
    for (unsigned m = 0; m < 4; ++m)
      for (unsigned k = 0; k < 3; ++k) vas[n++] = r + m * Tables::span(kTop - 1) + k * 5 * kPage;
  vas[n++] = max - kPage;

  // Tables below the root: one per distinct span(level + 1) holding a page.
  size_t expected = 0;
  for (unsigned level = 0; level < kTop; ++level)
    for (size_t i = 0; i < n; ++i) {
      bool first = true;
      for (size_t j = 0; j < i; ++j)
        if (vas[j] / Tables::span(level + 1) == vas[i] / Tables::span(level + 1)) first = false;
      expected += first;
    }
  for (size_t i = 0; i < n; ++i) ST_CHECK(Platform::pmap_enter(*p, vas[i], pa, kRW, 0));
  ST_CHECK_EQ(page_allocator().free_pages(), free_after_create - expected);
  for (size_t i = 0; i < n; ++i) ST_CHECK_EQ(Platform::pmap_extract(*p, vas[i]), pa);

  Platform::pmap_destroy(p);
  page_allocator().free(pa);
  drain_caches();  // the Pmap's slab
  ST_CHECK_EQ(page_allocator().free_pages(), free_at_start);
}

// When a table cannot be allocated, pmap_enter fails with nothing entered;
// the tables it made before stay (empty) and serve the next try, and
// destroy frees them. Failing the nth allocation of an enter that needs
// every table below the root leaves n - 1 of them. pmap_create fails
// cleanly too.
template <class Mmu>
void enter_out_of_memory_leaves_the_pmap_consistent(SelfTestContext& selftest_ctx) {
  using Tables = typename Machine<Mmu>::Tables;
  constexpr unsigned kTablesBelowRoot = Mmu::kLevels - 1;
  Pmap* p = nullptr;
  for (unsigned n = 1; n <= 8 && !p; ++n) {
    fault_inject::fail_nth(n);
    p = Platform::pmap_create(nullptr);
    fault_inject::fail_nth(0);
  }
  ST_CHECK(p != nullptr);
  const paddr_t pa = alloc_filled(0xE);
  ST_CHECK(pa != kNoPhys);
  if (!p || pa == kNoPhys) return;

  for (unsigned n = 1; n <= kTablesBelowRoot; ++n) {
    // A root entry of its own, so the enter needs every table below it.
    const uint64_t va = Platform::pmap_min(*p) + n * Tables::span(Mmu::kLevels - 1) + 0x1234 * kPage;
    const size_t free_before = page_allocator().free_pages();
    const uint64_t injected = fault_inject::injected_count();
    fault_inject::fail_nth(n);
    const bool ok = Platform::pmap_enter(*p, va, pa, kRW, kRW);
    fault_inject::fail_nth(0);
    ST_CHECK(!ok);
    ST_CHECK_EQ(fault_inject::injected_count(), injected + 1);
    ST_CHECK_EQ(Platform::pmap_extract(*p, va), kNoPhys);
    ST_CHECK_EQ(page_allocator().free_pages(), free_before - (n - 1));

    ST_CHECK(Platform::pmap_enter(*p, va, pa, kRW, kRW));
    ST_CHECK_EQ(Platform::pmap_extract(*p, va), pa);
    ST_CHECK_EQ(page_allocator().free_pages(), free_before - kTablesBelowRoot);
  }

  Platform::pmap_destroy(p);
  page_allocator().free(pa);
}

// pmap_test_and_clear_referenced (pageout's referenced bit) is the leaf's
// accessed bit: a page entered for an access starts referenced; cleared,
// it stays mapped with its protection and its dirty bit; the next access
// through its user address sets it again, though the CPU held the
// translation from before the clear (the clear drops it), and so does the
// kernel's copyin.
template <class Mmu>
void referenced_bit_is_the_accessed_bit(SelfTestContext& selftest_ctx) {
  using M = Machine<Mmu>;
  Pmap* p = Platform::pmap_create(nullptr);
  const paddr_t pa = alloc_filled(0xF);
  ST_CHECK(p != nullptr && pa != kNoPhys);
  if (!p || pa == kNoPhys) return;
  const uint64_t va = Platform::pmap_min(*p) + 9 * kPage;
  ST_CHECK(Platform::pmap_enter(*p, va, pa, kRW, VM_PROT_WRITE));
  const uint64_t entered = M::Ops::leaf(*p, va);
  ST_CHECK((entered & Mmu::kAccessed) != 0);

  M::load(p);
  ST_CHECK(holds(va, 0xF));  // the CPU holds the translation now
  ST_CHECK(Platform::pmap_test_and_clear_referenced(*p, va));
  const uint64_t cleared = M::Ops::leaf(*p, va);
  ST_CHECK_EQ(cleared & Mmu::kAccessed, uint64_t{0});
  ST_CHECK_EQ(cleared & ~Mmu::kAccessed, entered & ~Mmu::kAccessed);  // mapping, rights, dirty bit
  ST_CHECK(!Platform::pmap_test_and_clear_referenced(*p, va));
  ST_CHECK_EQ(words_at(va)[3], pattern(0xF, 3));
  ST_CHECK(Platform::pmap_test_and_clear_referenced(*p, va));
  uint64_t word = 0;
  ST_CHECK(Platform::copyin(&word, va + 8, sizeof word));
  ST_CHECK_EQ(word, pattern(0xF, 1));
  ST_CHECK(Platform::pmap_test_and_clear_referenced(*p, va));
  M::load(nullptr);

  // Cleared while the pmap is not loaded, it stays clear; nothing mapped: false.
  ST_CHECK(!Platform::pmap_test_and_clear_referenced(*p, va));
  ST_CHECK(!Platform::pmap_test_and_clear_referenced(*p, va + kPage));
  ST_CHECK_EQ(Platform::pmap_extract(*p, va), pa);

  Platform::pmap_destroy(p);
  page_allocator().free(pa);
}

}  // namespace umach::baremetal::pmap_selftests
