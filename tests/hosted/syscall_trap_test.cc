// tests/hosted/syscall_trap_test.cc: the syscall_* traps (core/task/traps.h)
// from a task program (tests/programs/traps.c): each fast path with its
// results and errors, thread_set_self_state (77), and syscall_task_terminate
// of itself.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/sched/sched.h"
#include <umach/backend.h>
#include "platform/hosted/task/test_task.h"

namespace {

using umach::hosted::TestTask;

void run_task(void* arg) {
  auto t = static_cast<TestTask*>(arg)->start_thread(umach::sched::kPriorityUser);
  if (t.ok()) umach::sched::thread_join(*t.value());
}

TEST(SyscallTraps, EachFastPathAnswersAsItsRpcAndRefusesWhatItCannotTranslate) {
  auto t = TestTask::load(UMACH_PROGRAM_TRAPS, {"traps"});
  ASSERT_TRUE(t.ok());
  auto task = std::move(t).take();
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_task, task.get(), umach::sched::kPriorityKernel));
  // MACH_SEND_INTERRUPTED 268435463, KERN_INVALID_ADDRESS 1, _ARGUMENT 4,
  // _NAME 15, _RIGHT 17, _VALUE 18, KERN_NAME_EXISTS 13. vm_map's
  // inheritance VM_INHERIT_COPY is 1, VM_PROT_ALL 7.
  EXPECT_EQ(task->output(),
            "vm_allocate: 0 written 7\n"
            "vm_allocate not a task: 268435463\n"
            "vm_allocate read-only out: 1\n"
            "vm_deallocate: 0\n"
            "vm_deallocate null name: 268435463\n"
            "vm_map: 0 size 2 max 7 inherit 1\n"
            "vm_map bad object name: 15\n"
            "vm_map bad protection: 4\n"
            "port_allocate: 0 receive 1\n"
            "port_allocate bad right: 18\n"
            "port_allocate not a task: 268435463\n"
            "port_allocate read-only out: 1 names kept 1\n"
            "insert_right: 0 send 1\n"
            "insert_right bad disposition: 268435463\n"
            "insert_right unknown right: 15\n"
            "set_special_port: 0 same 1\n"
            "set_special_port bad which: 4\n"
            "set_special_port not a task: 268435463\n"
            "task_create: 0 child info 0\n"
            "task_create not a task: 268435463\n"
            "task_create read-only out: 1 names kept 1\n"
            "task_suspend child: 0\n"
            "task_suspend not a task: 268435463\n"
            "task_terminate child: 0\n"
            "child info after: 268435459\n"
            "port_deallocate: 0\n"
            "port_deallocate unknown: 15\n"
            "allocate_name: 0\n"
            "allocate_name again: 13\n"
            "set_self_state bad flavor: 4\n"
            "set_self_state short: 4\n"
            "set_self_state unreadable: 1\n"
            "landed with 4321\n"
            "task_terminate not a task: 268435463\n"
            "task_terminate self\n");
  EXPECT_EQ(task->end_reason(), "terminated");
}

TEST(SyscallTraps, HandOffAndDepressionOnOneCpu) {
  auto t = TestTask::load(UMACH_PROGRAM_SWITCH, {"switch"});
  ASSERT_TRUE(t.ok());
  auto task = std::move(t).take();
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_task, task.get(), umach::sched::kPriorityKernel));
  // POLICY_FIXEDPRI is not enabled: KERN_FAILURE 5.
  EXPECT_EQ(task->output(),
            "swtch alone: 0\n"
            "swtch_pri alone: 0\n"
            "bad option: 4\n"
            "handoff depressed: 0 observer ran 1\n"
            "seen depressed: 1 cur lowest 1 from base 1\n"
            "after abort: 0 cur base 1\n"
            "back: depressed 0 cur base 1\n"
            "thread_abort: 0 ends the depression: depressed 0 cur base 1\n"
            "swtch with a spinner: 1 ran 1\n"
            "swtch_pri with a spinner: 1 ran 1\n"
            "wait: 0 ran 1\n"
            "handoff to the spinner: 0 ran 1\n"
            "not depressed: 0\n"
            "depress_abort not depressed: 0 trap 0\n"
            "depress_abort trap not a thread: 268435463\n"
            "policy timeshare 0 fixedpri 5 bad 4\n");
  EXPECT_EQ(task->end_reason(), "terminated");
}

}  // namespace
