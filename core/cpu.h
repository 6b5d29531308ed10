// core/cpu.h: per-CPU state.
//
// One `Cpu` per simulated (hosted) or real (bare metal) CPU, in a static
// array. Code reaches its own through `this_cpu()`, which asks the platform
// each time: a Mach thread may migrate, so the answer must never be cached
// across a switch. `self` is the first field so a backend can load the
// pointer with one segment- or register-relative read.
#pragma once

#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/platform/platform.h"

namespace umach {

struct Cpu {
  Cpu* self;  // must stay first: backends read it at offset 0
  uint32_t id;
  uint32_t canary;
  bool online_once = false;  // cpu_init has run for it (counted online)

  // Timer interrupts not yet processed. The platform's timer interrupt
  // increments it (cpu_timer_interrupt, from interrupt or signal context);
  // the scheduler consumes it at its next safe point.
  kstd::Atomic<uint32_t> timer_fired{0};
  // Bumped by whoever gives this CPU work, before Platform::cpu_kick().
  kstd::Atomic<uint32_t> wake_seq{0};
  // The backend's own per-CPU state (signal stack, timer, trap scratch).
  Platform::CpuMachine machine{};

  static constexpr uint32_t kCanary = 0x43505521;  // "CPU!"
  void check_invariants() const;
};

static_assert(__builtin_offsetof(Cpu, self) == 0, "backends read Cpu::self at offset 0");

// Gives CPUs 0..count-1 their identity (id, self) without bringing them
// up, so other CPUs may name them (wakeups) before they run.
void cpu_prepare(unsigned count);
// Brings up CPU `id`'s state and makes it current on the calling CPU.
void cpu_init(unsigned id);
Cpu& cpu(unsigned id);
unsigned cpu_count_online();

inline Cpu& this_cpu() { return *Platform::current_cpu(); }

// The platform's timer interrupt: only atomics, so it is safe from any
// context (an interrupt handler, a host signal handler compiled without
// sanitizers). The scheduler does the work at its next safe point. It also
// moves wake_seq, so a CPU about to idle on an old wake_seq (the tick came
// between its last look and its sleep) does not sleep through the tick.
inline void cpu_timer_interrupt(Cpu& cpu) {
  cpu.timer_fired.fetch_add(1, kstd::MemoryOrder::relaxed);
  cpu.wake_seq.fetch_add(1, kstd::MemoryOrder::release);
}

}  // namespace umach
