// platform/baremetal/riscv64/user_selftests_code.S: the user programs of
// user_selftests.cc.
//
// Never run in place: each program is data (.rodata) that a test copies
// into a user code page, so it must be position independent (relative
// branches only) and reach memory only through registers the test sets.
// Labels inside a program mark the pcs a test expects. Assembled as
// rv64gc (CMakeLists.txt), the ISA task programs use.
    .option norelax

#define PROGRAM(name) .globl name; .balign 4; name:
#define LABEL(name) .globl name; name:

    .section .rodata.riscv64_user_programs, "a", @progbits

// Seven register arguments and one on the stack, trap 25; then trap 26
// with a1 = what the first returned in a0.
PROGRAM(riscv64_user_trap_call)
    li a0, 0x1010101010101010
    li a1, 0x2121212121212121
    li a2, 0x3232323232323232
    li a3, 0x4343434343434343
    li a4, 0x5454545454545454
    li a5, 0x6565656565656565
    li a6, 0x7676767676767676
    li t0, 0x8787878787878787
    sd t0, 0(sp)
    li a7, -25
    ecall
LABEL(riscv64_user_trap_call_resumed)
    mv a1, a0
    li a7, -26
    ecall
    unimp
LABEL(riscv64_user_trap_call_end)

// a1 = the doubleword at a0, then trap 1.
PROGRAM(riscv64_user_load)
    ld a1, 0(a0)
    li a7, -1
    ecall
    unimp
LABEL(riscv64_user_load_end)

// The doubleword at a0 = a1, then trap 1.
PROGRAM(riscv64_user_store)
    sd a1, 0(a0)
    li a7, -1
    ecall
    unimp
LABEL(riscv64_user_store_end)

// A jump to a0.
PROGRAM(riscv64_user_jump)
    jr a0
LABEL(riscv64_user_jump_end)

// A supervisor CSR read (illegal in U-mode), then trap 1.
PROGRAM(riscv64_user_illegal)
LABEL(riscv64_user_illegal_at)
    csrr a0, sstatus
    li a7, -1
    ecall
    unimp
LABEL(riscv64_user_illegal_end)

// An ebreak, a c.ebreak, then trap 1.
PROGRAM(riscv64_user_breakpoints)
    .option push
    .option norvc
    ebreak
    .option pop
LABEL(riscv64_user_breakpoints_second)
    c.ebreak
LABEL(riscv64_user_breakpoints_after)
    li a7, -1
    ecall
    unimp
LABEL(riscv64_user_breakpoints_end)

// A misaligned atomic at a0 (the hart refuses those), then trap 1.
PROGRAM(riscv64_user_misaligned)
    amoadd.d a1, a1, (a0)
    li a7, -1
    ecall
    unimp
LABEL(riscv64_user_misaligned_end)

// Counts in s11 forever and copies the count into f31 (so the FP state is
// dirty); every other register keeps what the test gave it.
PROGRAM(riscv64_user_spin)
1:  addi s11, s11, 1
    fmv.d.x f31, s11
    j 1b
LABEL(riscv64_user_spin_end)

// The same, with a trap call (a7 as the test set it) after each count.
PROGRAM(riscv64_user_spin_trap)
1:  addi s11, s11, 1
    fmv.d.x f31, s11
    ecall
LABEL(riscv64_user_spin_trap_resumed)
    j 1b
LABEL(riscv64_user_spin_trap_end)
