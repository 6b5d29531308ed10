// tests/unit/page_alloc_test.cc: the physical page allocator, on its own
// instance over ranges of the boot allocator's memory.
#include <gtest/gtest.h>

#include <string.h>

#include <set>
#include <vector>

#include "core/fault_inject.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"

namespace {

using umach::PageAllocator;
using umach::paddr_t;
using umach::PhysRange;
using umach::Platform;
constexpr size_t kPage = Platform::kPageSize;

// Borrows `pages` contiguous pages from the kernel's allocator for a private one.
class PageAllocatorTest : public testing::Test {
 protected:
  void carve(size_t pages_a, size_t pages_b) {
    auto a = umach::page_allocator().alloc(pages_a);
    auto b = umach::page_allocator().alloc(pages_b);
    ASSERT_TRUE(a.ok() && b.ok());
    borrowed_ = {{a.value(), pages_a}, {b.value(), pages_b}};
    ranges_[0] = {a.value(), pages_a * kPage};
    ranges_[1] = {b.value(), pages_b * kPage};
    // Borrowed pages may hold old data; the platform promises zeroed RAM at
    // boot (kRamZeroAtBoot), so give the private allocator what boot would.
    memset(Platform::phys_to_virt(a.value()), 0, pages_a * kPage);
    memset(Platform::phys_to_virt(b.value()), 0, pages_b * kPage);
    alloc_.init({ranges_, 2});
  }
  void TearDown() override {
    for (auto [pa, n] : borrowed_) umach::page_allocator().free(pa, n);
  }
  PageAllocator alloc_;
  PhysRange ranges_[2];
  std::vector<std::pair<paddr_t, size_t>> borrowed_;
};

TEST_F(PageAllocatorTest, AllocatesEveryPageOnceThenRunsOut) {
  carve(100, 70);
  size_t total = alloc_.total_pages();
  EXPECT_EQ(total, 168u);  // one bitmap page taken from each range
  std::set<paddr_t> seen;
  for (size_t i = 0; i < total; ++i) {
    auto r = alloc_.alloc();
    ASSERT_TRUE(r.ok()) << i;
    EXPECT_TRUE(seen.insert(r.value()).second);
  }
  EXPECT_EQ(alloc_.alloc().error(), KERN_RESOURCE_SHORTAGE);
  EXPECT_EQ(alloc_.free_pages(), 0u);
  alloc_.check_invariants();
  for (paddr_t pa : seen) alloc_.free(pa);
  EXPECT_EQ(alloc_.free_pages(), total);
  alloc_.check_invariants();
}

TEST_F(PageAllocatorTest, AlignedRunsAreAlignedAndDisjoint) {
  carve(300, 10);
  std::vector<paddr_t> runs;
  for (;;) {
    auto r = alloc_.alloc(16, 16);
    if (!r.ok()) break;
    EXPECT_EQ(r.value() % (16 * kPage), 0u);
    for (paddr_t other : runs) EXPECT_TRUE(r.value() + 16 * kPage <= other || other + 16 * kPage <= r.value());
    runs.push_back(r.value());
  }
  EXPECT_GE(runs.size(), 16u);
  for (paddr_t pa : runs) alloc_.free(pa, 16);
  alloc_.check_invariants();
}

TEST_F(PageAllocatorTest, InjectedFailureReportsResourceShortage) {
  carve(20, 20);
  umach::fault_inject::fail_nth(1);
  EXPECT_EQ(alloc_.alloc().error(), KERN_RESOURCE_SHORTAGE);
  auto r = alloc_.alloc();
  ASSERT_TRUE(r.ok());
  alloc_.free(r.value());
}

TEST_F(PageAllocatorTest, ZeroedPagesAreZeroEvenAfterReuse) {
  carve(8, 8);
  std::vector<paddr_t> pages;
  for (;;) {  // every page, each written and given back
    auto r = alloc_.alloc_zeroed();
    if (!r.ok()) break;
    auto* bytes = static_cast<unsigned char*>(Platform::phys_to_virt(r.value()));
    for (size_t i = 0; i < kPage; ++i) ASSERT_EQ(bytes[i], 0) << "fresh page not zero";
    memset(bytes, 0xa5, kPage);
    pages.push_back(r.value());
  }
  for (paddr_t pa : pages) alloc_.free(pa);
  for (size_t n = 0; n < pages.size(); ++n) {
    auto r = alloc_.alloc_zeroed();
    ASSERT_TRUE(r.ok());
    auto* bytes = static_cast<unsigned char*>(Platform::phys_to_virt(r.value()));
    for (size_t i = 0; i < kPage; ++i) ASSERT_EQ(bytes[i], 0) << "reused page not zeroed";
  }
  for (paddr_t pa : pages) alloc_.free(pa);
}

TEST_F(PageAllocatorTest, DoubleFreePanics) {
  carve(20, 20);
  auto r = alloc_.alloc();
  ASSERT_TRUE(r.ok());
  alloc_.free(r.value());
  EXPECT_DEATH(alloc_.free(r.value()), "is not allocated");
}

TEST_F(PageAllocatorTest, FreeingForeignMemoryPanics) {
  carve(20, 20);
  EXPECT_DEATH(alloc_.free(0x1000), "is not RAM the allocator owns");
}

}  // namespace
