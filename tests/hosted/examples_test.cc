// tests/hosted/examples_test.cc: the examples (examples/*.c) run as
// bootstrap tasks (platform/hosted/bootstrap_task.h), their output checked
// line by line, with the leak audit of tests/unit/test_main.cc around each.
//
// Built twice: every example on 1 vCPU (UMACH_EXAMPLES_ALL), and the sieve
// alone on 4 vCPUs for the TSan suites (its hundred threads pass numbers
// between CPUs).
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "core/sched/sched.h"
#include "examples/expected_output.h"
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

// Runs the program at `path` with argv `args` as the bootstrap task; its
// output and how it ended.
struct Ran {
  std::string output;
  std::string reason;
};

Ran run(const char* path, std::vector<std::string> args) {
  auto loaded = umach::hosted::load_bootstrap_task(path, args);
  EXPECT_TRUE(loaded.ok());
  if (!loaded.ok()) return {};
  std::unique_ptr<TestTask> task = std::move(loaded).take();
  const std::string reason = umach::testing::run_task_to_end(*task);
  return {task->output(), reason};
}

void expect_terminated_with(const Ran& r, const std::string& output) {
  EXPECT_EQ(r.output, output);
  EXPECT_EQ(r.reason, "terminated");
}

// The first `n` primes, by trial division: the sieve's answer checked
// another way.
std::vector<int> first_primes(int n) {
  std::vector<int> primes;
  for (int k = 2; static_cast<int>(primes.size()) < n; ++k) {
    bool prime = true;
    for (int p : primes) prime = prime && k % p != 0;
    if (prime) primes.push_back(k);
  }
  return primes;
}

// The sieve's suite says how many vCPUs ran it (the two binaries' tests
// would otherwise share names).
#ifdef UMACH_EXAMPLES_ALL
#define UMACH_SIEVE_SUITE Examples
#else
#define UMACH_SIEVE_SUITE ExamplesOn4Cpus
#endif

TEST(UMACH_SIEVE_SUITE, SieveFindsTheFirstHundredPrimesAndTearsItsNetworkDown) {
  Ran r = run(UMACH_EXAMPLE_SIEVE, {"sieve"});
  std::string expected = umach::examples::kSieveFirstLine;
  const std::vector<int> primes = first_primes(umach::examples::kSievePrimes);
  for (size_t i = 0; i < primes.size(); ++i) {
    char cell[8];
    snprintf(cell, sizeof cell, "%5d", primes[i]);
    expected += cell;
    if (i % 10 == 9) expected += "\n";
  }
  // One generator and 99 filters; the 100 channels between them.
  expected += umach::examples::kSieveLastLine;
  expect_terminated_with(r, expected);
}

#ifdef UMACH_EXAMPLES_ALL

TEST(Examples, SendReceiveGetsItsIntegerBack) {
  Ran r = run(UMACH_EXAMPLE_SEND_RECEIVE, {"send_receive"});
  expect_terminated_with(r, umach::examples::kSendReceiveOutput);
}

TEST(Examples, ThreadByHandRunsAThreadAndCatchesAnOverflow) {
  Ran r = run(UMACH_EXAMPLE_THREAD_BY_HAND, {"thread_by_hand"});
  // How deep the recursion went depends on the compiler's frame size.
  r.output = std::regex_replace(r.output, std::regex("after [1-9][0-9]* calls"), "after N calls");
  expect_terminated_with(r, std::string(umach::examples::kThreadByHandBeforeCount) + "N" +
                                umach::examples::kThreadByHandAfterCount);
}

TEST(Examples, ExceptionHandlerMapsTheTouchedPageAndTheThreadGoesOn) {
  Ran r = run(UMACH_EXAMPLE_EXCEPTION_HANDLER, {"exception_handler"});
  expect_terminated_with(r, umach::examples::kExceptionHandlerOutput);
}

TEST(Examples, BootstrapTaskGetsTheHostPrivAndDeviceMasterPorts) {
  // The boot script's variables, as `umach run` passes them.
  Ran r = run(UMACH_EXAMPLE_BOOTSTRAP,
              {"bootstrap", umach::examples::kBootstrapArgs[0], umach::examples::kBootstrapArgs[1]});
  expect_terminated_with(r, umach::examples::kBootstrapOutput);
}

TEST(Examples, PagerComputesPagesOnDemandAndSeesTerminate) {
  Ran r = run(UMACH_EXAMPLE_PAGER, {"pager"});
  expect_terminated_with(r, umach::examples::kPagerOutput);
}

TEST(Examples, BootVariablesBecomeTheRightsNames) {
  EXPECT_EQ(umach::hosted::substitute_boot_variables({"x", "${host-port}:${device-port}", "${host-port}${host-port}"}),
            (std::vector<std::string>{"x", "1:2", "11"}));
}

#endif

}  // namespace
