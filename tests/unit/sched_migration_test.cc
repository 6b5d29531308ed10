// tests/unit/sched_migration_test.cc: kernel threads migrating between
// vCPUs while they touch per-CPU state. Runs with 4 vCPUs (host threads);
// under TSan it proves that per-CPU data is reached through an accessor the
// compiler does not cache across a switch: a cached this_cpu() would make
// two host threads write one CPU's slot, a race TSan reports.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "core/cpu.h"
#include "core/sched/sched.h"
#include <umach/backend.h>

namespace {

using umach::sched::Thread;

constexpr int kThreads = 6;
constexpr int kRounds = 400;

struct PerCpuSlot {
  long touches = 0;  // plain: only the CPU that owns the slot writes it
  long last_thread = -1;
};

struct Shared {
  PerCpuSlot slots[umach::Platform::kMaxCpus];
  uint64_t cpus_seen[kThreads] = {};  // bitmask per thread, written by that thread only
  long rounds[kThreads] = {};         // rounds each thread ran, written by that thread only
  std::atomic<bool> migrated{false};  // some thread ran on a second CPU
};

struct Worker {
  Shared* shared;
  int index;
};

void worker(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  // kRounds each, and more (up to 50x) while no thread has migrated yet:
  // on a loaded host the other vCPUs' host threads may get no time to
  // steal for a while, and the test is about what happens when they do.
  for (int round = 0; round < kRounds || (!w->shared->migrated.load() && round < 50 * kRounds); ++round) {
    // No scheduling point between reading this_cpu() and using its slot:
    // the kernel is not preemptible, so the slot is this CPU's alone.
    umach::Cpu& c = umach::this_cpu();
    c.check_invariants();
    PerCpuSlot& slot = w->shared->slots[c.id];
    slot.touches++;
    slot.last_thread = w->index;
    w->shared->cpus_seen[w->index] |= uint64_t{1} << c.id;
    w->shared->rounds[w->index] = round + 1;
    if (__builtin_popcountll(w->shared->cpus_seen[w->index]) >= 2) w->shared->migrated.store(true);
    if (round % 8 == 7)
      umach::sched::sleep_ns(50'000);  // leave the CPU idle for a moment: others steal
    else
      umach::sched::thread_yield();
  }
}

struct MigrationRun {
  Shared shared;
  Worker workers[kThreads];
};

void spawn_and_join(void* arg) {
  auto* run = static_cast<MigrationRun*>(arg);
  umach::RefPtr<Thread> threads[kThreads];
  for (int i = 0; i < kThreads; ++i) {
    run->workers[i] = {&run->shared, i};
    auto t = umach::sched::kernel_thread("migrant", worker, &run->workers[i], umach::sched::kPriorityUser);
    if (t.ok()) threads[i] = std::move(t).take();
  }
  for (auto& t : threads)
    if (t) umach::sched::thread_join(*t);
}

TEST(SchedMigration, ThreadsMigrateWhileTouchingPerCpuState) {
  ASSERT_GE(umach::sched::cpu_count(), 2u);
  auto run = std::make_unique<MigrationRun>();
  ASSERT_TRUE(umach::hosted::run_in_kernel(spawn_and_join, run.get(), umach::sched::kPriorityKernel));
  long total = 0, rounds = 0;
  for (const PerCpuSlot& s : run->shared.slots) total += s.touches;
  for (long r : run->shared.rounds) {
    EXPECT_GE(r, kRounds);
    rounds += r;
  }
  EXPECT_EQ(total, rounds);
  int migrated = 0, cpus_used = 0;
  uint64_t all = 0;
  for (uint64_t seen : run->shared.cpus_seen) {
    if (__builtin_popcountll(seen) >= 2) ++migrated;
    all |= seen;
  }
  cpus_used = __builtin_popcountll(all);
  EXPECT_GE(cpus_used, 2);
  EXPECT_GE(migrated, 1) << "no thread ever ran on a second CPU";
}

}  // namespace
