// tests/unit/refptr_test.cc: intrusive reference counts.
#include <gtest/gtest.h>

#include "core/refptr.h"

namespace {

using umach::RefCounted;
using umach::RefPtr;

struct Obj : RefCounted<Obj> {
  static void last_reference_dropped(Obj* o) { ++o->deaths; }
  int deaths = 0;
};

TEST(RefPtr, LastReferenceDroppedRunsExactlyOnce) {
  Obj o;
  {
    auto a = RefPtr<Obj>::adopt(&o);
    auto b = a;
    auto c = RefPtr<Obj>::share(&o);
    EXPECT_EQ(o.ref_count(), 3u);
    b.reset();
    c = nullptr;
    EXPECT_EQ(o.deaths, 0);
  }
  EXPECT_EQ(o.deaths, 1);
}

TEST(RefPtr, MoveTransfersWithoutTouchingTheCount) {
  Obj o;
  auto a = RefPtr<Obj>::adopt(&o);
  RefPtr<Obj> b(std::move(a));
  EXPECT_FALSE(a);
  EXPECT_EQ(o.ref_count(), 1u);
  RefPtr<Obj> c;
  c = std::move(b);
  EXPECT_EQ(o.ref_count(), 1u);
  EXPECT_EQ(c.get(), &o);
  c.reset();
  EXPECT_EQ(o.deaths, 1);
}

TEST(RefPtr, SelfAssignmentKeepsTheObject) {
  Obj o;
  auto a = RefPtr<Obj>::adopt(&o);
  auto& alias = a;
  a = alias;
  EXPECT_EQ(o.ref_count(), 1u);
  EXPECT_EQ(o.deaths, 0);
  a.reset();
  EXPECT_EQ(o.deaths, 1);
}

TEST(RefPtr, LeakRefHandsTheReferenceToTheCaller) {
  Obj o;
  auto a = RefPtr<Obj>::adopt(&o);
  Obj* raw = a.leak_ref();
  EXPECT_FALSE(a);
  EXPECT_EQ(o.deaths, 0);
  raw->unref();
  EXPECT_EQ(o.deaths, 1);
}

TEST(RefPtrDeathTest, ReferencingADeadObjectPanics) {
  Obj o;
  o.unref();  // count 1 -> 0
  EXPECT_DEATH(o.ref(), "assertion failed");
}

TEST(RefPtrDeathTest, UnrefNotLastOnTheLastReferencePanics) {
  Obj o;
  EXPECT_DEATH(o.unref_not_last(), "assertion failed");
  o.unref();
}

}  // namespace
