// platform/baremetal/amd64/x86.h: the privileged x86-64 instructions the
// amd64 backend uses (port I/O, MSRs, TSC, control registers), as inline
// functions so the rest of the backend reads as C++. Backend-internal: the
// core never includes it.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Model-specific registers the backend writes.
inline constexpr uint32_t kMsrGsBase = 0xC0000101;  // IA32_GS_BASE: the per-CPU pointer

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

[[noreturn]] inline void halt_forever() {
  for (;;) __asm__ __volatile__("cli; hlt" ::: "memory");
}

}  // namespace umach::amd64
