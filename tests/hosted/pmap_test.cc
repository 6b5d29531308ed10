// tests/hosted/pmap_test.cc: the hosted pmap: entering, protecting,
// removing and extracting mappings, runs, the referenced (per page) and
// modified (per run) emulation, and the budget of host mappings. The tests
// play the fault path themselves (fault_in) where the real one would take a
// SIGSEGV.
#include <thread>

#include "platform/hosted/memory/physmem.h"
#include "tests/hosted/memory_support.h"

namespace umach::test {
namespace {

using hosted::FaultOutcome;
using hosted::kProtExecute;
using hosted::kProtNone;
using hosted::kProtRead;
using hosted::kProtWrite;
using hosted::Pmap;
constexpr unsigned kRW = kProtRead | kProtWrite;

TEST(Pmap, EnterMapsThePhysicalPageAtTheAddress) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  memset(pages.bytes(0), 0x5a, kPageSize);
  vaddr_t va = w.at(0x10000);
  ASSERT_TRUE(pmap.enter(va, pages[0], kPageSize, kRW, kProtWrite).ok());
  EXPECT_EQ(reinterpret_cast<volatile uint8_t*>(va)[100], 0x5a);
  reinterpret_cast<volatile uint8_t*>(va)[7] = 0x11;  // the task writes...
  EXPECT_EQ(pages.bytes(0)[7], 0x11);                 // ...physical memory
  EXPECT_EQ(host_prot_at(va), "rw-s");
  pmap.check_invariants();
}

TEST(Pmap, ExtractReturnsThePhysicalAddressWithTheOffset) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  vaddr_t va = w.at(0);
  EXPECT_FALSE(pmap.extract(va).ok());
  ASSERT_TRUE(pmap.enter(va, pages[0], kPageSize, kProtRead).ok());
  auto pa = pmap.extract(va + 123);
  ASSERT_TRUE(pa.ok());
  EXPECT_EQ(pa.value(), pages[0] + 123);
}

TEST(Pmap, EnterRejectsAddressesOutsideItsRange) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  EXPECT_EQ(pmap.enter(w.range().end(), pages[0], kPageSize, kProtRead).error(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(pmap.enter(w.range().base() - kPageSize, pages[0], kPageSize, kProtRead).error(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(pmap.enter(w.at(1), pages[0], kPageSize, kProtRead).error(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(pmap.enter(w.at(0), pages[0], kPageSize, kProtNone).error(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(pmap.entry_count(), 0u);
}

TEST(Pmap, ProtectChangesTheHostProtection) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(4);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], 4 * kPageSize, kRW, kProtWrite).ok());
  ASSERT_TRUE(pmap.protect(va + kPageSize, kPageSize, kProtRead).ok());
  EXPECT_EQ(host_prot_at(va), "rw-s");
  EXPECT_EQ(host_prot_at(va + kPageSize), "r--s");
  EXPECT_EQ(host_prot_at(va + 2 * kPageSize), "rw-s");
  EXPECT_EQ(pmap.fault_in(va + kPageSize, true), FaultOutcome::kProtection);
  ASSERT_TRUE(pmap.protect(va + kPageSize, kPageSize, kProtRead | kProtExecute).ok());
  EXPECT_EQ(host_prot_at(va + kPageSize), "r-xs");
  pmap.check_invariants();
}

TEST(Pmap, ProtectToNoneRemoves) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  ASSERT_TRUE(pmap.enter(w.at(0), pages[0], kPageSize, kRW).ok());
  ASSERT_TRUE(pmap.protect(w.at(0), kPageSize, kProtNone).ok());
  EXPECT_FALSE(pmap.extract(w.at(0)).ok());
}

TEST(Pmap, RemoveLeavesAReservationNeverAHole) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(3);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], 3 * kPageSize, kRW).ok());
  pmap.remove(va + kPageSize, kPageSize);
  EXPECT_FALSE(pmap.extract(va + kPageSize).ok());
  EXPECT_TRUE(pmap.extract(va).ok());
  EXPECT_EQ(host_prot_at(va + kPageSize), "---p");
  EXPECT_EQ(host_prot_at(va + 2 * kPageSize), "r--s");  // entered for a read: not yet writable
  EXPECT_EQ(pmap.host_mappings(), 2u);
  pmap.remove(va, 3 * kPageSize);
  EXPECT_EQ(pmap.host_mappings(), 0u);
  EXPECT_EQ(host_prot_at(va), "---p");
  pmap.check_invariants();
}

TEST(Pmap, PhysicallyContiguousPagesCoalesceIntoOneRun) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(8);
  for (size_t i = 0; i < 8; ++i) ASSERT_TRUE(pmap.enter(w.at(i * kPageSize), pages[i], kPageSize, kRW).ok());
  EXPECT_EQ(pmap.host_mappings(), 1u);
  pmap.check_invariants();
}

TEST(Pmap, ScatteredPagesNeedOneRunEach) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(4, false);
  for (size_t i = 0; i < 4; ++i) ASSERT_TRUE(pmap.enter(w.at(i * kPageSize), pages[i], kPageSize, kRW).ok());
  EXPECT_EQ(pmap.host_mappings(), 4u);
}

TEST(Pmap, RunsAreCappedAtMaxRunPages) {
  Window w;
  Pmap pmap(w.range());
  size_t n = 2 * Pmap::kMaxRunPages + 3;
  PhysPages pages(n);
  ASSERT_TRUE(pmap.enter(w.at(0), pages[0], n * kPageSize, kRW).ok());
  EXPECT_EQ(pmap.host_mappings(), 3u);
  pmap.check_invariants();
}

TEST(Pmap, UntouchedRunIsNotReferencedAndFaultsOnFirstTouch) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(4);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], 4 * kPageSize, kRW, kProtNone).ok());
  EXPECT_EQ(host_prot_at(va), "---s");
  EXPECT_FALSE(pmap.is_referenced(va));
  EXPECT_EQ(pmap.note_access(va + kPageSize, false), FaultOutcome::kResolved);
  EXPECT_TRUE(pmap.is_referenced(va + kPageSize));
  for (size_t i : {0, 2, 3}) EXPECT_FALSE(pmap.is_referenced(va + i * kPageSize)) << "page " << i;
  EXPECT_FALSE(pmap.is_modified(va + kPageSize));
  EXPECT_EQ(host_prot_at(va + kPageSize), "r--s");
  EXPECT_EQ(host_prot_at(va), "---s") << "the untouched pages still fault";
  pmap.check_invariants();
}

TEST(Pmap, WriteMarksTheRunModifiedAndClearingKeepsTheOtherPagesModified) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(4);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], 4 * kPageSize, kRW, kProtRead).ok());
  EXPECT_EQ(pmap.note_access(va + 3 * kPageSize, true), FaultOutcome::kResolved);
  EXPECT_EQ(host_prot_at(va), "rw-s");
  EXPECT_TRUE(pmap.test_and_clear_modified(va));
  EXPECT_FALSE(pmap.is_modified(va));
  EXPECT_EQ(host_prot_at(va), "r--s") << "the next write faults again";
  // A page of the run may have been the one written: it stays modified.
  EXPECT_TRUE(pmap.test_and_clear_modified(va + 3 * kPageSize));
  EXPECT_FALSE(pmap.test_and_clear_modified(va + 3 * kPageSize));
  pmap.check_invariants();
}

TEST(Pmap, ClearingReferencedMakesThePageInaccessibleUntilTouched) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(2);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], 2 * kPageSize, kRW, kProtWrite).ok());
  EXPECT_TRUE(pmap.test_and_clear_referenced(va));
  EXPECT_FALSE(pmap.test_and_clear_referenced(va));
  EXPECT_EQ(host_prot_at(va), "---p");
  EXPECT_TRUE(pmap.is_modified(va)) << "clearing one bit keeps the other";
  EXPECT_EQ(pmap.fault_in(va, false), FaultOutcome::kResolved);
  EXPECT_TRUE(pmap.is_referenced(va));
  EXPECT_EQ(host_prot_at(va), "rw-s");
  pmap.check_invariants();
}

// Pageout's referenced bit (contract.h: pmap_test_and_clear_referenced) is
// exact per page: clearing one page of a run leaves its neighbours
// referenced and mapped, a touch of a neighbour does not reference it, and
// its own touch does, through the pmap alone (the page keeps its entry,
// its protection, and its physical page). Touched again, it rejoins its
// run.
TEST(Pmap, ReferencedBitIsPerPageWithinARun) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(4);
  vaddr_t va = w.at(0);
  auto page = [&](size_t i) { return va + i * kPageSize; };
  ASSERT_TRUE(pmap.enter(va, pages[0], 4 * kPageSize, kRW, kProtRead).ok());
  ASSERT_EQ(pmap.host_mappings(), 1u);
  memset(pages.bytes(1), 0x77, kPageSize);
  EXPECT_TRUE(Platform::pmap_test_and_clear_referenced(pmap, page(1)));
  EXPECT_EQ(host_prot_at(page(1)), "---p");
  EXPECT_EQ(host_prot_at(page(0)), "r--s");
  EXPECT_EQ(host_prot_at(page(2)), "r--s");
  EXPECT_EQ(Platform::pmap_extract(pmap, page(1)), pages[1]) << "the mapping stays";
  // The neighbours are used (no fault: their mappings are in place).
  memset(pages.bytes(0), 0x10, kPageSize);
  memset(pages.bytes(2), 0x12, kPageSize);
  EXPECT_EQ(reinterpret_cast<volatile uint8_t*>(page(0))[0], 0x10);
  EXPECT_EQ(reinterpret_cast<volatile uint8_t*>(page(2))[0], 0x12);
  EXPECT_FALSE(Platform::pmap_test_and_clear_referenced(pmap, page(1)));
  EXPECT_TRUE(Platform::pmap_test_and_clear_referenced(pmap, page(0)));
  EXPECT_TRUE(pmap.is_referenced(page(2)));
  // The page's own access: a write it is entered for is resolved here.
  EXPECT_EQ(pmap.fault_in(page(1), true), FaultOutcome::kResolved);
  EXPECT_EQ(reinterpret_cast<volatile uint8_t*>(page(1))[5], 0x77);
  EXPECT_TRUE(pmap.is_referenced(page(1)));
  EXPECT_FALSE(pmap.is_referenced(page(0)));
  EXPECT_EQ(pmap.fault_in(page(0), false), FaultOutcome::kResolved);
  EXPECT_EQ(pmap.host_mappings(), 1u) << "used again, the pages form one run again";
  pmap.check_invariants();
}

TEST(Pmap, ClearingReferencedKeepsTheProtection) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  vaddr_t va = w.at(0);
  ASSERT_TRUE(pmap.enter(va, pages[0], kPageSize, kProtRead, kProtRead).ok());
  EXPECT_TRUE(pmap.test_and_clear_referenced(va));
  EXPECT_EQ(pmap.fault_in(va, true), FaultOutcome::kProtection);
  EXPECT_FALSE(pmap.is_referenced(va));
  EXPECT_EQ(pmap.fault_in(va, false), FaultOutcome::kResolved);
  EXPECT_EQ(host_prot_at(va), "r--s");
  EXPECT_FALSE(pmap.test_and_clear_referenced(w.at(kPageSize))) << "nothing mapped there";
}

TEST(Pmap, FaultOutcomesSayWhatTheVmMustDo) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  ASSERT_TRUE(pmap.enter(w.at(0), pages[0], kPageSize, kProtRead).ok());
  EXPECT_EQ(pmap.fault_in(w.at(kPageSize), false), FaultOutcome::kNotEntered);
  EXPECT_EQ(pmap.fault_in(w.at(0), true), FaultOutcome::kProtection);
  EXPECT_EQ(pmap.fault_in(w.at(0) + 5, false), FaultOutcome::kResolved);
}

// The budget: three times as many scattered pages as the budget allows
// host mappings. The pmap forgets the oldest runs, the host's mapping count
// stays far from vm.max_map_count, and every page reads back right after
// being faulted back in.
TEST(Pmap, BudgetForgetsLeastRecentlyUsedRunsAndFaultsBringThemBack) {
  constexpr size_t kBudget = 128, kPages = 3 * kBudget;
  Window w;
  Pmap pmap(w.range(), kBudget);
  PhysPages pages(kPages, false);
  size_t host_before = hosted::host_map_count();
  auto va_of = [&](size_t i) { return w.at(i * 2 * kPageSize); };  // never adjacent
  for (size_t i = 0; i < kPages; ++i) {
    memset(pages.bytes(i), static_cast<int>(i * 7 + 1), kPageSize);
    ASSERT_TRUE(pmap.enter(va_of(i), pages[i], kPageSize, kRW, kProtWrite).ok());
    ASSERT_LE(pmap.host_mappings(), kBudget);
  }
  EXPECT_EQ(pmap.entry_count(), kPages);
  EXPECT_EQ(pmap.host_mappings(), kBudget);
  EXPECT_LT(hosted::host_map_count(), host_before + 2 * kBudget + 16);
  EXPECT_EQ(host_prot_at(va_of(0)), "---p") << "the oldest run was forgotten";
  for (size_t round = 0; round < 2; ++round) {
    for (size_t i = 0; i < kPages; ++i) {
      ASSERT_EQ(pmap.fault_in(va_of(i), false), FaultOutcome::kResolved);
      auto* p = reinterpret_cast<volatile uint8_t*>(va_of(i));
      ASSERT_EQ(p[0], static_cast<uint8_t>(i * 7 + 1));
      ASSERT_EQ(p[kPageSize - 1], static_cast<uint8_t>(i * 7 + 1));
      ASSERT_LE(pmap.host_mappings(), kBudget);
    }
  }
  EXPECT_TRUE(pmap.is_modified(va_of(0))) << "forgetting a run keeps its bits";
  EXPECT_LT(hosted::host_map_count(), host_before + 2 * kBudget + 16);
  EXPECT_LT(hosted::host_map_count(), 65530u / 4);
  pmap.check_invariants();
}

TEST(Pmap, DefaultBudgetIsWellBelowTheHostLimit) { EXPECT_LE(Pmap::kDefaultBudget * 16, 65530u); }

// Several host threads enter, fault and clear bits in one pmap at once
// (disjoint pages; the lock serialises the host calls). Under TSan.
TEST(Pmap, ConcurrentOperationsKeepItConsistent) {
  constexpr size_t kThreads = 4, kPerThread = 64;
  Window w;
  Pmap pmap(w.range(), 96);
  PhysPages pages(kThreads * kPerThread, false);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t round = 0; round < 3; ++round) {
        for (size_t i = t * kPerThread; i < (t + 1) * kPerThread; ++i) {
          vaddr_t va = w.at(i * 2 * kPageSize);
          EXPECT_TRUE(pmap.enter(va, pages[i], kPageSize, kRW, kProtNone).ok());
          EXPECT_EQ(pmap.fault_in(va, (i & 1) != 0), FaultOutcome::kResolved);
          EXPECT_EQ(pmap.test_and_clear_modified(va), (i & 1) != 0);
          EXPECT_TRUE(pmap.test_and_clear_referenced(va));
          EXPECT_EQ(pmap.fault_in(va, false), FaultOutcome::kResolved);
          EXPECT_LE(pmap.host_mappings(), 96u);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(pmap.entry_count(), kThreads * kPerThread);
  pmap.check_invariants();
}

}  // namespace
}  // namespace umach::test
