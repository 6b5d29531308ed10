// tests/hosted/run_program.h: loads a task program and runs it to its end
// from a kernel thread (its first thread joins every other), for the
// tests that read what it printed and why it ended.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/sched/sched.h"
#include <umach/backend.h>
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/task/test_task.h"

namespace umach::testing {

struct ProgramRun {
  hosted::TestTask* task;
  bool started = false;
};

inline void run_program_thread(void* arg) {
  auto* r = static_cast<ProgramRun*>(arg);
  auto t = r->task->start_thread(sched::kPriorityUser);
  if (!t.ok()) return;
  r->started = true;
  sched::thread_join(*t.value());  // the first thread ends after the others
}

// The task once its program ended (null, and a test failure, if it could
// not be loaded or started).
inline std::unique_ptr<hosted::TestTask> run_program(const char* path, const std::vector<std::string>& args) {
  auto t = hosted::TestTask::load(path, args);
  EXPECT_TRUE(t.ok());
  if (!t.ok()) return nullptr;
  auto task = std::move(t).take();
  ProgramRun r{task.get()};
  EXPECT_TRUE(hosted::run_in_kernel(run_program_thread, &r, sched::kPriorityKernel));
  EXPECT_TRUE(r.started);
  return task;
}

// A task (a bootstrap task, hosted::load_bootstrap_task, or any) run to
// its end from a kernel thread: why it ended (hosted::run_to_end), or ""
// and a test failure if no kernel thread ran it.
inline std::string run_task_to_end(hosted::TestTask& task) {
  struct Run {
    hosted::TestTask* task;
    std::string reason;
  } run{&task, {}};
  EXPECT_TRUE(hosted::run_in_kernel(
      [](void* arg) {
        auto* r = static_cast<Run*>(arg);
        r->reason = hosted::run_to_end(*r->task);
      },
      &run, sched::kPriorityKernel));
  return run.reason;
}

}  // namespace umach::testing
