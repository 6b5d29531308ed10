// platform/baremetal/riscv64/timer_selftests.cc: self-tests of the SBI
// timer and idling (timer.cc).
//
// Each test starts and ends with the timer disarmed, so none leaves an
// interrupt behind for the next. Waits are bounded by clock_ns() except
// cpu_idle_wait's own sleep, which only a broken timer would make endless
// (the boot script then reports a hang). "Not before the deadline" is
// checked against the time the handler itself recorded, so a slow host
// cannot make it pass or fail by accident; timing windows that a stalled
// host could close are detected and logged instead of failing.
#include <stdint.h>

#include "core/cpu.h"
#include "core/kstd/atomic.h"
#include "core/log.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "platform/baremetal/riscv64/csr.h"

namespace umach {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kBoundNs = 1000 * kMs;  // far beyond any sane delivery delay

uint32_t fired(Cpu& c) { return c.timer_fired.load(); }

// Spin with interrupts on, so the timer can be taken meanwhile.
void spin_until(uint64_t until_ns) {
  while (Platform::clock_ns() < until_ns) Platform::cpu_relax();
}

void spin_until_fired(Cpu& c, uint32_t before, uint64_t until_ns) {
  while (fired(c) == before && Platform::clock_ns() < until_ns) Platform::cpu_relax();
}

// Caller-saved registers are the ones C++ handlers clobber; an interrupt
// taken between two arbitrary instructions must give them all back. The
// loop waits in assembly, with fifteen of them holding patterns, until the
// handler bumps timer_fired (or `time` passes a bound), then stores them.
static_assert(sizeof(kstd::Atomic<uint32_t>) == sizeof(uint32_t), "the loop reads the counter directly");
constexpr unsigned kPatternRegs = 15;
constexpr uint64_t kPattern = 0x5ca1ab1e00c0ffee;

void wait_for_interrupt_holding_patterns(Cpu& c, uint32_t before, uint64_t limit_ticks, uint64_t (&out)[kPatternRegs]) {
  uint64_t tmp;
  __asm__ __volatile__(
      "mv t0, %[pattern]\naddi t1, t0, 1\naddi t2, t0, 2\naddi t3, t0, 3\naddi t4, t0, 4\naddi t5, t0, 5\naddi t6, t0, 6\naddi a0, t0, 7\naddi a1, t0, 8\naddi a2, t0, 9\naddi a3, t0, 10\naddi a4, t0, 11\naddi a5, t0, 12\naddi a6, t0, 13\naddi a7, t0, 14\n"
      "1: lw %[tmp], 0(%[counter])\n"
      "bne %[tmp], %[before], 2f\n"
      "rdtime %[tmp]\n"
      "bltu %[tmp], %[limit], 1b\n"
      "2:\n"
      "sd t0, 0(%[out])\nsd t1, 8(%[out])\nsd t2, 16(%[out])\nsd t3, 24(%[out])\nsd t4, 32(%[out])\nsd t5, 40(%[out])\nsd t6, 48(%[out])\nsd a0, 56(%[out])\nsd a1, 64(%[out])\nsd a2, 72(%[out])\nsd a3, 80(%[out])\nsd a4, 88(%[out])\nsd a5, 96(%[out])\nsd a6, 104(%[out])\nsd a7, 112(%[out])\n"
      : [tmp] "=&r"(tmp)
      : [pattern] "r"(kPattern), [counter] "r"(&c.timer_fired), [before] "r"(uint64_t{before}),
        [limit] "r"(limit_ticks), [out] "r"(out)
      : "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "memory");
}

}  // namespace

UMACH_SELFTEST(riscv64_timer_fires_once_not_before_deadline) {
  Cpu& c = this_cpu();
  ST_CHECK(riscv64::interrupts_enabled());
  Platform::timer_disarm();
  uint32_t before = fired(c);
  uint64_t deadline = Platform::clock_ns() + 2 * kMs;
  Platform::timer_arm(deadline);
  while (fired(c) == before && Platform::clock_ns() < deadline + kBoundNs)
    Platform::cpu_idle_wait(c, c.wake_seq.load());
  ST_CHECK_EQ(fired(c), before + 1);
  ST_CHECK(c.machine.timer_interrupt_ns >= deadline);
  ST_CHECK(riscv64::interrupts_enabled());
  // One-shot: the handler disarmed it, so nothing more arrives.
  spin_until(Platform::clock_ns() + 3 * kMs);
  ST_CHECK_EQ(fired(c), before + 1);
  Platform::timer_disarm();
}

UMACH_SELFTEST(riscv64_timer_armed_in_the_past_fires_at_once) {
  Cpu& c = this_cpu();
  Platform::timer_disarm();
  uint32_t before = fired(c);
  uint64_t now = Platform::clock_ns();
  Platform::timer_arm(now > kMs ? now - kMs : 0);
  spin_until_fired(c, before, now + kBoundNs);
  ST_CHECK_EQ(fired(c), before + 1);
  Platform::timer_disarm();
}

// Only an attempt whose disarm came before the deadline says anything; a
// loaded host can stall QEMU for tens of milliseconds between the two calls,
// so a few attempts are allowed before the test gives up without a verdict.
UMACH_SELFTEST(riscv64_disarmed_timer_does_not_fire) {
  Cpu& c = this_cpu();
  constexpr unsigned kAttempts = 5;
  for (unsigned attempt = 0; attempt < kAttempts; ++attempt) {
    uint32_t before = fired(c);
    uint64_t deadline = Platform::clock_ns() + 20 * kMs;
    Platform::timer_arm(deadline);
    Platform::timer_disarm();
    bool disarmed_in_time = Platform::clock_ns() < deadline;
    spin_until(deadline + 5 * kMs);
    if (disarmed_in_time) {
      ST_CHECK_EQ(fired(c), before);
      return;
    }
  }
  klog("riscv64: disarm test inconclusive: the host stalled past the deadline %u times\n", kAttempts);
}

UMACH_SELFTEST(riscv64_timer_interrupt_keeps_caller_saved_registers) {
  Cpu& c = this_cpu();
  Platform::timer_disarm();
  uint32_t before = fired(c);
  // The bound is in raw ticks: about a second at QEMU's 10 MHz timebase,
  // and at most minutes on any real board.
  uint64_t limit = riscv64::read_time() + 10'000'000;
  Platform::timer_arm(Platform::clock_ns() + kMs);
  uint64_t regs[kPatternRegs] = {};
  wait_for_interrupt_holding_patterns(c, before, limit, regs);
  ST_CHECK_EQ(fired(c), before + 1);
  for (unsigned i = 0; i < kPatternRegs; ++i) ST_CHECK_EQ(regs[i], kPattern + i);
  Platform::timer_disarm();
}

// A wake_seq that already moved must not sleep: the safety deadline only
// ends the wait if cpu_idle_wait slept anyway.
UMACH_SELFTEST(riscv64_idle_wait_returns_when_wake_seq_moved) {
  Cpu& c = this_cpu();
  uint32_t before = fired(c);
  uint64_t safety = Platform::clock_ns() + 2000 * kMs;
  Platform::timer_arm(safety);
  uint32_t seen = c.wake_seq.load();
  c.wake_seq.fetch_add(1);
  Platform::cpu_kick(c);
  Platform::cpu_idle_wait(c, seen);
  uint64_t returned_at = Platform::clock_ns();
  Platform::timer_disarm();
  ST_CHECK(returned_at < safety);
  ST_CHECK_EQ(fired(c), before);
  ST_CHECK(riscv64::interrupts_enabled());
}

}  // namespace umach
