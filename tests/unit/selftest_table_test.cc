// tests/unit/selftest_table_test.cc: every entry of the in-kernel self-test
// table, as one GoogleTest case each (the same table the bare-metal images run).
#include <gtest/gtest.h>

#include <string>

#include "core/selftest.h"

namespace umach {
// Names the parameter in test listings by the self-test's own name.
void PrintTo(const SelfTest* t, std::ostream* os) { *os << t->name; }
}  // namespace umach

namespace {

class SelfTestTable : public testing::TestWithParam<const umach::SelfTest*> {};

TEST_P(SelfTestTable, Passes) { EXPECT_TRUE(umach::run_selftest(*GetParam(), false)); }

std::vector<const umach::SelfTest*> all_selftests() {
  std::vector<const umach::SelfTest*> v;
  for (const umach::SelfTest& t : umach::selftests()) v.push_back(&t);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Kernel, SelfTestTable, testing::ValuesIn(all_selftests()),
                         [](const testing::TestParamInfo<const umach::SelfTest*>& info) {
                           return std::string(info.param->name);
                         });

TEST(SelfTestTable, IsNotEmptyAndNamesAreUnique) {
  auto tests = umach::selftests();
  ASSERT_GE(tests.size(), 10u);
  for (size_t i = 0; i < tests.size(); ++i)
    for (size_t j = i + 1; j < tests.size(); ++j) EXPECT_STRNE(tests[i].name, tests[j].name);
}

}  // namespace
