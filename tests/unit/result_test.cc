// tests/unit/result_test.cc: errors as values.
#include <gtest/gtest.h>

#include "core/refptr.h"
#include "core/result.h"

namespace {

using umach::Error;
using umach::Result;

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{KERN_INVALID_ARGUMENT};
  return c - '0';
}

Result<int> parse_two(const char* s) {
  int hi = UMACH_TRY(parse_digit(s[0]));
  int lo = UMACH_TRY(parse_digit(s[1]));
  return hi * 10 + lo;
}

Result<void> check_even(int x) {
  if (x % 2) return Error{KERN_INVALID_VALUE};
  return umach::success();
}

TEST(Result, HoldsValue) {
  auto r = parse_two("42");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(r.error(), KERN_SUCCESS);
}

TEST(Result, TryPropagatesFirstError) {
  EXPECT_EQ(parse_two("x2").error(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(parse_two("4y").error(), KERN_INVALID_ARGUMENT);
}

TEST(Result, VoidResultCarriesCode) {
  EXPECT_TRUE(check_even(2).ok());
  EXPECT_EQ(check_even(3).error(), KERN_INVALID_VALUE);
  EXPECT_TRUE(Result<void>::from_code(KERN_SUCCESS).ok());
  EXPECT_EQ(Result<void>::from_code(KERN_NO_SPACE).error(), KERN_NO_SPACE);
}

struct Obj : umach::RefCounted<Obj> {
  static void last_reference_dropped(Obj* o) { o->dead = true; }
  bool dead = false;
};

TEST(Result, MovesOwningValuesWithoutLeakingReferences) {
  Obj o;
  {
    Result<umach::RefPtr<Obj>> r = umach::RefPtr<Obj>::adopt(&o);
    Result<umach::RefPtr<Obj>> moved(std::move(r));
    EXPECT_EQ(o.ref_count(), 1u);
    umach::RefPtr<Obj> p = std::move(moved).take();
    EXPECT_EQ(o.ref_count(), 1u);
  }
  EXPECT_TRUE(o.dead);
}

TEST(ResultDeathTest, ValueOfErrorPanics) {
  EXPECT_DEATH((void)parse_digit('x').value(), "assertion failed");
}

TEST(ResultDeathTest, ErrorWithSuccessCodePanics) {
  EXPECT_DEATH((void)Result<int>(Error{KERN_SUCCESS}), "assertion failed");
}

}  // namespace
