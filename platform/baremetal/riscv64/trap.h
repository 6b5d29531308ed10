// platform/baremetal/riscv64/trap.h: the supervisor trap frame and handler.
//
// trap_entry.S builds a TrapFrame on the interrupted stack; its layout is
// fixed by the offsets there (x[n] at n * 8, then the four CSRs).
#pragma once

#include <stdint.h>

namespace umach::riscv64 {

struct TrapFrame {
  uint64_t x[32];  // x[0] unused (zero); x[2] is the interrupted sp
  uint64_t sepc;
  uint64_t sstatus;
  uint64_t scause;
  uint64_t stval;
};
static_assert(sizeof(TrapFrame) == 36 * 8, "must match trap_entry.S");
static_assert(sizeof(TrapFrame) % 16 == 0, "the trap entry keeps sp 16-byte aligned");

// How many breakpoints (ebreak) the kernel has stepped over since boot.
uint64_t breakpoints_taken();

}  // namespace umach::riscv64

// Called by trap_entry.S. Returns to resume at frame->sepc.
extern "C" void riscv64_trap(umach::riscv64::TrapFrame* frame);
