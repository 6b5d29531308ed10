// platform/baremetal/amd64/trap.h: exceptions on amd64 (the IDT and the
// C++ side of trap_entry.S).
//
// In ring 0 every exception is fatal and reported on the console, except
// the breakpoint (#BP, int3), which is recorded and resumed so a self-test
// can prove the whole path (stub, frame, handler, iretq) end to end. Vectors
// from 32 up are interrupts, handed to interrupt.h's handler. Traps from
// ring 3 (user code) are user mode's (user.cc): the same stubs and
// TrapFrame, another exit.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// The stack as trap_entry.S leaves it, lowest address first: the registers
// amd64_trap_common pushes (last pushed first), the stub's vector and error
// code, then the CPU's own frame. Its layout is the push order there.
struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // zero for vectors without one
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8, "TrapFrame must match trap_entry.S");

inline constexpr unsigned kVectorDivide = 0;
inline constexpr unsigned kVectorDebug = 1;
inline constexpr unsigned kVectorNmi = 2;
inline constexpr unsigned kVectorBreakpoint = 3;
inline constexpr unsigned kVectorInvalidOpcode = 6;
inline constexpr unsigned kVectorDeviceNotAvailable = 7;
inline constexpr unsigned kVectorDoubleFault = 8;
inline constexpr unsigned kVectorSegmentNotPresent = 11;
inline constexpr unsigned kVectorStackFault = 12;
inline constexpr unsigned kVectorGeneralProtection = 13;
inline constexpr unsigned kVectorPageFault = 14;
inline constexpr unsigned kVectorX87 = 16;
inline constexpr unsigned kVectorAlignmentCheck = 17;
inline constexpr unsigned kVectorMachineCheck = 18;
inline constexpr unsigned kVectorSimd = 19;
inline constexpr unsigned kExceptionVectors = 32;
inline constexpr unsigned kIdtVectors = 256;

// Loads an IDT whose 256 gates lead to trap_entry.S's stubs.
void idt_init();

// Reports the trap on the console and panics.
[[noreturn]] void fatal_trap(const TrapFrame& f);

// Breakpoints taken since boot, and a copy of the last one's frame, for the
// self-test. Written by the trap handler on the trapping CPU.
uint64_t breakpoint_count();
TrapFrame last_breakpoint_frame();

}  // namespace umach::amd64
