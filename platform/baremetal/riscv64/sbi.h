// platform/baremetal/riscv64/sbi.h: calls into the SBI firmware (OpenSBI).
//
// The SBI calling convention: a7 = extension id, a6 = function id, a0..a5
// arguments; the firmware returns an error in a0 and a value in a1. Legacy
// extensions (ids below 0x10) take no function id and return only a0.
#pragma once

#include <stdint.h>

namespace umach::riscv64::sbi {

struct Result {
  long error;  // 0 = success; negative SBI_ERR_* codes
  long value;
};

inline Result call(uint64_t extension, uint64_t function, uint64_t arg0 = 0, uint64_t arg1 = 0) {
  register uint64_t a0 __asm__("a0") = arg0;
  register uint64_t a1 __asm__("a1") = arg1;
  register uint64_t a6 __asm__("a6") = function;
  register uint64_t a7 __asm__("a7") = extension;
  __asm__ __volatile__("ecall" : "+r"(a0), "+r"(a1) : "r"(a6), "r"(a7) : "memory");
  return {static_cast<long>(a0), static_cast<long>(a1)};
}

// Base extension: probe_extension(eid) returns a nonzero value in `value`
// when the firmware implements extension `eid`.
inline constexpr uint64_t kBase = 0x10;
inline constexpr uint64_t kBaseProbeExtension = 3;

// Timer extension ("TIME", SBI 0.2): set_timer(absolute `time` value). It
// clears the pending supervisor timer interrupt when the value is in the
// future; all ones means "never".
inline constexpr uint64_t kTime = 0x54494D45;
inline constexpr uint64_t kTimeSetTimer = 0;
// Legacy extension 0x00: set_timer, for firmware older than SBI 0.2.
inline constexpr uint64_t kLegacySetTimer = 0x00;

// System Reset extension ("SRST"): reset types and reasons.
inline constexpr uint64_t kSystemReset = 0x53525354;
inline constexpr uint64_t kResetShutdown = 0;
inline constexpr uint64_t kReasonNone = 0;
inline constexpr uint64_t kReasonSystemFailure = 1;

// Legacy extension 0x08: shutdown, for firmware older than SBI 0.3.
inline constexpr uint64_t kLegacyShutdown = 0x08;

}  // namespace umach::riscv64::sbi
