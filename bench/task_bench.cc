// bench/task_bench.cc: the trap path of task programs.
//
//   BM_TrapRoundTrip  a null trap from a task program and back (the trapper
//                     program; peer: BM_FiberRoundTrip)
// Each iteration runs the program to its end (bench/task_run.h); items are
// traps. The fault paths are in vm_bench.cc, their Linux peers in
// host_peers.cc.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/task_run.h"

namespace {

constexpr int kTraps = 200000;

void BM_TrapRoundTrip(benchmark::State& state) {
  for (auto _ : state)
    if (!umach::bench::time_program(state, UMACH_PROGRAM_TRAPPER, {"trapper", std::to_string(kTraps)})) return;
  state.SetItemsProcessed(state.iterations() * kTraps);
}
BENCHMARK(BM_TrapRoundTrip)->UseManualTime();

}  // namespace
