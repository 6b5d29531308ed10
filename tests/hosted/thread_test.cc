// tests/hosted/thread_test.cc: several Mach threads in one task
// (tests/programs/threads.c): thread_create, thread_set_state,
// thread_resume, thread_terminate, and what the kernel refuses. On 2 vCPUs.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/sched/sched.h"
#include <umach/backend.h>
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"

namespace {

using umach::hosted::TestTask;

std::unique_ptr<TestTask> run(const char* mode) {
  return umach::testing::run_program(UMACH_PROGRAM_THREADS, {"threads", mode});
}

TEST(Threads, ChildRunsOnItsOwnStackAndMessagesTheParent) {
  auto t = run("ok");
  ASSERT_TRUE(t);
  // The child may print on another vCPU before the parent's thread_resume
  // line: its line is checked on its own, the parent's in order.
  std::string out = t->output();
  const std::string child = "child: arg 4242\n";
  const size_t at = out.find(child);
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_GT(at, out.find("thread_set_state: 0\n")) << "the child ran only once its state was set";
  out.erase(at, child.size());
  // MACH_SEND_INVALID_DEST is 268435459.
  EXPECT_EQ(out,
            "thread_create: 0\n"
            "thread_set_state: 0\n"
            "thread_resume: 0\n"
            "parent: received 0 id 7 value 4242\n"
            "parent: send to the ended thread: 268435459\n");
  EXPECT_EQ(t->end_reason(), "terminated");
  EXPECT_EQ(t->thread_count(), 2u);
}

TEST(Threads, GuardPageTouchRaisesBadAccessAndEndsTheTask) {
  auto t = run("guard");
  ASSERT_TRUE(t);
  // The child's fault may end the task before the parent prints its
  // thread_resume line (the two run on two vCPUs); nothing after it, and
  // nothing from the child, ever gets out.
  const std::string before = "thread_create: 0\nthread_set_state: 0\n";
  EXPECT_TRUE(t->output() == before || t->output() == before + "thread_resume: 0\n") << t->output();
  EXPECT_NE(t->end_reason().find("exception EXC_BAD_ACCESS ("), std::string::npos)
      << t->end_reason();
}

TEST(Threads, SuspendedThreadRunsNoUserCodeUntilResumed) {
  auto t = run("suspend");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(),
            "thread_create: 0\n"
            "thread_set_state: 0\n"
            "thread_resume: 0\n"
            "counting: 1\n"
            "thread_suspend: 0\n"
            "stopped at once: 1\n"
            "thread_get_state: 0 pc in the loop: 1\n"
            "stands still: 1\n"
            "thread_resume: 0\n"
            "resume again: 5\n"
            "counts again: 1\n"
            "thread_terminate: 0\n"
            "ended: 1\n");
  EXPECT_EQ(t->end_reason(), "terminated");
}

// thread_get_state holds the thread while it reads: a hold of its own, which
// another thread's thread_resume (of a thread never suspended) cannot undo.
TEST(Threads, AStateReadsHoldIsNotASuspensionAResumeCanUndo) {
  auto t = run("hold");
  ASSERT_TRUE(t);
  // KERN_FAILURE 5: resuming a thread that is not suspended.
  EXPECT_EQ(t->output(),
            "thread_create: 0\n"
            "thread_set_state: 0\n"
            "thread_resume: 0\n"
            "thread_create: 0\n"
            "thread_set_state: 0\n"
            "thread_resume: 0\n"
            "states read: 50\n"
            "resumes that worked: 0\n"
            "resume: 5\n"
            "counting: 1\n");
  EXPECT_EQ(t->end_reason(), "terminated");
}

TEST(Threads, GarbageStatesAndBadResumesAreRefused) {
  auto t = run("bad");
  ASSERT_TRUE(t);
  // KERN_INVALID_ARGUMENT 4, KERN_FAILURE 5, MACH_SEND_INVALID_DEST 268435459.
  EXPECT_EQ(t->output(),
            "thread_create: 0\n"
            "non-canonical rip: 4\n"
            "kernel rflags: 4\n"
            "kernel cs: 4\n"
            "short count: 4\n"
            "bad flavor: 4\n"
            "get_state: 0 count 42 rip 0 cs 0x33\n"
            "get_state of self: 4\n"
            "resume self (running): 5\n"
            "suspend child: 0\n"
            "resume child: 0\n"
            "terminate child: 0\n"
            "resume ended child: 268435459\n");
  EXPECT_EQ(t->end_reason(), "terminated");
}

}  // namespace

namespace {

TEST(Threads, FpAndFsBaseFlavorsAreCheckedAndTheThreadRunsWithThem) {
  auto t = umach::testing::run_program(UMACH_PROGRAM_FPSTATE, {"fpstate"});
  ASSERT_TRUE(t);
  // The flavor list: i386_THREAD_STATE 1, FLOAT 2, REGS_SEGS 5, FSGS_BASE
  // 7, XFLOAT 8 (FP_387X is 5). A fresh thread has the default MXCSR
  // (0x1f80) and an empty x87 (control 0x37f, every tag empty).
  EXPECT_EQ(t->output(),
            "registers: 0\n"
            "flavors: 0 count 5: 1 2 5 7 8\n"
            "xstate size: 0 matches 1; get: 0 kind 5 mxcsr 0x1f80\n"
            "xfloat short count: 4\n"
            "xfloat reserved mxcsr: 4\n"
            "xfloat compacted: 4\n"
            "xfloat unknown feature: 4\n"
            "xfloat: 0\n"
            "xfloat short set: 4\n"
            "float: 0 count 30 control 0x37f tag 0xffff\n"
            "float set: 0\n"
            "seen in the xsave image: control 0x27f mxcsr 0x9f80\n"
            "fsgs: 0\n"
            "fs non-canonical: 4\n"
            "gs of its own: 4\n"
            "fsgs get: 0 same 1\n"
            "resume: 0\n"
            "child ran with control 0x27f mxcsr 0x9f80 fs:0 0x7e57ab1e\n");
  EXPECT_EQ(t->end_reason(), "terminated");
}

}  // namespace
