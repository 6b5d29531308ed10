// core/selftests/alloc_selftests.cc: self-tests of the page allocator, the
// zones, the leak audit and fault injection, on every platform.
#include "core/fault_inject.h"
#include "core/kstd/cstring.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "core/zone.h"

namespace umach {
namespace {

struct Widget {
  explicit Widget(uint64_t v) : value(v) {}
  uint64_t value;
  char payload[40];
};
[[clang::no_destroy]] constinit TypedZone<Widget> g_widgets("selftest.widget");

constexpr size_t kPage = Platform::kPageSize;

}  // namespace

UMACH_SELFTEST(page_allocator_hands_out_distinct_pages) {
  auto& pa = page_allocator();
  size_t before = pa.free_pages();
  paddr_t pages[16];
  for (paddr_t& p : pages) {
    auto r = pa.alloc();
    ST_CHECK(r.ok());
    p = r.ok() ? r.value() : 0;
    ST_CHECK_EQ(p % kPage, 0u);
  }
  for (int i = 0; i < 16; ++i)
    for (int j = i + 1; j < 16; ++j) ST_CHECK(pages[i] != pages[j]);
  ST_CHECK_EQ(pa.free_pages(), before - 16);
  // The memory is usable through the direct map.
  kstd::memset(Platform::phys_to_virt(pages[0]), 0x5a, kPage);
  ST_CHECK_EQ(Platform::virt_to_phys(Platform::phys_to_virt(pages[3])), pages[3]);
  for (paddr_t p : pages)
    if (p) pa.free(p);
  ST_CHECK_EQ(pa.free_pages(), before);
  pa.check_invariants();
}

UMACH_SELFTEST(page_allocator_aligns_runs) {
  auto r = page_allocator().alloc(8, 8);
  ST_CHECK(r.ok());
  if (r.ok()) {
    ST_CHECK_EQ(r.value() % (8 * kPage), 0u);
    page_allocator().free(r.value(), 8);
  }
}

UMACH_SELFTEST(zone_counts_live_objects) {
  ZoneSnapshot snap;
  Widget* w[100];
  for (uint64_t i = 0; i < 100; ++i) {
    w[i] = g_widgets.create(i);
    ST_CHECK(w[i] != nullptr);
  }
  ST_CHECK_EQ(g_widgets.live(), 100u);
  ST_CHECK_EQ(snap.leaks_since(false), 100);
  for (uint64_t i = 0; i < 100; ++i) ST_CHECK_EQ(w[i]->value, i);
  g_widgets.zone().check_invariants();
  for (Widget* x : w)
    if (x) g_widgets.destroy(x);
  ST_CHECK_EQ(g_widgets.live(), 0u);
  ST_CHECK_EQ(snap.leaks_since(false), 0);
  g_widgets.zone().check_invariants();
}

UMACH_SELFTEST(zone_returns_pages_when_drained) {
  size_t before = page_allocator().free_pages();
  Widget* w[200];
  for (auto& x : w) x = g_widgets.create(1);
  ST_CHECK(page_allocator().free_pages() < before);
  for (auto* x : w)
    if (x) g_widgets.destroy(x);
  g_widgets.zone().drain();
  ST_CHECK_EQ(g_widgets.zone().slab_count(), 0u);
  ST_CHECK_EQ(page_allocator().free_pages(), before);
}

UMACH_SELFTEST(injected_failure_fails_exactly_the_nth_allocation) {
  // Every kernel allocation counts, a zone's slab pages too: make the slab
  // first, so the next allocations are the zone's alone.
  Widget* warm = g_widgets.create(0);
  ST_CHECK(warm != nullptr);
  uint64_t injected = fault_inject::injected_count();
  fault_inject::fail_nth(3);
  Widget* a = g_widgets.create(1);
  Widget* b = g_widgets.create(2);
  Widget* c = g_widgets.create(3);
  Widget* d = g_widgets.create(4);
  ST_CHECK(a && b && !c && d);
  ST_CHECK_EQ(fault_inject::injected_count(), injected + 1);
  fault_inject::fail_nth(1);
  ST_CHECK(!page_allocator().alloc().ok());
  Widget* made[] = {warm, a, b, c, d};
  for (Widget* x : made)
    if (x) g_widgets.destroy(x);
}

}  // namespace umach
