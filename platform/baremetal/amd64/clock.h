// platform/baremetal/amd64/clock.h: the boot-time clock (clock.cc).
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Measures the TSC frequency against the PIT (about 10 ms) and starts
// Backend::clock_ns() at zero. Call once on the boot CPU.
void clock_init();

// The calibrated TSC frequency, for the boot log.
uint64_t tsc_hz();

}  // namespace umach::amd64
