// bench/task_run.cc: see task_run.h.
#include "bench/task_run.h"

#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include <umach/backend.h>

namespace umach::bench {
namespace {

using hosted::TestTask;

struct Run {
  TestTask* task;
  uint64_t elapsed_ns = 0;
  bool ok = false;
};

void run_program(void* arg) {
  auto* r = static_cast<Run*>(arg);
  uint64_t start = Platform::clock_ns();
  auto t = r->task->start_thread(sched::kPriorityUser);
  if (!t.ok()) return;
  sched::thread_join(*t.value());
  r->elapsed_ns = Platform::clock_ns() - start;
  r->ok = r->task->end_reason() == "terminated";
}

}  // namespace

bool time_program(benchmark::State& state, TestTask& task) {
  Run r{&task};
  if (!hosted::run_in_kernel(run_program, &r, sched::kPriorityKernel) || !r.ok) {
    state.SkipWithError("the program did not run to its end");
    return false;
  }
  state.SetIterationTime(static_cast<double>(r.elapsed_ns) * 1e-9);
  return true;
}

bool time_program(benchmark::State& state, const char* path, const std::vector<std::string>& args) {
  auto task = TestTask::load(path, args);
  if (!task.ok()) {
    state.SkipWithError("cannot load the program");
    return false;
  }
  return time_program(state, *task.value());
}

uint64_t next_window_vm_min(const char* path) {
  auto probe = TestTask::load(path, {path});
  return probe.ok() ? probe.value()->range().vm_min() : 0;
}

}  // namespace umach::bench
