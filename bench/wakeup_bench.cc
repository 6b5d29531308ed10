// bench/wakeup_bench.cc: waking a sleeping thread and being woken back.
//
//   BM_WakeupSameCpu   two kernel threads bound to one vCPU ping-pong through
//                      wait queues (a wakeup, a block, a context switch each way)
//   BM_WakeupCrossCpu  the same with the threads on two vCPUs (the wakeup
//                      kicks a sleeping vCPU: a futex wake across host CPUs)
//   BM_FutexPingPong   the Linux peer: two host threads ping-pong on a futex
//                      (with GS base 0, as a plain process: bench/plain_gs.h)
// Each iteration is one batch of kRounds round trips, timed from inside
// (UseManualTime); items_per_second is round trips per second.
#include <benchmark/benchmark.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "bench/plain_gs.h"
#include "core/kstd/atomic.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include <umach/backend.h>

namespace {

using umach::sched::WaitQueue;
constexpr int kRounds = 2000;

struct KernelPingPong {
  WaitQueue queue[2];
  kstd::Atomic<int> turn{0};
  int cpu[2];
  uint64_t elapsed_ns = 0;
};

struct Player {
  KernelPingPong* game;
  int me;
};

void play(void* arg) {
  auto* p = static_cast<Player*>(arg);
  KernelPingPong& g = *p->game;
  for (int i = 0; i < kRounds; ++i) {
    for (;;) {
      {
        umach::SpinlockGuard guard(g.queue[p->me].lock);
        if (g.turn.load() == p->me) break;
        g.queue[p->me].assert_wait_locked(false);
      }
      umach::sched::thread_block();
    }
    g.turn.store(1 - p->me);
    g.queue[1 - p->me].wakeup_one();
  }
}

void run_game(void* arg) {
  auto* g = static_cast<KernelPingPong*>(arg);
  Player players[2] = {{g, 0}, {g, 1}};
  uint64_t start = umach::Platform::clock_ns();
  auto a = umach::sched::kernel_thread("ping", play, &players[0], umach::sched::kPriorityKernel, g->cpu[0]);
  auto b = umach::sched::kernel_thread("pong", play, &players[1], umach::sched::kPriorityKernel, g->cpu[1]);
  if (a.ok()) umach::sched::thread_join(*a.value());
  if (b.ok()) umach::sched::thread_join(*b.value());
  g->elapsed_ns = umach::Platform::clock_ns() - start;
}

void kernel_ping_pong(benchmark::State& state, int cpu_a, int cpu_b) {
  for (auto _ : state) {
    KernelPingPong game;
    game.cpu[0] = cpu_a;
    game.cpu[1] = cpu_b;
    if (!umach::hosted::run_in_kernel(run_game, &game, umach::sched::kPriorityKernel)) {
      state.SkipWithError("no kernel thread");
      return;
    }
    state.SetIterationTime(static_cast<double>(game.elapsed_ns) * 1e-9);
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
}

void BM_WakeupSameCpu(benchmark::State& state) { kernel_ping_pong(state, 0, 0); }
void BM_WakeupCrossCpu(benchmark::State& state) { kernel_ping_pong(state, 0, 1); }
BENCHMARK(BM_WakeupSameCpu)->UseManualTime();
BENCHMARK(BM_WakeupCrossCpu)->UseManualTime();

long futex(std::atomic<int>* word, int op, int value) {
  return syscall(SYS_futex, reinterpret_cast<int*>(word), op, value, nullptr, nullptr, 0);
}

void futex_player(std::atomic<int>* turn, int me) {
  PlainGsBase plain;
  for (int i = 0; i < kRounds; ++i) {
    int seen;
    while ((seen = turn->load()) != me) futex(turn, FUTEX_WAIT_PRIVATE, seen);
    turn->store(1 - me);
    futex(turn, FUTEX_WAKE_PRIVATE, 1);
  }
}

void BM_FutexPingPong(benchmark::State& state) {
  for (auto _ : state) {
    std::atomic<int> turn{0};
    auto start = std::chrono::steady_clock::now();
    std::thread other(futex_player, &turn, 1);
    futex_player(&turn, 0);
    other.join();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetItemsProcessed(state.iterations() * kRounds);
}
BENCHMARK(BM_FutexPingPong)->UseManualTime();

}  // namespace
