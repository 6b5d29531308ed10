// platform/baremetal/riscv64/trap_entry.S: the supervisor trap vector.
//
// Every trap taken in S-mode lands here (stvec, direct mode). The entry
// saves the whole register file and the trap CSRs in a TrapFrame (trap.h)
// on the interrupted stack, hands it to riscv64_trap (trap.cc) and, if that
// returns, resumes from the frame: sepc and the registers as the handler
// left them. The whole file, caller-saved registers included, because an
// interrupt (the timer) lands between any two instructions of kernel code.
// The hart clears sstatus.SIE on entry (keeping the old value in SPIE), so
// handlers run with interrupts off; restoring sstatus and sret bring SIE
// back. Anything below the interrupted sp is free by the ABI, so borrowing
// it is safe even mid-prologue or inside context_switch.S. tp is saved and
// restored like any register, so the kernel's per-CPU pointer survives
// every trap.
//
// sscratch tells the two origins apart (the Linux convention): it is 0
// while the hart runs the kernel, and the hart's UserEntry (user_frame.h)
// while it runs user code, whose tp and sp are the user's. The entry swaps
// tp with sscratch first: nonzero means a trap from U-mode, handled by
// user_entry.S on the kernel stack run_user left; zero means a trap from
// the kernel, and a second swap puts the kernel's tp back and sscratch to 0.
    .option norelax

#define XREG(n) ((n) * 8)
#define FRAME_SEPC (32 * 8)
#define FRAME_SSTATUS (33 * 8)
#define FRAME_SCAUSE (34 * 8)
#define FRAME_STVAL (35 * 8)
#define FRAME_SIZE (36 * 8)          // a multiple of 16: sp stays ABI aligned

    .section .text.trap, "ax", @progbits
    .globl riscv64_trap_entry
    .balign 4
riscv64_trap_entry:
    csrrw tp, sscratch, tp
    bnez tp, 1f
    csrrw tp, sscratch, zero         // from the kernel: tp back, sscratch 0 again
    addi sp, sp, -FRAME_SIZE
    sd x1, XREG(1)(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, XREG(\n)(sp)
    .endr
    addi t0, sp, FRAME_SIZE          // the interrupted sp, for the report
    sd t0, XREG(2)(sp)
    csrr t0, sepc
    sd t0, FRAME_SEPC(sp)
    csrr t0, sstatus
    sd t0, FRAME_SSTATUS(sp)
    csrr t0, scause
    sd t0, FRAME_SCAUSE(sp)
    csrr t0, stval
    sd t0, FRAME_STVAL(sp)

    mv a0, sp
    call riscv64_trap

    ld t0, FRAME_SEPC(sp)
    csrw sepc, t0
    ld t0, FRAME_SSTATUS(sp)
    csrw sstatus, t0
    ld x1, XREG(1)(sp)
    .irp n, 3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, XREG(\n)(sp)
    .endr
    addi sp, sp, FRAME_SIZE
    sret

1:  j riscv64_user_trap_entry        // from U-mode (user_entry.S)
