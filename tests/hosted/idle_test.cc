// tests/hosted/idle_test.cc: an idle CPU sleeps (Backend::cpu_idle_wait)
// without spinning, and wakes on a kick from another CPU or on its timer.
#include <time.h>

#include <atomic>

#include "tests/hosted/support.h"

namespace umach::test {
namespace {

constexpr uint64_t kMs = 1000000;

void sleep_ms(long ms) {
  timespec t{0, ms * static_cast<long>(kMs)};
  while (nanosleep(&t, &t) != 0) {
  }
}

TEST(Idle, IdleCpuWakesOnKick) {
  std::atomic<bool> sleeping{false}, woke{false};
  int waits = 0;
  std::thread idle([&] {
    BoundVcpu vcpu(kFirstTestCpu);
    Cpu& cpu = vcpu.cpu();
    uint32_t seen = cpu.wake_seq.load();
    sleeping = true;
    while (cpu.wake_seq.load() == seen) {
      Platform::cpu_idle_wait(cpu, seen);
      waits++;
    }
    woke = true;
  });
  while (!sleeping) std::this_thread::yield();
  sleep_ms(20);
  EXPECT_FALSE(woke);
  Cpu& target = umach::cpu(kFirstTestCpu);
  target.wake_seq.fetch_add(1);
  Platform::cpu_kick(target);
  uint64_t give_up = Platform::clock_ns() + 5000 * kMs;
  while (!woke && Platform::clock_ns() < give_up) sleep_ms(1);
  EXPECT_TRUE(woke) << "the kick was lost";
  while (!woke) Platform::cpu_kick(target);  // release it anyway, to end the test
  idle.join();
  EXPECT_LE(waits, 2) << "an idle CPU must sleep, not spin";
}

TEST(Idle, IdleCpuWakesOnItsTimer) {
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = cpu.timer_fired.load();
    uint32_t seen = cpu.wake_seq.load();
    uint64_t deadline = Platform::clock_ns() + 2 * kMs;
    Platform::timer_arm(deadline);
    int waits = 0;
    while (cpu.timer_fired.load() == before && waits < 1000) {
      Platform::cpu_idle_wait(cpu, seen);
      seen = cpu.wake_seq.load();
      waits++;
    }
    EXPECT_NE(cpu.timer_fired.load(), before);
    EXPECT_GE(Platform::clock_ns(), deadline);
    EXPECT_LE(waits, 2) << "an idle CPU must sleep, not spin";
  });
}

// The scheduler reads wake_seq, checks for work and ticks, then sleeps. A
// tick that lands after its check but before the sleep must not leave it
// asleep: the wait returns at once.
TEST(Idle, TickBetweenCheckAndSleepIsNotLost) {
  run_on_vcpu(kFirstTestCpu, [&](Cpu& cpu) {
    uint32_t before = cpu.timer_fired.load();
    uint32_t seen = cpu.wake_seq.load();
    Platform::timer_arm(0);  // fires at once, before the wait below starts
    while (cpu.timer_fired.load() == before) sleep_ms(1);
    uint64_t start = Platform::clock_ns();
    Platform::cpu_idle_wait(cpu, seen);
    EXPECT_LT(Platform::clock_ns() - start, 1000 * kMs);
  });
}

}  // namespace
}  // namespace umach::test
