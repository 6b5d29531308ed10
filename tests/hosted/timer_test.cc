// tests/hosted/timer_test.cc: the per-CPU one-shot timer (Backend::timer_*)
// raises a timer interrupt on its own CPU, once, at its deadline.
#include <time.h>

#include <chrono>

#include "tests/hosted/support.h"

namespace umach::test {
namespace {

constexpr uint64_t kMs = 1000000;

uint32_t fired(Cpu& cpu) { return cpu.timer_fired.load(); }

// Sleeps on the host (each sleep may end early with EINTR when a timer
// signal lands: that is the point) until `cpu` has seen a timer interrupt
// since `before`, or a second passes.
bool wait_for_tick(Cpu& cpu, uint32_t before) {
  uint64_t give_up = Platform::clock_ns() + 1000 * kMs;
  while (fired(cpu) == before && Platform::clock_ns() < give_up) {
    timespec ms{0, static_cast<long>(kMs)};
    nanosleep(&ms, nullptr);
  }
  return fired(cpu) != before;
}

void sleep_ms(long ms) {
  uint64_t until = Platform::clock_ns() + static_cast<uint64_t>(ms) * kMs;
  while (Platform::clock_ns() < until) {
    timespec rest{0, static_cast<long>(kMs)};
    nanosleep(&rest, nullptr);
  }
}

TEST(Timer, ArmedTimerFiresOnItsCpu) {
  uint32_t boot_cpu_before = fired(umach::cpu(0));
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = fired(cpu);
    uint64_t deadline = Platform::clock_ns() + 2 * kMs;
    Platform::timer_arm(deadline);
    EXPECT_TRUE(wait_for_tick(cpu, before));
    EXPECT_GE(Platform::clock_ns(), deadline);
    EXPECT_EQ(fired(cpu), before + 1);  // one-shot
  });
  EXPECT_EQ(fired(umach::cpu(0)), boot_cpu_before);
}

TEST(Timer, ArmedTimerFiresOnTheBootCpu) {
  Cpu& cpu = umach::this_cpu();
  ASSERT_EQ(cpu.id, 0u);
  uint32_t before = fired(cpu);
  Platform::timer_arm(Platform::clock_ns() + 2 * kMs);
  EXPECT_TRUE(wait_for_tick(cpu, before));
}

TEST(Timer, DisarmedTimerDoesNotFire) {
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = fired(cpu);
    Platform::timer_arm(Platform::clock_ns() + 2 * kMs);
    Platform::timer_disarm();
    sleep_ms(20);
    EXPECT_EQ(fired(cpu), before);
  });
}

TEST(Timer, PassedDeadlineFiresAtOnce) {
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = fired(cpu);
    Platform::timer_arm(0);
    EXPECT_TRUE(wait_for_tick(cpu, before));
  });
}

TEST(Timer, ArmingReplacesTheEarlierDeadline) {
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = fired(cpu);
    Platform::timer_arm(Platform::clock_ns() + 2 * kMs);
    Platform::timer_arm(Platform::clock_ns() + 60000 * kMs);
    sleep_ms(20);
    EXPECT_EQ(fired(cpu), before);
    Platform::timer_disarm();
  });
}

TEST(Timer, EachCpuHasItsOwnTimer) {
  std::atomic<int> armed{0};
  uint32_t ticks[2] = {};
  auto cpu_body = [&](unsigned side) {
    run_on_vcpu(kFirstTestCpu + side, [&](Cpu& cpu) {
      uint32_t before = fired(cpu);
      Platform::timer_arm(Platform::clock_ns() + (side == 0 ? 2 : 60000) * kMs);
      armed++;
      sleep_ms(30);
      ticks[side] = fired(cpu) - before;
      Platform::timer_disarm();
    });
  };
  std::thread a(cpu_body, 0u), b(cpu_body, 1u);
  a.join();
  b.join();
  EXPECT_EQ(ticks[0], 1u);
  EXPECT_EQ(ticks[1], 0u);
}

}  // namespace
}  // namespace umach::test
