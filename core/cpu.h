// core/cpu.h: per-CPU state.
//
// One `Cpu` per simulated (hosted) or real (bare metal) CPU, in a static
// array. Code reaches its own through `this_cpu()`, which asks the platform
// each time: a Mach thread may migrate, so the answer must never be cached
// across a switch. `self` is the first field so a backend can load the
// pointer with one segment- or register-relative read.
#pragma once

#include <stdint.h>

#include "core/platform/platform.h"

namespace umach {

struct Cpu {
  Cpu* self;  // must stay first: backends read it at offset 0
  uint32_t id;
  uint32_t canary;
  // Later issues add the run queue, the current thread, preemption state.

  static constexpr uint32_t kCanary = 0x43505521;  // "CPU!"
  void check_invariants() const;
};

static_assert(__builtin_offsetof(Cpu, self) == 0, "backends read Cpu::self at offset 0");

// Brings up CPU `id`'s state and makes it current on the calling CPU.
void cpu_init(unsigned id);
Cpu& cpu(unsigned id);
unsigned cpu_count_online();

inline Cpu& this_cpu() { return *Platform::current_cpu(); }

}  // namespace umach
