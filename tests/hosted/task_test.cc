// tests/hosted/task_test.cc: the task calls (tests/programs/tasks.c):
// task_create with and without inherited memory, threads in the child,
// task_terminate (of a child and of self), task_suspend/task_resume,
// task_info, thread_info, task_threads, the priority calls and
// task_set_name. On 2 vCPUs. Besides the leak audit after every test,
// each checks that the tasks task_create made (kernel-owned runners) are
// gone once the program ended.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "core/sched/sched.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include <umach/backend.h>
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include "tests/programs/expected_tasks.h"

namespace {

using umach::hosted::TestTask;

std::unique_ptr<TestTask> run(const char* mode) {
  return umach::testing::run_program(UMACH_PROGRAM_TASKS, {"tasks", mode});
}

// The children's runners free themselves on their last kernel thread: give
// them a moment, then only the loaded task is left.
void expect_only_loaded_task_left() {
  for (int i = 0; i < 500 && umach::live_tasks() > 1; ++i) usleep(1000);
  EXPECT_EQ(umach::live_tasks(), 1u);
}

// KERN_INVALID_ARGUMENT 4, KERN_FAILURE 5, KERN_NO_SPACE 3,
// MACH_SEND_INVALID_DEST 268435459.

TEST(TaskCalls, ForkedChildRunsParentCodeOnACopyAndDiesWithItsPort) {
  auto t = run("fork");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(), umach::test_programs::kTasksForkOutput);
  EXPECT_EQ(t->end_reason(), "terminated");
  expect_only_loaded_task_left();
}

TEST(TaskCalls, ChildWithoutInheritedMemoryIsEmpty) {
  auto t = run("empty");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(), umach::test_programs::kTasksEmptyOutput);
  expect_only_loaded_task_left();
}

TEST(TaskCalls, SuspendedTaskRunsNoUserCodeUntilResumedToZero) {
  auto t = run("suspend");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(),
            "task_create: 0\n"
            "thread: 0\n"
            "thread_resume: 0\n"
            "counting: 1\n"
            "task_suspend: 0\n"
            "task_suspend: 0\n"
            "task_info: 0 suspend_count 2\n"
            "stands still: 1\n"
            "thread made while suspended: 0\n"
            "thread_resume: 0\n"
            "task_resume: 0\n"
            "still suspended: 1 1\n"
            "task_resume: 0\n"
            "both count again: 1 1\n"
            "task_resume at zero: 5\n"
            "task_terminate: 0\n");
  expect_only_loaded_task_left();
}

TEST(TaskCalls, InfoFlavorsThreadsAndPriorities) {
  auto t = run("info");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(),
            "TASK_BASIC_INFO: 0 count 30 suspend 0 priority 25 virtual 1 resident 1 created 1\n"
            "TASK_EVENTS_INFO: 0 count 14 faults 1 sent 1 received 1\n"
            "TASK_THREAD_TIMES_INFO: 0 count 16 user time 1\n"
            "short count: 4\n"
            "bad flavor: 4\n"
            "of a thread port: 4\n"
            "THREAD_BASIC_INFO: 0 count 32 state 1 suspend 0 priority 25/25 user time 1\n"
            "THREAD_SCHED_INFO: 0 count 8 policy 1 base 25 max 25 cur 25\n"
            "short count: 4\n"
            "bad flavor: 4\n"
            "of a task port: 4\n"
            "thread_create: 0\n"
            "task_threads: 0 count 2 both listed 1\n"
            "thread_terminate: 0\n"
            "task_threads: 0 count 1\n"
            "thread_priority 50: 4\n"
            "thread_priority -1: 4\n"
            "thread_priority 10 (above max): 5\n"
            "thread_priority 30: 0\n"
            "thread_priority 27 set_max: 0\n"
            "thread_priority 26 (above max): 5\n"
            "now: base 27 max 27 cur 27\n"
            "task_priority 50: 4\n"
            "task_priority 20 change_threads: 5\n"
            "task_priority 33 change_threads: 0\n"
            "now: task 33 thread 33\n"
            "task_priority of a thread port: 4\n"
            "task_set_name: 0\n");
  char name[umach::Task::kNameMax];
  t->task().name(name);
  EXPECT_STREQ(name, "tasks-under-test");
}

TEST(TaskCalls, TerminatingItsOwnTaskNeverReturns) {
  auto t = run("self");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(), "task_terminate: about to\n");
  EXPECT_EQ(t->end_reason(), "terminated");
  EXPECT_EQ(t->thread()->ended(), true);
}

}  // namespace
