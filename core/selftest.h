// core/selftest.h: the in-kernel self-test table.
//
// The same table runs on every platform: `umach --selftest` on hosted, at
// boot on the bare-metal images, and as GoogleTest cases (tests/selftests).
// A test is registered where it is written with UMACH_SELFTEST; the entries
// land in the `umach_selftests` linker section, so the table needs no list
// to maintain. Each test runs between two leak audits: a test that leaves a
// kernel object or a physical page behind fails.
#pragma once

#include <stddef.h>

#include "core/kstd/span.h"

namespace umach {

class SelfTestContext {
 public:
  explicit SelfTestContext(const char* test) : test_(test) {}
  // Records a failed check (and keeps going, so one run reports them all).
  bool check(bool ok, const char* expr, const char* file, int line);
  bool failed() const { return failures_ != 0; }
  unsigned failures() const { return failures_; }
  const char* name() const { return test_; }

 private:
  const char* test_;
  unsigned failures_ = 0;
};

struct SelfTest {
  const char* name;
  void (*run)(SelfTestContext&);
};

struct SelfTestSummary {
  unsigned passed = 0;
  unsigned failed = 0;
};

kstd::Span<const SelfTest> selftests();
// Empties the kernel's caches (pooled stacks, zones' quarantine and spare
// slabs) so a leak audit counts only memory really in use.
void drain_caches();
// Runs one test between leak audits; true if it passed. Runs in a kernel
// thread (the scheduler tests create and wait for threads).
bool run_selftest(const SelfTest& test, bool verbose);
// Runs every test whose name contains `filter` (all if null) and prints the
// closing line "N passed, N failed".
SelfTestSummary run_selftests(bool verbose, const char* filter = nullptr);

}  // namespace umach

#define UMACH_SELFTEST(test_name)                                                     \
  static void test_name##_selftest(::umach::SelfTestContext&);                         \
  [[gnu::used, gnu::retain, gnu::section("umach_selftests"), gnu::aligned(16)]]        \
  static const ::umach::SelfTest test_name##_entry{#test_name, test_name##_selftest}; \
  static void test_name##_selftest([[maybe_unused]] ::umach::SelfTestContext& selftest_ctx)

// Inside a self-test: records a failure of `cond` and continues.
#define ST_CHECK(cond) selftest_ctx.check(static_cast<bool>(cond), #cond, __FILE__, __LINE__)
#define ST_CHECK_EQ(a, b) selftest_ctx.check((a) == (b), #a " == " #b, __FILE__, __LINE__)
