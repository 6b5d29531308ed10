// tests/unit/selftest_table_test.cc: every entry of the in-kernel self-test
// table, as one GoogleTest case each (the same table the bare-metal images run).
#include <gtest/gtest.h>

#include <string>

#include "core/page_alloc.h"
#include "core/sched/config.h"
#include <umach/backend.h>
#include "core/selftest.h"
#include "core/zone.h"

namespace umach {
// Names the parameter in test listings by the self-test's own name.
void PrintTo(const SelfTest* t, std::ostream* os) { *os << t->name; }
}  // namespace umach

namespace {

class SelfTestTable : public testing::TestWithParam<const umach::SelfTest*> {};

// In a kernel thread on the test machine's vCPU, as the kernel runs it.
struct SelfTestRun {
  const umach::SelfTest* test;
  bool passed = false;
};

TEST_P(SelfTestTable, Passes) {
  SelfTestRun run{GetParam()};
  ASSERT_TRUE(umach::hosted::run_in_kernel(
      [](void* p) {
        auto* r = static_cast<SelfTestRun*>(p);
        r->passed = umach::run_selftest(*r->test, false);
      },
      &run, umach::sched::kPriorityKernel));
  EXPECT_TRUE(run.passed);
}

std::vector<const umach::SelfTest*> all_selftests() {
  std::vector<const umach::SelfTest*> v;
  for (const umach::SelfTest& t : umach::selftests()) v.push_back(&t);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Kernel, SelfTestTable, testing::ValuesIn(all_selftests()),
                         [](const testing::TestParamInfo<const umach::SelfTest*>& info) {
                           return std::string(info.param->name);
                         });

struct Leaky {
  long value;
};
umach::TypedZone<Leaky> g_leaky("test.leaky");
Leaky* g_leaked = nullptr;

void leaks_one_object(umach::SelfTestContext&) { g_leaked = g_leaky.create(); }
umach::paddr_t g_leaked_page = 0;
void leaks_one_page(umach::SelfTestContext&) {
  auto r = umach::page_allocator().alloc();
  g_leaked_page = r.ok() ? r.value() : 0;
}
void fails_a_check(umach::SelfTestContext& selftest_ctx) { ST_CHECK(1 + 1 == 3); }

TEST(SelfTestTable, ATestThatLeaksAnObjectFails) {
  umach::SelfTest leaky{"leaks_one_object", leaks_one_object};
  EXPECT_FALSE(umach::run_selftest(leaky, false));
  g_leaky.destroy(g_leaked);
}

TEST(SelfTestTable, ATestThatLeaksAPageFails) {
  size_t before = umach::page_allocator().free_pages();
  umach::SelfTest leaky{"leaks_one_page", leaks_one_page};
  EXPECT_FALSE(umach::run_selftest(leaky, false));
  ASSERT_EQ(umach::page_allocator().free_pages(), before - 1);
  umach::page_allocator().free(g_leaked_page);
}

TEST(SelfTestTable, AFailedCheckFailsTheTest) {
  umach::SelfTest failing{"fails_a_check", fails_a_check};
  EXPECT_FALSE(umach::run_selftest(failing, false));
}

TEST(SelfTestTable, IsNotEmptyAndNamesAreUnique) {
  auto tests = umach::selftests();
  ASSERT_GE(tests.size(), 10u);
  for (size_t i = 0; i < tests.size(); ++i)
    for (size_t j = i + 1; j < tests.size(); ++j) EXPECT_STRNE(tests[i].name, tests[j].name);
}

}  // namespace
