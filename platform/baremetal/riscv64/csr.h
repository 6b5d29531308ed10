// platform/baremetal/riscv64/csr.h: the supervisor CSR bits the kernel
// touches, and the few accesses it makes to them.
//
// Bit positions are from the privileged spec ("Supervisor Status Register",
// "Supervisor Interrupt Registers", "Supervisor Cause Register"). Every
// access is volatile with a memory clobber: toggling interrupts must not be
// moved across the loads and stores it protects.
#pragma once

#include <stdint.h>

namespace umach::riscv64 {

inline constexpr uint64_t kSstatusSie = uint64_t{1} << 1;  // interrupts enabled in S-mode
inline constexpr uint64_t kSstatusFs = uint64_t{3} << 13;  // FP state: Off, Initial, Clean, Dirty
inline constexpr uint64_t kSstatusSum = uint64_t{1} << 18; // S-mode may access U pages
inline constexpr uint64_t kSieStie = uint64_t{1} << 5;     // supervisor timer interrupt enable

inline constexpr uint64_t kScauseInterrupt = uint64_t{1} << 63;
inline constexpr uint64_t kInterruptSupervisorTimer = 5;

inline void interrupts_disable() { __asm__ __volatile__("csrc sstatus, %0" : : "r"(kSstatusSie) : "memory"); }
inline void interrupts_enable() { __asm__ __volatile__("csrs sstatus, %0" : : "r"(kSstatusSie) : "memory"); }

inline uint64_t read_sstatus() {
  uint64_t v;
  __asm__ __volatile__("csrr %0, sstatus" : "=r"(v) : : "memory");
  return v;
}

// 0 while the hart runs the kernel (trap_entry.S).
inline uint64_t read_sscratch() {
  uint64_t v;
  __asm__ __volatile__("csrr %0, sscratch" : "=r"(v) : : "memory");
  return v;
}

inline uint64_t read_satp() {
  uint64_t v;
  __asm__ __volatile__("csrr %0, satp" : "=r"(v) : : "memory");
  return v;
}

inline bool interrupts_enabled() { return (read_sstatus() & kSstatusSie) != 0; }

inline void timer_interrupt_enable() { __asm__ __volatile__("csrs sie, %0" : : "r"(kSieStie) : "memory"); }

inline uint64_t read_time() {
  uint64_t ticks;
  __asm__ __volatile__("rdtime %0" : "=r"(ticks));
  return ticks;
}

}  // namespace umach::riscv64
