// platform/baremetal/riscv64/timer.h: the SBI timer, as boot and the trap
// handler see it (the contract's side is in backend.h).
#pragma once

namespace umach::riscv64 {

// Picks the SBI timer call, disarms the timer and enables the supervisor
// timer interrupt and sstatus.SIE. Called once on the boot hart, after the
// trap vector and the clock are set up.
void timer_init();

// The supervisor timer interrupt (trap.cc). Runs with interrupts off.
void timer_interrupt();

}  // namespace umach::riscv64
