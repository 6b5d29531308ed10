// bench/ipc_bench.cc: IPC benchmarks.
//
//   BM_PortNameLookup/N      mach_port_type on names of a space of N names
//                            (the name-to-entry lookup plus the space lock),
//                            cycling through 16 names spread over the whole
//                            space: the lookup's own cost, which must not grow
//                            with N (16 and 1,000,000 within 1.5x: a table
//                            index, no search).
//   BM_PortNameLookupCold/N  the same over random names of the whole space:
//                            what touching a million entries costs in cache
//                            misses (two per lookup: the slot and the entry).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "ipc/space.h"

namespace {

using umach::ipc::IpcSpace;

void lookup(benchmark::State& state, size_t working_set) {
  auto created = IpcSpace::create();
  if (!created.ok()) return state.SkipWithError("no space");
  auto space = created.value();
  const int64_t count = state.range(0);
  std::vector<mach_port_name_t> names(static_cast<size_t>(count));
  for (auto& n : names) {
    if (space->allocate(MACH_PORT_RIGHT_DEAD_NAME, &n) != KERN_SUCCESS) {
      space->terminate();
      return state.SkipWithError("could not allocate the names");
    }
  }
  // Look names up in a random order, so a big space does not get the
  // caches' help a sequential walk would.
  std::vector<mach_port_name_t> order(4096);
  std::mt19937 rng(42);
  std::vector<mach_port_name_t> set(std::min(working_set, names.size()));
  for (auto& n : set) n = names[rng() % names.size()];
  for (auto& n : order) n = set[rng() % set.size()];
  size_t i = 0;
  for (auto _ : state) {
    mach_port_type_t type;
    benchmark::DoNotOptimize(space->type(order[i], &type));
    i = (i + 1) & (order.size() - 1);
  }
  space->terminate();
  state.SetItemsProcessed(state.iterations());
}
void BM_PortNameLookup(benchmark::State& state) { lookup(state, 16); }
void BM_PortNameLookupCold(benchmark::State& state) { lookup(state, SIZE_MAX); }
BENCHMARK(BM_PortNameLookup)->Arg(16)->Arg(1000000);
BENCHMARK(BM_PortNameLookupCold)->Arg(1000000);

}  // namespace
