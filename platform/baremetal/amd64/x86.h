// platform/baremetal/amd64/x86.h: the privileged x86-64 instructions the
// amd64 backend uses (port I/O, MSRs, TSC, control registers, TLB), as inline
// functions so the rest of the backend reads as C++. Backend-internal: the
// core never includes it.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Model-specific registers the backend uses.
inline constexpr uint32_t kMsrApicBase = 0x1B;        // IA32_APIC_BASE: the local APIC's address, enable bit
inline constexpr uint32_t kMsrTscDeadline = 0x6E0;    // IA32_TSC_DEADLINE
inline constexpr uint32_t kMsrGsBase = 0xC0000101;    // IA32_GS_BASE: the per-CPU pointer
inline constexpr uint32_t kMsrEfer = 0xC0000080;      // IA32_EFER: long mode, no-execute enable

inline constexpr uint64_t kEferNxe = uint64_t{1} << 11;  // the XD bit of page-table entries is honoured

inline constexpr uint64_t kRflagsIf = uint64_t{1} << 9;  // interrupts enabled

inline void outb(uint16_t port, uint8_t value) {
  __asm__ __volatile__("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

inline uint8_t inb(uint16_t port) {
  uint8_t value;
  __asm__ __volatile__("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
  return value;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
  __asm__ __volatile__("wrmsr"
                       :
                       : "c"(msr), "a"(static_cast<uint32_t>(value)), "d"(static_cast<uint32_t>(value >> 32))
                       : "memory");
}

inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t{hi} << 32) | lo;
}

// Not serialising: callers that time a short interval tolerate the few
// cycles of reordering.
inline uint64_t rdtsc() {
  uint32_t lo, hi;
  __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

inline uint64_t read_cr2() {
  uint64_t v;
  __asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
  return v;
}

inline uint64_t read_cr3() {
  uint64_t v;
  __asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
  return v;
}

// Loading CR3 flushes every non-global translation (PCIDs are off).
inline void write_cr3(uint64_t v) { __asm__ __volatile__("mov %0, %%cr3" : : "r"(v) : "memory"); }

// Drops the calling CPU's cached translations of the page holding `va`.
inline void invlpg(uint64_t va) {
  __asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r;
  __asm__ __volatile__("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

// Disables interrupts and returns the previous RFLAGS for
// restore_interrupts(): code that shares state with an interrupt handler of
// its own CPU brackets the access with the pair. The "memory" clobbers keep
// the compiler from moving that access outside the bracket.
inline uint64_t save_and_disable_interrupts() {
  uint64_t flags;
  __asm__ __volatile__("pushfq\n\tpopq %0\n\tcli" : "=r"(flags) : : "memory");
  return flags;
}

inline void restore_interrupts(uint64_t flags) {
  if (flags & kRflagsIf) __asm__ __volatile__("sti" ::: "memory");
}

[[noreturn]] inline void halt_forever() {
  for (;;) __asm__ __volatile__("cli; hlt" ::: "memory");
}

}  // namespace umach::amd64
