// tests/hosted/address_window_test.cc: task windows (placement, disjointness,
// release) and shared ranges (residency swaps, the one-CPU claim, the
// address models).
#include <atomic>
#include <memory>
#include <thread>

#include "platform/hosted/memory/physmem.h"
#include "tests/hosted/memory_support.h"

namespace umach::test {
namespace {

using hosted::AddressRange;
using hosted::kProtRead;
using hosted::kProtWrite;
using hosted::Pmap;

bool inside_regions(vaddr_t base, size_t size) {
  for (const auto& r : hosted::window_regions())
    if (base >= r.begin && base + size <= r.end) return true;
  return false;
}

TEST(AddressWindow, WindowsAreDisjointAndWhereTheSanitizerAllowsAppMemory) {
  std::vector<std::unique_ptr<Window>> windows;
  for (int i = 0; i < 6; ++i) windows.push_back(std::make_unique<Window>());
  for (size_t i = 0; i < windows.size(); ++i) {
    AddressRange& a = windows[i]->range();
    EXPECT_TRUE(inside_regions(a.base(), a.size())) << std::hex << a.base();
    EXPECT_EQ(host_prot_at(a.base()), "---p") << "reserved up front";
    EXPECT_EQ(host_prot_at(a.end() - 1), "---p");
    for (size_t j = 0; j < i; ++j) {
      AddressRange& b = windows[j]->range();
      EXPECT_TRUE(a.end() <= b.base() || b.end() <= a.base());
    }
  }
}

TEST(AddressWindow, TaskMemoryInAWindowIsUsable) {
  Window w;
  Pmap pmap(w.range());
  PhysPages pages(1);
  vaddr_t va = w.range().vm_max() - kPageSize;
  ASSERT_TRUE(pmap.enter(va, pages[0], kPageSize, kProtRead | kProtWrite, kProtWrite).ok());
  reinterpret_cast<volatile uint64_t*>(va)[0] = 0x1234;
  EXPECT_EQ(*reinterpret_cast<uint64_t*>(pages.bytes(0)), 0x1234u);
}

TEST(AddressWindow, VmBoundsLeaveTheCommpageBelowTaskMemory) {
  Window w;
  AddressRange& r = w.range();
  EXPECT_EQ(r.commpage(), r.base());
  EXPECT_GT(r.vm_min(), r.commpage());
  EXPECT_EQ(r.vm_max(), r.end());
}

TEST(AddressWindow, ReleasedWindowsGoBackToTheHost) {
  size_t before = hosted::windows_in_use();
  vaddr_t base;
  {
    Window w;
    base = w.range().base();
    EXPECT_EQ(hosted::windows_in_use(), before + 1);
  }
  EXPECT_EQ(hosted::windows_in_use(), before);
  EXPECT_EQ(host_prot_at(base), "");
}

TEST(AddressWindow, DefaultWindowSizeFitsTheRegions) {
  size_t fit = 0;
  for (const auto& r : hosted::window_regions()) fit += (r.end - r.begin) / hosted::window_size();
  EXPECT_GE(fit, 16u);
}

// Two address spaces in one range: only one is resident, and swapping keeps
// each one's bytes at the same addresses.
TEST(SharedRange, SwappingKeepsEachAddressSpacesBytes) {
  Window w;
  Pmap a(w.range()), b(w.range());
  EXPECT_EQ(w.range().resident(), &a) << "the first one attached is resident";
  EXPECT_EQ(w.range().pmap_count(), 2u);
  PhysPages pa(20), pb(3);
  vaddr_t va = w.at(0);
  memset(pa.bytes(0), 'a', kPageSize);
  memset(pb.bytes(0), 'b', kPageSize);
  ASSERT_TRUE(a.enter(va, pa[0], 20 * kPageSize, kProtRead | kProtWrite, kProtWrite).ok());
  // b is not resident: its entries are only recorded.
  ASSERT_TRUE(b.enter(va, pb[0], 3 * kPageSize, kProtRead).ok());
  EXPECT_EQ(b.host_mappings(), 0u);
  EXPECT_EQ(*reinterpret_cast<volatile char*>(va), 'a');

  w.range().activate(b);
  EXPECT_FALSE(a.resident());
  EXPECT_EQ(a.host_mappings(), 0u);
  EXPECT_EQ(*reinterpret_cast<volatile char*>(va), 'b');
  EXPECT_EQ(host_prot_at(va + 3 * kPageSize), "---p") << "a's other pages are gone";

  w.range().activate(a);
  EXPECT_EQ(*reinterpret_cast<volatile char*>(va), 'a');
  EXPECT_EQ(*reinterpret_cast<volatile char*>(va + 19 * kPageSize), 0);
  EXPECT_TRUE(a.is_modified(va)) << "bits survive the swap";
  a.check_invariants();
  b.check_invariants();
}

TEST(SharedRange, OnlyOneCpuMayClaimARange) {
  Window w;
  AddressRange& r = w.range();
  EXPECT_EQ(r.claimed_by(), -1);
  EXPECT_TRUE(r.try_claim(0));
  EXPECT_TRUE(r.try_claim(0)) << "the holder may claim again";
  EXPECT_FALSE(r.try_claim(1));
  r.release(0);
  EXPECT_TRUE(r.try_claim(1));
  EXPECT_EQ(r.claimed_by(), 1);
  r.release(1);
}

TEST(SharedRange, ClaimIsExclusiveAcrossHostThreads) {
  Window w;
  AddressRange& r = w.range();
  std::atomic<int> inside{0}, overlaps{0};
  std::vector<std::thread> threads;
  for (unsigned cpu = 0; cpu < 4; ++cpu) {
    threads.emplace_back([&, cpu] {
      for (int i = 0; i < 2000; ++i) {
        if (!r.try_claim(cpu)) continue;
        if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
        inside.fetch_sub(1);
        r.release(cpu);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
}

TEST(SharedRange, AChildWithInheritedMemoryLivesInItsParentsRange) {
  auto parent = hosted::range_for_new_task(nullptr);
  ASSERT_TRUE(parent.ok());
  auto child = hosted::range_for_new_task(parent.value());
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child.value(), parent.value());
  child.value()->release_ref();
  parent.value()->release_ref();
}

TEST(SharedRange, TheSharedModelPutsEveryTaskInOneRange) {
  hosted::set_address_model(hosted::AddressModel::kShared);
  auto a = hosted::range_for_new_task(nullptr);
  auto b = hosted::range_for_new_task(nullptr);
  hosted::set_address_model(hosted::AddressModel::kWindowPerTask);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value(), b.value());
  auto c = hosted::range_for_new_task(nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(c.value(), a.value());
  c.value()->release_ref();
  b.value()->release_ref();
  a.value()->release_ref();
}

}  // namespace
}  // namespace umach::test
