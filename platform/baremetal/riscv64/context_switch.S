// platform/baremetal/riscv64/context_switch.S: switching kernel stacks.
//
// A switched-out context is its stack: the callee-saved registers (ra, s0-s11)
// sit in a SwitchFrame (context.cc) at the saved sp, and Backend::Context
// holds only that sp. Caller-saved registers need no saving, since every
// switch is a call; FP state does not exist (sstatus.FS is Off). tp is the
// hart's per-CPU pointer and gp is unused (no relaxation), so neither is
// touched. sstatus (and so the interrupt enable) also belongs to the hart:
// a resumed context runs with whatever the switcher had.
    .option norelax

#define FRAME_RA 0
#define FRAME_S(n) (8 + (n) * 8)
#define FRAME_SIZE 112                  // 13 registers, padded to keep sp 16-byte aligned

    .section .text.context, "ax", @progbits

// void riscv64_context_switch(uint64_t* from_sp, const uint64_t* to_sp)
// Stores before it loads, so from_sp == to_sp resumes the caller at once.
    .globl riscv64_context_switch
    .balign 4
riscv64_context_switch:
    addi sp, sp, -FRAME_SIZE
    sd ra, FRAME_RA(sp)
    sd s0, FRAME_S(0)(sp)
    sd s1, FRAME_S(1)(sp)
    sd s2, FRAME_S(2)(sp)
    sd s3, FRAME_S(3)(sp)
    sd s4, FRAME_S(4)(sp)
    sd s5, FRAME_S(5)(sp)
    sd s6, FRAME_S(6)(sp)
    sd s7, FRAME_S(7)(sp)
    sd s8, FRAME_S(8)(sp)
    sd s9, FRAME_S(9)(sp)
    sd s10, FRAME_S(10)(sp)
    sd s11, FRAME_S(11)(sp)
    sd sp, 0(a0)
    mv a0, a1
    // Falls through: resuming is the second half of a switch.

// void riscv64_context_resume(const uint64_t* to_sp): never returns to its caller.
    .globl riscv64_context_resume
riscv64_context_resume:
    ld sp, 0(a0)
    ld ra, FRAME_RA(sp)
    ld s0, FRAME_S(0)(sp)
    ld s1, FRAME_S(1)(sp)
    ld s2, FRAME_S(2)(sp)
    ld s3, FRAME_S(3)(sp)
    ld s4, FRAME_S(4)(sp)
    ld s5, FRAME_S(5)(sp)
    ld s6, FRAME_S(6)(sp)
    ld s7, FRAME_S(7)(sp)
    ld s8, FRAME_S(8)(sp)
    ld s9, FRAME_S(9)(sp)
    ld s10, FRAME_S(10)(sp)
    ld s11, FRAME_S(11)(sp)
    addi sp, sp, FRAME_SIZE
    ret

// The first resume of a context_init'ed frame "returns" here, with s0 =
// entry, s1 = arg and sp at the 16-byte aligned stack top. Zero s0 and ra so
// a frame-pointer walk or a debugger's backtrace ends at this frame.
    .globl riscv64_context_trampoline
    .balign 4
riscv64_context_trampoline:
    mv a0, s0
    mv a1, s1
    li s0, 0
    li ra, 0
    call riscv64_context_start      // entry(arg), then panic: never returns
    unimp
