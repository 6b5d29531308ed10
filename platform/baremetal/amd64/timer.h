// platform/baremetal/amd64/timer.h: the per-CPU one-shot timer (timer.cc),
// as the rest of the backend sees it. Backend::timer_arm/timer_disarm are
// the contract's side.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Measures the local APIC timer against the TSC clock (clock_init first) and
// leaves it stopped, set to deliver kVectorTimer. Boot CPU, interrupts off.
void timer_init();

// The timer's interrupt handler (interrupts disabled, EOI left to the caller).
void timer_interrupt();

// The calibrated APIC timer frequency, for the boot log.
uint64_t timer_hz();

}  // namespace umach::amd64
