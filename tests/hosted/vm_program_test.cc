// tests/hosted/vm_program_test.cc: the VM as task programs see it, end to
// end (a real SIGSEGV into vm_fault): writes to a copy-on-write mapping of
// a memory object (cow.c, which BM_CowFault times) land in the program's
// own copies and never in the object.
#include <gtest/gtest.h>

#include <stdio.h>

#include <memory>
#include <string>

#include "core/sched/sched.h"
#include "core/page_alloc.h"
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include "tests/programs/cow_object.h"
#include "tests/programs/expected_pager.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

void run_to_end(void* arg) {
  auto* task = static_cast<TestTask*>(arg);
  auto thread = task->start_thread(umach::sched::kPriorityUser);
  if (thread.ok()) umach::sched::thread_join(*thread.value());
}

TEST(VmProgram, WritesToACopyOnWriteMappingNeverReachTheObject) {
  constexpr uint64_t kPages = 8;
  constexpr mach_port_name_t kName = 0x1000;
  umach::vm::VmObject* o = umach::testing::make_cow_object(kPages);
  ASSERT_NE(o, nullptr);
  auto handle = umach::vm::KernelMemoryObject::create(o);
  ASSERT_TRUE(handle.ok());
  {
    auto task = TestTask::load(UMACH_PROGRAM_COW, {"cow", "1000", std::to_string(kPages)});
    ASSERT_TRUE(task.ok());
    ASSERT_TRUE(umach::testing::give_cow_object(*task.value(), *handle.value(), kName));
    ASSERT_TRUE(umach::hosted::run_in_kernel(run_to_end, task.value().get(), umach::sched::kPriorityKernel));
    // The program saw the object's contents in its copy, and its own writes.
    EXPECT_EQ(task.value()->output(), "cow: ok\n");
    EXPECT_EQ(task.value()->end_reason(), "terminated");
    EXPECT_GE(task.value()->faults().size(), kPages);
  }
  EXPECT_TRUE(umach::testing::cow_object_unchanged(o, kPages));
  handle.value()->destroy();
}

// The kernel's default pager through its port (tests/programs/
// default_pager.c): its calls and their errors, and an object it made,
// shared by two maps, paged out under memory pressure and back.
TEST(VmProgram, TheDefaultPagersCallsAndItsObjectsThroughTheSwap) {
  const uint64_t big = umach::page_allocator().total_pages() + 2048;  // more than memory holds
  char hex[32];
  snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(big));
  auto task = umach::hosted::load_bootstrap_task(UMACH_PROGRAM_DEFAULT_PAGER, {"default_pager", "${host-port}", hex});
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(umach::testing::run_task_to_end(*task.value()), "terminated");
  EXPECT_EQ(task.value()->output(), umach::test_programs::kDefaultPagerOutput);
}

}  // namespace
