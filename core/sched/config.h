// core/sched/config.h: the scheduler's constants.
//
// Priorities are GNU Mach's: 0 is the highest, 49 the lowest (the manual's
// thread_priority: "Priorities range from 0 to 49"). The tick is far above
// the cost of entering the kernel (DESIGN.md: a tick every ~50 µs starved
// user code on hosted), and a quantum is a few ticks.
#pragma once

#include <stdint.h>

namespace umach::sched {

inline constexpr int kNumPriorities = 50;
inline constexpr int kPriorityHighest = 0;
inline constexpr int kPriorityLowest = kNumPriorities - 1;
inline constexpr int kPriorityKernel = 10;  // kernel service threads
inline constexpr int kPriorityUser = 25;    // GNU Mach's BASEPRI_USER
inline constexpr int kPriorityIdle = kPriorityLowest;

inline constexpr uint64_t kTickNs = 5'000'000;  // 5 ms
inline constexpr uint32_t kQuantumTicks = 2;    // 10 ms

}  // namespace umach::sched
