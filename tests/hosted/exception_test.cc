// tests/hosted/exception_test.cc: Mach exceptions delivered to user-level
// handlers (tests/programs/exc.c): a fault the VM cannot resolve becomes
// an exception_raise RPC from the kernel to the thread's exception port,
// then the task's; KERN_SUCCESS resumes the thread, anything else moves on,
// and with no handler left the task ends saying why. On 2 vCPUs.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/sched/sched.h"
#include "ipc/kobject.h"
#include "platform/hosted/task/test_task.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

std::unique_ptr<TestTask> load(std::vector<std::string> args) {
  auto t = TestTask::load(UMACH_PROGRAM_EXC, args);
  EXPECT_TRUE(t.ok());
  return t.ok() ? std::move(t).take() : nullptr;
}

// A handler's receive right, named `name` in its space, and a send right
// to it under the same name in the victim's.
void give_handler_port(TestTask& handler, TestTask& victim, mach_port_name_t name) {
  umach::ipc::IpcSpace& s = handler.task().space();
  ASSERT_EQ(s.allocate_name(MACH_PORT_RIGHT_RECEIVE, name), KERN_SUCCESS);
  umach::ipc::TransitRight right;
  ASSERT_EQ(s.copyin_right(name, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  ASSERT_EQ(victim.task().space().insert_right(name, right), KERN_SUCCESS);
}

// Runs the victim and its handlers (each serving on the port it was given
// as `ports[i]`) until the victim ends; then the handlers' receive rights
// are destroyed, so a handler still waiting ends too.
struct Faulting {
  TestTask* victim;
  std::vector<TestTask*> handlers;
  std::vector<mach_port_name_t> ports;
};

void run_body(void* arg) {
  auto* r = static_cast<Faulting*>(arg);
  std::vector<umach::RefPtr<umach::sched::Thread>> threads;
  for (TestTask* h : r->handlers) {
    auto t = h->start_thread(umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads.push_back(std::move(t).take());
  }
  auto v = r->victim->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(v.ok());
  umach::sched::thread_join(*v.value());
  for (size_t i = 0; i < r->handlers.size(); ++i) (void)r->handlers[i]->task().space().destroy(r->ports[i]);
  for (auto& t : threads) umach::sched::thread_join(*t);
}

void run(Faulting& r) { ASSERT_TRUE(umach::hosted::run_in_kernel(run_body, &r, umach::sched::kPriorityKernel)); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(Exceptions, HandlerAllocatesTheFaultingPageAndTheVictimResumes) {
  auto handler = load({"exc", "handler", "1000", "ok", "1"});
  auto victim = load({"exc", "victim", "task"});
  ASSERT_TRUE(handler && victim);
  give_handler_port(*handler, *victim, 0x1000);
  Faulting r{victim.get(), {handler.get()}, {0x1000}};
  run(r);
  // EXC_BAD_ACCESS 1, KERN_INVALID_ADDRESS 1; the handler's page and marker.
  EXPECT_EQ(handler->output(), "handler: exception 1 code 1 thread 1 task 1 allocate 0 write 0 answer 0\n");
  EXPECT_EQ(victim->output(),
            "set task: 0\n"
            "get task: 0 same 1\n"
            "touching\n"
            "read 0x5a5a0001\n");
  EXPECT_EQ(victim->end_reason(), "terminated");
  EXPECT_EQ(handler->end_reason(), "terminated");
}

TEST(Exceptions, WithNoHandlerTheTaskEndsSayingWhy) {
  auto victim = load({"exc", "victim", "none"});
  ASSERT_TRUE(victim);
  Faulting r{victim.get(), {}, {}};
  run(r);
  // KERN_INVALID_ARGUMENT 4 for a bad `which` and for a port that is not a task's.
  EXPECT_EQ(victim->output(),
            "bad which: 4 4 4\n"
            "not a task: 4 4\n"
            "kernel port: 0 same 1\n"
            "no exception port: 0 null 1\n"
            "touching\n");
  EXPECT_TRUE(starts_with(victim->end_reason(), "exception EXC_BAD_ACCESS (KERN_INVALID_ADDRESS at 0x"))
      << victim->end_reason();
  EXPECT_NE(victim->end_reason().find(") with no handler"), std::string::npos);
}

TEST(Exceptions, AHandlerThatAnswersFailureEndsTheTask) {
  auto handler = load({"exc", "handler", "1000", "fail", "1"});
  auto victim = load({"exc", "victim", "task"});
  ASSERT_TRUE(handler && victim);
  give_handler_port(*handler, *victim, 0x1000);
  Faulting r{victim.get(), {handler.get()}, {0x1000}};
  run(r);
  // KERN_FAILURE 5.
  EXPECT_EQ(handler->output(), "handler: exception 1 code 1 thread 1 task 1 allocate -1 write -1 answer 5\n");
  EXPECT_EQ(victim->output(), "set task: 0\nget task: 0 same 1\ntouching\n");
  EXPECT_TRUE(starts_with(victim->end_reason(), "exception EXC_BAD_ACCESS (KERN_INVALID_ADDRESS at 0x"))
      << victim->end_reason();
}

TEST(Exceptions, TheThreadsPortIsTriedBeforeTheTasks) {
  // The thread's handler refuses; the task's then resolves the fault.
  auto thread_handler = load({"exc", "handler", "1000", "fail", "1"});
  auto task_handler = load({"exc", "handler", "2000", "ok", "1"});
  auto victim = load({"exc", "victim", "both"});
  ASSERT_TRUE(thread_handler && task_handler && victim);
  give_handler_port(*thread_handler, *victim, 0x1000);
  give_handler_port(*task_handler, *victim, 0x2000);
  Faulting r{victim.get(), {thread_handler.get(), task_handler.get()}, {0x1000, 0x2000}};
  run(r);
  EXPECT_EQ(thread_handler->output(), "handler: exception 1 code 1 thread 1 task 1 allocate -1 write -1 answer 5\n");
  EXPECT_EQ(task_handler->output(), "handler: exception 1 code 1 thread 1 task 1 allocate 0 write 0 answer 0\n");
  EXPECT_EQ(victim->output(),
            "set task: 0\n"
            "get task: 0 same 1\n"
            "set thread: 0\n"
            "get thread: 0 same 1\n"
            "touching\n"
            "read 0x5a5a0001\n");
  EXPECT_EQ(victim->end_reason(), "terminated");
}

TEST(Exceptions, AThreadHandlerThatResolvesTheFaultIsTheOnlyOneAsked) {
  auto thread_handler = load({"exc", "handler", "1000", "ok", "1"});
  auto victim = load({"exc", "victim", "thread"});
  ASSERT_TRUE(thread_handler && victim);
  give_handler_port(*thread_handler, *victim, 0x1000);
  Faulting r{victim.get(), {thread_handler.get()}, {0x1000}};
  run(r);
  EXPECT_EQ(thread_handler->output(), "handler: exception 1 code 1 thread 1 task 1 allocate 0 write 0 answer 0\n");
  EXPECT_EQ(victim->output(), "set thread: 0\nget thread: 0 same 1\ntouching\nread 0x5a5a0001\n");
  EXPECT_EQ(victim->end_reason(), "terminated");
}

TEST(Exceptions, ADeadHandlerPortEndsTheTask) {
  // The handler's receive right dies before the fault: the request goes
  // nowhere and the task ends as if it had no handler.
  auto handler = load({"exc", "handler", "1000", "ok", "1"});
  auto victim = load({"exc", "victim", "task"});
  ASSERT_TRUE(handler && victim);
  give_handler_port(*handler, *victim, 0x1000);
  ASSERT_EQ(handler->task().space().destroy(0x1000), KERN_SUCCESS);
  Faulting r{victim.get(), {}, {}};
  run(r);
  const std::string out = victim->output();
  EXPECT_TRUE(out.size() >= 9 && out.compare(out.size() - 9, 9, "touching\n") == 0) << out;
  EXPECT_TRUE(starts_with(victim->end_reason(), "exception EXC_BAD_ACCESS (")) << victim->end_reason();
}

// The other machine faults (tests/programs/faults.c): each becomes its
// exception with GNU Mach's i386 code, a handler in the same task changes
// the thread's state (after the states the kernel must refuse) and the
// thread resumes with it; with no handler the task ends saying why.
struct FaultCase {
  const char* kind;
  const char* handled_output;  // the program's whole output with a handler
  const char* end_reason;      // the reason without one
};

std::string recovered_output(int exception, int code, const char* subcode) {
  return "handler: exception " + std::to_string(exception) + " code " + std::to_string(code) + " subcode " + subcode +
         "\nhandler: non-canonical pc: 4\nhandler: privileged flags: 4\nhandler: to recovered: 0\n"
         "victim: recovered with 77\nmain: victim done 1\n";
}

class MachineFaults : public ::testing::TestWithParam<const char*> {};

std::string expected_output(const std::string& kind) {
  if (kind == "ud2") return recovered_output(2, 1, "0");        // EXC_BAD_INSTRUCTION, EXC_I386_INVOP
  if (kind == "hlt") return recovered_output(2, 13, "0");       // EXC_BAD_INSTRUCTION, EXC_I386_GPFLT
  if (kind == "div") return recovered_output(3, 1, "0");        // EXC_ARITHMETIC, EXC_I386_DIV
  if (kind == "sse") return recovered_output(3, 5, "0x4");      // EXC_ARITHMETIC, EXC_I386_EXTERR, MXCSR.ZE
  if (kind == "int3")                                           // EXC_BREAKPOINT, EXC_I386_BPT
    return "handler: exception 6 code 2 subcode 0\nvictim: past int3\nmain: victim done 1\n";
  // A trap number outside the table: EXC_BAD_INSTRUCTION, EXC_I386_INVOP;
  // the handler's rax is the trap's return value.
  return "handler: exception 2 code 1 subcode 0\nhandler: set rax: 0\nvictim: bad trap returned 1234\n"
         "main: victim done 1\n";
}

std::string expected_reason(const std::string& kind) {
  if (kind == "ud2" || kind == "badtrap") return "exception EXC_BAD_INSTRUCTION (EXC_I386_INVOP subcode 0) with no handler";
  if (kind == "hlt") return "exception EXC_BAD_INSTRUCTION (EXC_I386_GPFLT subcode 0) with no handler";
  if (kind == "div") return "exception EXC_ARITHMETIC (EXC_I386_DIV subcode 0) with no handler";
  if (kind == "sse") return "exception EXC_ARITHMETIC (EXC_I386_EXTERR subcode 0x";
  return "exception EXC_BREAKPOINT (EXC_I386_BPT subcode 0) with no handler";
}

std::unique_ptr<TestTask> load_faults(const char* kind, const char* mode) {
  auto t = TestTask::load(UMACH_PROGRAM_FAULTS, {"faults", kind, mode});
  EXPECT_TRUE(t.ok());
  return t.ok() ? std::move(t).take() : nullptr;
}

TEST_P(MachineFaults, AHandlerInTheTaskChangesTheStateAndTheThreadResumes) {
  auto task = load_faults(GetParam(), "handled");
  ASSERT_TRUE(task);
  Faulting r{task.get(), {}, {}};
  run(r);
  EXPECT_EQ(task->output(), expected_output(GetParam()));
  EXPECT_EQ(task->end_reason(), "terminated");
}

TEST_P(MachineFaults, WithNoHandlerTheTaskEndsSayingWhy) {
  auto task = load_faults(GetParam(), "unhandled");
  ASSERT_TRUE(task);
  Faulting r{task.get(), {}, {}};
  run(r);
  EXPECT_EQ(task->output(), "");
  EXPECT_TRUE(starts_with(task->end_reason(), expected_reason(GetParam()))) << task->end_reason();
}

// The manual's signal sequence (suspend, abort, resume) on a thread that
// waits for its handler's answer: the wait goes on, and the answer, when
// it comes, resumes the thread (GNU Mach's exception_raise_continue_slow).
TEST(MachineFault, AnAbortedExceptionWaitsOnForItsAnswer) {
  auto task = load_faults("int3", "aborted");
  ASSERT_TRUE(task);
  Faulting r{task.get(), {}, {}};
  run(r);
  EXPECT_EQ(task->output(),
            "handler: exception 6 code 2 subcode 0\nhandler: suspend 0 abort 0 resume 0\n"
            "victim: past int3\nmain: victim done 1\n");
  EXPECT_EQ(task->end_reason(), "terminated");
}

INSTANTIATE_TEST_SUITE_P(Kinds, MachineFaults, ::testing::Values("ud2", "div", "sse", "hlt", "int3", "badtrap"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace
