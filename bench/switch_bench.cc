// bench/switch_bench.cc: the floor of every kernel path: two kernel
// contexts switching on one host thread (Boost.Context fcontext plus the
// sanitizer hooks of the build; none in the release preset).
#include <benchmark/benchmark.h>

#include "core/page_alloc.h"
#include "core/platform/platform.h"

namespace {

using umach::Platform;

struct PingPong {
  Platform::Context main;
  Platform::Context fiber;
};

void fiber_loop(void* arg) {
  auto* pp = static_cast<PingPong*>(arg);
  for (;;) Platform::context_switch(pp->fiber, pp->main);
}

void BM_FiberRoundTrip(benchmark::State& state) {
  constexpr size_t kPages = Platform::kKernelStackSize / Platform::kPageSize;
  auto pa = umach::page_allocator().alloc(kPages);
  if (!pa.ok()) {
    state.SkipWithError("no memory for a stack");
    return;
  }
  PingPong pp;
  Platform::context_init(pp.fiber, Platform::phys_to_virt(pa.value()), Platform::kKernelStackSize, fiber_loop, &pp);
  for (auto _ : state) Platform::context_switch(pp.main, pp.fiber);  // there and back
  // The fiber is parked in its loop for good; its stack stays allocated.
}
BENCHMARK(BM_FiberRoundTrip);

}  // namespace
