// platform/baremetal/riscv64/user_entry.S: entering and leaving user mode.
//
// The path of one run_user(frame) (user.cc):
//   run_user (C++)        turns interrupts off, returns kPreempted at once if
//                         a tick is pending, points the hart's UserEntry at
//                         the frame and calls
//   riscv64_enter_user    pushes the kernel's callee-saved registers (ra,
//                         gp, s0-s11), records the kernel sp and tp in the
//                         UserEntry, loads the FP registers and fcsr, sets
//                         sstatus for U-mode (SPP 0, SPIE 1, FS Clean),
//                         sepc = pc, sscratch = the UserEntry, then every
//                         GPR from the frame, and srets. Interrupts stay off
//                         from run_user's check to the sret, so no tick is
//                         lost in between; in U-mode they are always taken.
//   user code             ... until any trap (ecall, a fault, the timer).
//   riscv64_trap_entry    (trap_entry.S) swaps tp with sscratch; a nonzero
//                         sscratch means the trap came from U-mode, and tp
//                         is now the UserEntry: it jumps here, to
//   riscv64_user_trap_entry  which stores every GPR (tp from sscratch, t0
//                         through the spill slot) and sepc into the frame,
//                         zeroes sscratch (the kernel's mark), records
//                         scause and stval, saves the FP registers if user
//                         code dirtied them (sstatus.FS Dirty; otherwise the
//                         frame still holds what was loaded), turns FS Off,
//                         loads the kernel sp and tp and pops the
//                         callee-saved registers: riscv64_enter_user returns
//                         to run_user, on the stack it was called on, with
//                         interrupts off.
// The kernel is built for rv64imac with FS Off (cmake/toolchain-riscv64.cmake),
// so FP instructions appear only here, between turning FS on and off; this
// file is assembled with D (CMakeLists.txt). satp is the caller's business:
// the task's pmap is loaded (pmap_activate) before run_user.
    .option norelax

#include "platform/baremetal/riscv64/user_frame.h"

#define SSTATUS_SPP (1 << 8)
#define SSTATUS_SPIE (1 << 5)
#define SSTATUS_FS (3 << 13)
#define SSTATUS_FS_CLEAN (2 << 13)

#define KFRAME_SIZE 112              // ra, gp, s0-s11: 14 registers, 16-aligned
#define KFRAME_RA 0
#define KFRAME_GP 8
#define KFRAME_S(n) (16 + (n) * 8)

    .section .text.trap, "ax", @progbits

// void riscv64_enter_user(UserEntry* ue): a0 = ue, interrupts off.
    .globl riscv64_enter_user
    .balign 4
riscv64_enter_user:
    addi sp, sp, -KFRAME_SIZE
    sd ra, KFRAME_RA(sp)
    sd gp, KFRAME_GP(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd s\n, KFRAME_S(\n)(sp)
    .endr
    sd sp, UMACH_RV_UE_KERNEL_SP(a0)
    sd tp, UMACH_RV_UE_KERNEL_TP(a0)
    ld t0, UMACH_RV_UE_FRAME(a0)

    li t1, SSTATUS_FS
    csrs sstatus, t1                 // FS Dirty: the FP registers may be loaded
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld f\n, UMACH_RV_UF_F(\n)(t0)
    .endr
    ld t2, UMACH_RV_UF_FCSR(t0)
    fscsr t2
    // sret goes to U-mode (SPP 0) with interrupts on there (SPIE 1); the user
    // starts with FS Clean, so a trap can tell whether it wrote FP state.
    li t2, SSTATUS_SPP
    or t1, t1, t2
    csrc sstatus, t1
    li t1, SSTATUS_SPIE | SSTATUS_FS_CLEAN
    csrs sstatus, t1
    ld t1, UMACH_RV_UF_PC(t0)
    csrw sepc, t1
    csrw sscratch, a0                // from here a trap is a trap from U-mode

    ld x1, UMACH_RV_UF_X(1)(t0)
    .irp n, 2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, UMACH_RV_UF_X(\n)(t0)
    .endr
    ld t0, UMACH_RV_UF_X(5)(t0)
    sret

// From trap_entry.S, a trap taken in U-mode: tp = the UserEntry, sscratch =
// the user's tp, every other register the user's.
    .globl riscv64_user_trap_entry
    .balign 4
riscv64_user_trap_entry:
    sd t0, UMACH_RV_UE_SCRATCH(tp)
    ld t0, UMACH_RV_UE_FRAME(tp)
    .irp n, 1,2,3,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, UMACH_RV_UF_X(\n)(t0)
    .endr
    ld t1, UMACH_RV_UE_SCRATCH(tp)
    sd t1, UMACH_RV_UF_X(5)(t0)
    csrr t1, sscratch
    sd t1, UMACH_RV_UF_X(4)(t0)
    csrw sscratch, zero              // back to the kernel's mark
    csrr t1, sepc
    sd t1, UMACH_RV_UF_PC(t0)
    csrr t1, scause
    sd t1, UMACH_RV_UE_SCAUSE(tp)
    csrr t1, stval
    sd t1, UMACH_RV_UE_STVAL(tp)

    // FS is what user code left: Dirty (both bits) if it wrote any FP
    // register or fcsr since the sret.
    li t2, SSTATUS_FS
    csrr t1, sstatus
    and t1, t1, t2
    bne t1, t2, 1f
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\n, UMACH_RV_UF_F(\n)(t0)
    .endr
    frcsr t1
    sd t1, UMACH_RV_UF_FCSR(t0)
1:  csrc sstatus, t2                 // FS Off: the kernel has no FP

    ld sp, UMACH_RV_UE_KERNEL_SP(tp)
    ld tp, UMACH_RV_UE_KERNEL_TP(tp)
    ld ra, KFRAME_RA(sp)
    ld gp, KFRAME_GP(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld s\n, KFRAME_S(\n)(sp)
    .endr
    addi sp, sp, KFRAME_SIZE
    ret
