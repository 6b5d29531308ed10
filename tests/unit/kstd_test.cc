// tests/unit/kstd_test.cc: the core's small standard-library subset.
#include <gtest/gtest.h>

#include "core/kstd/atomic.h"
#include "core/kstd/span.h"
#include "core/kstd/type_traits.h"
#include "core/kstd/utility.h"

namespace {

static_assert(kstd::is_same_v<kstd::remove_cvref_t<const int&>, int>);
static_assert(!kstd::is_same_v<int, long>);
static_assert(kstd::is_integral_v<unsigned char> && !kstd::is_integral_v<float>);
static_assert(kstd::is_trivially_copyable_v<int> && kstd::is_trivially_destructible_v<int>);
static_assert(kstd::same_as<kstd::conditional_t<true, int, long>, int>);
static_assert(kstd::is_pow2(4096) && !kstd::is_pow2(0) && !kstd::is_pow2(12));
static_assert(kstd::align_up(4097, 4096) == 8192 && kstd::align_down(4097, 4096) == 4096);

struct MoveOnly {
  explicit MoveOnly(int v) : v(v) {}
  MoveOnly(MoveOnly&& o) : v(kstd::exchange(o.v, -1)) {}
  MoveOnly& operator=(MoveOnly&& o) {
    v = kstd::exchange(o.v, -1);
    return *this;
  }
  int v;
};

TEST(Kstd, MoveLeavesSourceMovedFrom) {
  MoveOnly a(3);
  MoveOnly b(kstd::move(a));
  EXPECT_EQ(b.v, 3);
  EXPECT_EQ(a.v, -1);
}

TEST(Kstd, SwapExchangesValues) {
  MoveOnly a(1), b(2);
  kstd::swap(a, b);
  EXPECT_EQ(a.v, 2);
  EXPECT_EQ(b.v, 1);
}

TEST(Kstd, ConstructAtBuildsInPlace) {
  alignas(MoveOnly) unsigned char storage[sizeof(MoveOnly)];
  MoveOnly* m = kstd::construct_at<MoveOnly>(storage, 7);
  EXPECT_EQ(static_cast<void*>(m), static_cast<void*>(storage));
  EXPECT_EQ(m->v, 7);
  kstd::destroy_at(m);
}

TEST(Kstd, AtomicCompareExchangeReportsCurrentValueOnFailure) {
  kstd::Atomic<int> a{10};
  int expected = 11;
  EXPECT_FALSE(a.compare_exchange(expected, 12));
  EXPECT_EQ(expected, 10);
  EXPECT_TRUE(a.compare_exchange(expected, 12));
  EXPECT_EQ(a.load(), 12);
  EXPECT_EQ(a.fetch_sub(2), 12);
  EXPECT_EQ(a.fetch_or(1), 10);
  EXPECT_EQ(a.fetch_and(~1), 11);
  EXPECT_EQ(a.load(), 10);
}

TEST(Kstd, SpanViewsAnArray) {
  int raw[] = {1, 2, 3, 4};
  kstd::Span<int> s(raw);
  EXPECT_EQ(s.size(), 4u);
  int sum = 0;
  for (int x : s.subspan(1, 2)) sum += x;
  EXPECT_EQ(sum, 5);
  kstd::Span<const int> c = s;
  EXPECT_EQ(c[3], 4);
}

TEST(Kstd, StringViewComparesByContent) {
  kstd::StringView a("mach_msg");
  EXPECT_EQ(a.size(), 8u);
  EXPECT_TRUE(a == kstd::StringView("mach_msg"));
  EXPECT_FALSE(a == kstd::StringView("mach_ms"));
  EXPECT_TRUE(a.starts_with("mach_"));
  EXPECT_FALSE(a.starts_with("vm_"));
}

}  // namespace
