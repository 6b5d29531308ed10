// platform/baremetal/riscv64/clock.h: the boot clock, from the `time` CSR.
#pragma once

#include <stdint.h>

namespace umach::riscv64 {

// Starts the clock at zero; `timebase_hz` is the rate of `time` (the device
// tree's /cpus/timebase-frequency). Until then clock_ns() reads 0.
void clock_init(uint64_t timebase_hz);

// The goldfish RTC at `base` (device tree) is the time of day; 0: none.
void clock_set_rtc(uint64_t base);

// The first `time` value at which clock_ns() >= deadline_ns (rounded up, so
// a timer set to it never fires early); all ones if that is beyond 64 bits.
uint64_t clock_deadline_ticks(uint64_t deadline_ns);

}  // namespace umach::riscv64
