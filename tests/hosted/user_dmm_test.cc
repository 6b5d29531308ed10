// tests/hosted/user_dmm_test.cc: a user default memory manager
// (tests/programs/user_dmm.c) installed with vm_set_default_memory_manager:
// the kernel hands it the anonymous memory it pages out
// (memory_object_create, data_initialize, data_return), asks it for the
// pages back (data_request), and terminates the objects; the kernel's own
// default pager is put back at the end. On 2 vCPUs, so that the manager's
// thread and the faulting thread also run at once.
#include <gtest/gtest.h>

#include <stdio.h>

#include <string>

#include "core/page_alloc.h"
#include "core/sched/sched.h"
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include "tests/programs/expected_user_dmm.h"

namespace {

std::string hex(uint64_t n) {
  char s[32];
  snprintf(s, sizeof s, "%llx", static_cast<unsigned long long>(n));
  return s;
}

// Sizes from the free pages F: a wired store and a hog of 5F/8 each, so
// that together they exceed memory by F/4 (plus what the kernel keeps for
// itself): that much of the hog at least goes out to the store on each
// pass. The store is as large as the hog, so that it holds every page
// that ever went out whatever order pageout takes them in: reading a
// region back that memory cannot hold evicts its other pages in turn.
TEST(UserDmm, AUserManagerTakesAnonymousMemoryOutAndBackThenTheKernelsReturns) {
  const uint64_t free = umach::page_allocator().free_pages();
  const uint64_t hog = free * 5 / 8, store = free * 5 / 8;
  auto task = umach::hosted::load_bootstrap_task(UMACH_PROGRAM_USER_DMM,
                                                 {"user_dmm", "${host-port}", hex(hog), hex(store)});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(umach::testing::run_task_to_end(*task.value()), "terminated");
  EXPECT_EQ(task.value()->output(), umach::test_programs::kUserDmmOutput);
}

}  // namespace
