// tests/hosted/migration_test.cc: a kernel context moves between host
// threads (simulated CPUs), as a Mach thread does between CPUs: its stack
// survives, and current_cpu() answers for the CPU it runs on now.
#include <stdint.h>

#include <atomic>

#include "tests/hosted/support.h"

namespace umach::test {
namespace {

struct Migrant {
  Context self;
  Context* back = nullptr;  // the boot context of the host thread running it now
  unsigned cpu_before = ~0u;
  unsigned cpu_after = ~0u;
  bool stack_intact = false;
};

void migrant_entry(void* p) {
  auto* m = static_cast<Migrant*>(p);
  volatile uint32_t pattern[256];
  for (uint32_t i = 0; i < 256; ++i) pattern[i] = i * 2654435761u;
  m->cpu_before = Platform::current_cpu()->id;
  Platform::context_switch(m->self, *m->back);
  m->cpu_after = Platform::current_cpu()->id;
  bool intact = true;
  for (uint32_t i = 0; i < 256; ++i) intact = intact && pattern[i] == i * 2654435761u;
  m->stack_intact = intact;
  Platform::context_exit(*m->back);
}

TEST(ContextMigration, ContextStartedOnOneCpuResumesOnAnother) {
  KernelStack stack;
  Migrant m;
  Platform::context_init(m.self, stack.base(), stack.size(), migrant_entry, &m);
  run_on_vcpu(kFirstTestCpu, [&](Cpu&) {
    Context boot;
    m.back = &boot;
    Platform::context_switch(boot, m.self);  // runs until the migrant switches back
  });
  run_on_vcpu(kFirstTestCpu + 1, [&](Cpu&) {
    Context boot;
    m.back = &boot;
    Platform::context_switch(boot, m.self);  // resumes it here; it exits back
  });
  EXPECT_EQ(m.cpu_before, kFirstTestCpu);
  EXPECT_EQ(m.cpu_after, kFirstTestCpu + 1);
  EXPECT_TRUE(m.stack_intact);
  Platform::context_destroy(m.self);
}

// Two CPUs pass one context back and forth many times, each resuming it only
// after the other has switched away from it (the scheduler's rule).
struct Relay {
  Context self;
  Context boots[2];
  std::atomic<int> turn{0};  // whose boot context resumes the relay next; -1: done
  int hops = 0;
};

constexpr int kHops = 2000;

void relay_entry(void* p) {
  auto* r = static_cast<Relay*>(p);
  for (;;) {
    unsigned side = Platform::current_cpu()->id - kFirstTestCpu;
    r->hops++;
    if (r->hops == kHops) Platform::context_exit(r->boots[side]);
    Platform::context_switch(r->self, r->boots[side]);
  }
}

TEST(ContextMigration, ContextHopsBetweenTwoCpus) {
  KernelStack stack;
  Relay r;
  Platform::context_init(r.self, stack.base(), stack.size(), relay_entry, &r);
  auto cpu_loop = [&](unsigned side) {
    BoundVcpu vcpu(kFirstTestCpu + side);
    for (;;) {
      int t;
      while ((t = r.turn.load(std::memory_order_acquire)) != static_cast<int>(side) && t != -1) std::this_thread::yield();
      if (t == -1) return;
      Platform::context_switch(r.boots[side], r.self);
      // The relay is switched out and saved: hand it to the other CPU.
      r.turn.store(r.hops == kHops ? -1 : static_cast<int>(1 - side), std::memory_order_release);
    }
  };
  std::thread a(cpu_loop, 0u), b(cpu_loop, 1u);
  a.join();
  b.join();
  EXPECT_EQ(r.hops, kHops);
  Platform::context_destroy(r.self);
}

}  // namespace
}  // namespace umach::test
