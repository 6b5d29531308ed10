// platform/baremetal/amd64/interrupt.h: external interrupts on amd64 (IDT
// vectors 32..255): who owns which vector, and the dispatcher trap.cc calls.
//
// The legacy 8259 PICs are remapped to vectors 32..47 and fully masked, so a
// stray legacy IRQ (QEMU's PIT channel 0 ticks from reset) can never land on
// an exception vector. Interrupts come from this CPU's local APIC (lapic.h):
// its timer (timer.cc) and its spurious vector.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

inline constexpr unsigned kVectorPicBase = 32;   // 8259 IRQ 0..15, all masked
inline constexpr unsigned kPicVectors = 16;
inline constexpr unsigned kVectorTimer = 0xE0;   // the local APIC timer
inline constexpr unsigned kVectorApicSpurious = 0xFF;

// Remaps and masks the PICs, enables the boot CPU's local APIC and
// calibrates its timer. Interrupts stay disabled: the caller enables them.
void interrupts_init();

// Handles vector (>= 32) on the interrupted stack, interrupts disabled;
// sends the EOI the vector needs. Called by amd64_trap (trap.cc).
void handle_interrupt(unsigned vector);

inline void enable_interrupts() { __asm__ __volatile__("sti" ::: "memory"); }

}  // namespace umach::amd64
