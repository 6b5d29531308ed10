// platform/baremetal/amd64/lapic.h: the calling CPU's local APIC, in xAPIC
// mode (memory-mapped registers; boot.S's identity map covers them).
//
// Every call acts on the APIC of the CPU that makes it. Callers that can be
// interrupted by a handler which also touches the timer registers disable
// interrupts around the call (timer.cc does).
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Enables the APIC (globally through IA32_APIC_BASE, then in software
// through the spurious-interrupt register with `spurious_vector`), accepts
// every priority (TPR 0) and masks the local interrupt lines LINT0/LINT1,
// the error interrupt and the timer.
void lapic_init(uint8_t spurious_vector);

// Signals the end of the interrupt in service.
void lapic_eoi();

// The timer in one-shot mode, divide by 1, delivering `vector` (unless
// masked, for calibration). Counting starts when a count is written.
void lapic_timer_setup_one_shot(uint8_t vector, bool masked);
// Restarts the countdown from `count` ticks; 0 stops the timer.
void lapic_timer_start(uint32_t count);
uint32_t lapic_timer_current_count();

}  // namespace umach::amd64
