// platform/baremetal/riscv64/user_frame.h: the saved user state of a Mach
// thread on riscv64 (Backend::UserFrame) and the per-hart slots of the
// user-mode entry (Backend::CpuMachine::user).
//
// user_entry.S reads and writes both through the offsets below, so this
// header is included by the assembly too (the C++ half is hidden from it);
// user.cc checks every offset against the real layout.
//
// UserFrame, 528 bytes:
//   x[0..31]   at 8 * n   the integer registers; x[0] is never loaded and
//                         reads 0 (frame_sanitise clears it); tp (x4) and
//                         gp (x3) are the user's, like every other one
//   pc         at 256     where user code resumes (sepc)
//   f[0..31]   at 264     the FP registers, as raw 64-bit images (task
//                         programs are rv64gc lp64d)
//   fcsr       at 520     frm and fflags; the bits above 7 are always 0
// UserEntry, the hart's slots (sscratch points at them while the hart runs
// user code, and is 0 in the kernel):
//   frame      the frame run_user is running
//   kernel_sp  run_user's kernel stack, with the kernel's callee-saved
//              registers on top (user_entry.S)
//   kernel_tp  the kernel's tp (the Cpu pointer), given back on a trap
//   scratch    the trap entry's spill slot (the user's t0)
//   scause     why user code trapped, and stval with it: read by run_user
//   stval
#pragma once

#define UMACH_RV_UF_X(n) ((n) * 8)
#define UMACH_RV_UF_PC 256
#define UMACH_RV_UF_F(n) (264 + (n) * 8)
#define UMACH_RV_UF_FCSR 520
#define UMACH_RV_UF_SIZE 528

#define UMACH_RV_UE_FRAME 0
#define UMACH_RV_UE_KERNEL_SP 8
#define UMACH_RV_UE_KERNEL_TP 16
#define UMACH_RV_UE_SCRATCH 24
#define UMACH_RV_UE_SCAUSE 32
#define UMACH_RV_UE_STVAL 40

#ifndef __ASSEMBLER__

#include <stdint.h>

namespace umach::riscv64 {

struct UserFrame {
  uint64_t x[32] = {};
  uint64_t pc = 0;
  uint64_t f[32] = {};
  uint64_t fcsr = 0;
};

struct UserEntry {
  UserFrame* frame = nullptr;
  uint64_t kernel_sp = 0;
  uint64_t kernel_tp = 0;
  uint64_t scratch = 0;
  uint64_t scause = 0;
  uint64_t stval = 0;
};

}  // namespace umach::riscv64

#endif  // __ASSEMBLER__
