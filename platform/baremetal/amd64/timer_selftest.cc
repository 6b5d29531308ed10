// platform/baremetal/amd64/timer_selftest.cc: the one-shot timer and idling
// on amd64. Each test takes the CPU's timer from the scheduler for its
// duration (TimerTakeover). Waits are bounded by clock_ns(), so a lost
// interrupt fails a check instead of hanging the boot (except in
// cpu_idle_wait's hlt, which only the timer under test ends).
#include <stdint.h>

#include "core/cpu.h"
#include "core/platform/platform.h"
#include "core/selftest.h"

namespace umach {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kGiveUpNs = 1000 * kMs;  // far beyond any sane interrupt latency, even under TCG

uint32_t fired() { return this_cpu().timer_fired.load(kstd::MemoryOrder::relaxed); }

// The tests run in a scheduler thread, whose tick or timeout may be armed.
// Taking over disarms it first, so that no deadline of the scheduler's can
// fire inside a test and be counted as the test's. Giving back fires the
// timer at once and waits for it: the scheduler, seeing a tick, re-arms its
// own deadline (a spurious tick only makes it look at what is due), and the
// next test starts with no interrupt in flight.
struct TimerTakeover {
  TimerTakeover() { Platform::timer_disarm(); }
  ~TimerTakeover() {
    const uint32_t before = fired();
    Platform::timer_arm(0);
    const uint64_t give_up = Platform::clock_ns() + kGiveUpNs;
    while (fired() == before && Platform::clock_ns() < give_up) Platform::cpu_relax();
  }
  TimerTakeover(const TimerTakeover&) = delete;
  TimerTakeover& operator=(const TimerTakeover&) = delete;
};

struct Observation {
  bool fired = false;
  bool early = false;  // seen to have fired while clock_ns() was still before the deadline
  uint64_t seen_ns = 0;
};

// Spins until the count passes `before` or kGiveUpNs pass. The count is
// read before the clock, so a fire seen in a round happened before that
// round's clock read: `early` is exact, not a guess.
Observation spin_until_fired(uint32_t before, uint64_t deadline) {
  Observation o;
  const uint64_t give_up = Platform::clock_ns() + kGiveUpNs;
  for (;;) {
    const uint32_t count = fired();
    const uint64_t now = Platform::clock_ns();
    if (count != before) {
      o.fired = true;
      o.early = now < deadline;
      o.seen_ns = now;
      return o;
    }
    if (now >= give_up) return o;
    Platform::cpu_relax();
  }
}

// Spins for `ns` and returns how many timer interrupts the core saw meanwhile.
uint32_t fired_during(uint64_t ns) {
  const uint32_t before = fired();
  const uint64_t end = Platform::clock_ns() + ns;
  while (Platform::clock_ns() < end) Platform::cpu_relax();
  return fired() - before;
}

}  // namespace

UMACH_SELFTEST(amd64_timer_fires_once_not_before_its_deadline) {
  TimerTakeover takeover;
  const uint32_t before = fired();
  const uint64_t deadline = Platform::clock_ns() + 2 * kMs;
  Platform::timer_arm(deadline);
  Observation o = spin_until_fired(before, deadline);
  ST_CHECK(o.fired);
  ST_CHECK(!o.early);
  ST_CHECK_EQ(fired_during(5 * kMs), 0u);  // one shot: nothing more without a new timer_arm
  ST_CHECK_EQ(fired() - before, 1u);
}

UMACH_SELFTEST(amd64_timer_disarmed_does_not_fire) {
  TimerTakeover takeover;
  Platform::timer_arm(Platform::clock_ns() + 2 * kMs);
  Platform::timer_disarm();
  ST_CHECK_EQ(fired_during(5 * kMs), 0u);
}

UMACH_SELFTEST(amd64_timer_past_deadline_fires_at_once) {
  TimerTakeover takeover;
  const uint32_t before = fired();
  Platform::timer_arm(0);
  Observation o = spin_until_fired(before, 0);
  ST_CHECK(o.fired);
  ST_CHECK_EQ(fired() - before, 1u);
}

// A later timer_arm replaces the earlier deadline, both ways.
UMACH_SELFTEST(amd64_timer_rearm_replaces_the_deadline) {
  TimerTakeover takeover;
  uint32_t before = fired();
  Platform::timer_arm(Platform::clock_ns() + 2 * kMs);
  const uint64_t later = Platform::clock_ns() + 10 * kMs;
  Platform::timer_arm(later);
  Observation o = spin_until_fired(before, later);
  ST_CHECK(o.fired);
  ST_CHECK(!o.early);
  ST_CHECK_EQ(fired() - before, 1u);

  before = fired();
  Platform::timer_arm(Platform::clock_ns() + 1000 * kMs);
  const uint64_t sooner = Platform::clock_ns() + 2 * kMs;
  Platform::timer_arm(sooner);
  o = spin_until_fired(before, sooner);
  ST_CHECK(o.fired);
  ST_CHECK(o.seen_ns < sooner + 500 * kMs);  // not the replaced 1 s deadline
  ST_CHECK_EQ(fired() - before, 1u);
}

// cpu_idle_wait sleeps in hlt until the timer's interrupt ends it. It may
// return early (another interrupt), hence the loop. It does not sleep while
// timer_fired is non-zero (idle.cc), so the test sets aside the count the
// earlier tests left unconsumed and gives it back at the end.
UMACH_SELFTEST(amd64_idle_wait_wakes_on_the_timer) {
  TimerTakeover takeover;
  Cpu& cpu = this_cpu();
  const uint32_t unconsumed = cpu.timer_fired.exchange(0);
  const uint32_t before = fired();
  const uint64_t deadline = Platform::clock_ns() + 2 * kMs;
  Platform::timer_arm(deadline);
  const uint64_t give_up = deadline + kGiveUpNs;
  unsigned waits = 0;
  while (fired() == before && Platform::clock_ns() < give_up) {
    Platform::cpu_idle_wait(cpu, cpu.wake_seq.load(kstd::MemoryOrder::acquire));
    ++waits;
  }
  ST_CHECK_EQ(fired() - before, 1u);
  ST_CHECK(Platform::clock_ns() >= deadline);
  // It slept: a spinning cpu_idle_wait would have returned thousands of
  // times in 2 ms. A few returns are fine (an early APIC interrupt that the
  // handler re-armed, timer.cc).
  ST_CHECK(waits >= 1 && waits <= 8);
  cpu.timer_fired.fetch_add(unconsumed);
}

// A wake_seq that already moved past `seen` makes cpu_idle_wait return
// without sleeping (nothing is armed that could end a hlt).
UMACH_SELFTEST(amd64_idle_wait_returns_when_woken_before) {
  TimerTakeover takeover;
  Cpu& cpu = this_cpu();
  const uint32_t seen = cpu.wake_seq.load(kstd::MemoryOrder::acquire);
  cpu.wake_seq.fetch_add(1, kstd::MemoryOrder::release);
  Platform::cpu_kick(cpu);
  Platform::cpu_idle_wait(cpu, seen);
  ST_CHECK(true);  // reaching here is the test
}

}  // namespace umach
