// bench/task_run.h: running a task program to its end from a benchmark.
//
// The benchmark's thread is outside the machine (bench_main.cc); it loads a
// program, then run_in_kernel() starts the program's thread from a kernel
// thread and joins it. The time is the kernel's clock from the start to the
// join: the program's whole run (its start-up, its work, its exit), never
// the load or the teardown. Benchmarks divide it by the operations the
// program did, which they keep many enough that start-up and exit vanish.
#pragma once

#include <benchmark/benchmark.h>
#include <stdint.h>

#include <memory>
#include <string>
#include <vector>

#include "platform/hosted/task/test_task.h"

namespace umach::bench {

// Runs the loaded task's program to its end and sets the iteration's
// manual time. False (the benchmark skipped, with why) if it did not
// terminate normally.
bool time_program(benchmark::State& state, hosted::TestTask& task);
// The same for a program loaded from `path` with `args` as its argv.
bool time_program(benchmark::State& state, const char* path, const std::vector<std::string>& args);

// The lowest address of the window the next task gets. Windows are handed
// out in order, so a program loaded right after this learns its window
// before it is loaded (for arguments that name addresses in it). Zero if
// the probe could not be loaded.
uint64_t next_window_vm_min(const char* path);

}  // namespace umach::bench
