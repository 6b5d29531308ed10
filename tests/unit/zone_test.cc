// tests/unit/zone_test.cc: zones, their leak accounting, fault injection,
// and (in ASan builds) the memory checker's reports on kernel objects.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "core/fault_inject.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/zone.h"

namespace {

using umach::Platform;
using umach::TypedZone;
using umach::Zone;
using umach::ZoneSnapshot;

struct PortLike {
  explicit PortLike(int n) : name(n) {}
  int name;
  char body[36];
};

class ZoneTest : public testing::Test {
 protected:
  void TearDown() override {
    zone_.zone().drain();
    EXPECT_EQ(zone_.live(), 0u);
  }
  TypedZone<PortLike> zone_{"test.port"};
};

TEST_F(ZoneTest, ObjectsAreDistinctAlignedAndCounted) {
  std::vector<PortLike*> objs;
  std::set<uintptr_t> addrs;
  for (int i = 0; i < 1000; ++i) {
    PortLike* p = zone_.create(i);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(PortLike), 0u);
    EXPECT_TRUE(addrs.insert(reinterpret_cast<uintptr_t>(p)).second);
    objs.push_back(p);
  }
  EXPECT_EQ(zone_.live(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(objs[i]->name, i);
  zone_.zone().check_invariants();
  for (PortLike* p : objs) zone_.destroy(p);
  EXPECT_EQ(zone_.live(), 0u);
  zone_.zone().check_invariants();
}

TEST_F(ZoneTest, SnapshotReportsALeakedObject) {
  PortLike* keep = zone_.create(1);  // registers the zone before the snapshot
  ZoneSnapshot before;
  PortLike* leaked = zone_.create(2);
  EXPECT_EQ(before.leaks_since(false), 1);
  zone_.destroy(leaked);
  EXPECT_EQ(before.leaks_since(false), 0);
  zone_.destroy(keep);
  EXPECT_EQ(before.leaks_since(false), -1);
}

TEST_F(ZoneTest, DrainReturnsEveryPage) {
  size_t free_before = umach::page_allocator().free_pages();
  std::vector<PortLike*> objs;
  for (int i = 0; i < 5000; ++i) objs.push_back(zone_.create(i));
  EXPECT_LT(umach::page_allocator().free_pages(), free_before);
  for (PortLike* p : objs) zone_.destroy(p);
  zone_.zone().drain();
  EXPECT_EQ(zone_.zone().slab_count(), 0u);
  EXPECT_EQ(umach::page_allocator().free_pages(), free_before);
}

TEST_F(ZoneTest, EveryInjectedFailureIsReportedAndLeaksNothing) {
  // The pattern later error-path tests use: fail allocation 1, 2, ... of an
  // operation until it succeeds; each failure must be clean.
  auto make_three = [&](PortLike* out[3]) {
    for (int i = 0; i < 3; ++i) {
      out[i] = zone_.create(i);
      if (!out[i]) {
        while (i--) zone_.destroy(out[i]);
        return false;
      }
    }
    return true;
  };
  int failures = 0;
  for (uint64_t n = 1;; ++n) {
    zone_.zone().drain();  // so slab growth is part of every attempt
    umach::fault_inject::fail_nth(n);
    PortLike* objs[3];
    bool ok = make_three(objs);
    EXPECT_EQ(zone_.live(), ok ? 3u : 0u);
    if (ok) {
      umach::fault_inject::fail_nth(0);
      for (PortLike* p : objs) zone_.destroy(p);
      break;
    }
    ++failures;
  }
  EXPECT_EQ(failures, 4);  // the slab's pages, then each of the three objects
}

TEST_F(ZoneTest, LargeElementsGetMultiPageSlabs) {
  struct Big {
    char bytes[3000];
  };
  TypedZone<Big> big("test.big");
  Big* a = big.create();
  Big* b = big.create();
  ASSERT_TRUE(a && b);
  a->bytes[2999] = 1;
  b->bytes[0] = 2;
  big.zone().check_invariants();
  big.destroy(a);
  big.destroy(b);
  big.zone().drain();
}

TEST_F(ZoneTest, QuarantineDelaysReuseUnderTheMemoryChecker) {
  if (!Platform::kMemoryChecker) GTEST_SKIP() << "quarantine is part of the memory checker (ASan builds)";
  PortLike* first = zone_.create(1);
  zone_.destroy(first);
  std::vector<PortLike*> next;
  for (size_t i = 0; i < Zone::kQuarantineMax / 2; ++i) next.push_back(zone_.create(2));
  for (PortLike* p : next) EXPECT_NE(p, first);
  for (PortLike* p : next) zone_.destroy(p);
}

TEST_F(ZoneTest, DoubleFreePanics) {
  PortLike* p = zone_.create(1);
  zone_.destroy(p);
  EXPECT_DEATH(zone_.zone().free(p), "double free");
}

TEST_F(ZoneTest, FreeIntoTheWrongZonePanics) {
  TypedZone<PortLike> other("test.other");
  PortLike* p = zone_.create(1);
  PortLike* q = other.create(2);
  EXPECT_DEATH(other.zone().free(p), "was not allocated from this zone");
  other.destroy(q);
  zone_.destroy(p);
  other.zone().drain();
}

TEST_F(ZoneTest, FreeOfAnInteriorPointerPanics) {
  PortLike* p = zone_.create(1);
  EXPECT_DEATH(zone_.zone().free(reinterpret_cast<char*>(p) + 8), "not the start of an element");
  zone_.destroy(p);
}

TEST_F(ZoneTest, UseAfterFreeIsReported) {
  PortLike* p = zone_.create(1);
  zone_.destroy(p);
  volatile int* stale = &p->name;
  if (Platform::kMemoryChecker) {
    EXPECT_DEATH(*stale = 5, "use-after-poison");
  } else {
    // Without ASan the zone catches a write to a free element's link when
    // the element is handed out again.
    EXPECT_DEATH(
        {
          reinterpret_cast<volatile uint64_t*>(p)[1] = 0;
          (void)zone_.create(2);
        },
        "written after it was freed");
  }
}

TEST_F(ZoneTest, OverflowIntoTheRedzoneIsReported) {
  if (!Platform::kMemoryChecker) GTEST_SKIP() << "redzones exist in ASan builds";
  PortLike* p = zone_.create(1);
  volatile char* past_end = reinterpret_cast<char*>(p) + sizeof(PortLike);
  EXPECT_DEATH(*past_end = 1, "use-after-poison");
  volatile char* before_start = reinterpret_cast<char*>(p) - 1;
  EXPECT_DEATH(*before_start = 1, "use-after-poison");
  zone_.destroy(p);
}

TEST_F(ZoneTest, DestroyingAZoneWithLiveObjectsPanics) {
  EXPECT_DEATH(
      {
        auto* z = new TypedZone<PortLike>("test.doomed");
        (void)z->create(1);
        delete z;
      },
      "destroyed with 1 live objects");
}

}  // namespace
