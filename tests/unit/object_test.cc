// tests/unit/object_test.cc: the kernel object pattern (canary, two tiers
// of self-check).
#include <gtest/gtest.h>

#include <new>

#include "core/object.h"

namespace {

struct Probe {
  umach::Canary<0x50524f42> canary;  // "PROB"
  int value = 0;
  mutable int local_checks = 0;
  void check_local() const {
    canary.check();
    ++local_checks;
  }
};

TEST(Object, CanaryIsValidWhileAliveAndDeadAfter) {
  alignas(Probe) unsigned char storage[sizeof(Probe)];
  Probe* p = new (storage) Probe;
  EXPECT_TRUE(p->canary.valid());
  p->~Probe();
  EXPECT_FALSE(reinterpret_cast<umach::Canary<0x50524f42>*>(storage)->valid());
}

TEST(Object, CopiedObjectGetsALiveCanary) {
  Probe a;
  Probe b = a;
  EXPECT_TRUE(b.canary.valid());
}

TEST(Object, DebugCheckRunsTheLocalTierInDebugBuilds) {
  Probe p;
  umach::debug_check_local(p);
  EXPECT_EQ(p.local_checks, umach::kDebugChecks ? 1 : 0);
}

TEST(ObjectDeathTest, CheckingADeadObjectPanics) {
  alignas(Probe) unsigned char storage[sizeof(Probe)];
  Probe* p = new (storage) Probe;
  p->~Probe();
  EXPECT_DEATH(reinterpret_cast<umach::Canary<0x50524f42>*>(storage)->check(), "assertion failed");
}

}  // namespace
