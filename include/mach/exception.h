/* mach/exception.h: exception types (the `exception` argument of
 * exception_raise) and the machine codes that refine them (`code`).
 *
 * EXC_BAD_ACCESS carries a kern_return_t code (KERN_INVALID_ADDRESS,
 * KERN_PROTECTION_FAILURE, ...) and the faulting address as subcode on every
 * target. The i386 codes are GNU Mach's; the riscv64 codes are umach's own,
 * since GNU Mach has no RISC-V port. Both sets are plain numbers and visible
 * on every target, so a debugger for one can name the other's. C and C++. */
#ifndef _MACH_EXCEPTION_H_
#define _MACH_EXCEPTION_H_

#define EXC_BAD_ACCESS 1      /* code: kern_return_t, subcode: address */
#define EXC_BAD_INSTRUCTION 2 /* illegal or undefined instruction */
#define EXC_ARITHMETIC 3      /* arithmetic fault */
#define EXC_EMULATION 4       /* emulation instruction */
#define EXC_SOFTWARE 5        /* software-generated */
#define EXC_BREAKPOINT 6      /* trace or breakpoint */

/* x86-64, EXC_BAD_INSTRUCTION: */
#define EXC_I386_INVOP 1 /* invalid opcode; also a trap number outside the table */

/* x86-64, EXC_ARITHMETIC: */
#define EXC_I386_DIV 1
#define EXC_I386_INTO 2
#define EXC_I386_NOEXT 3
#define EXC_I386_EXTOVR 4
#define EXC_I386_EXTERR 5
#define EXC_I386_EMERR 6
#define EXC_I386_BOUND 7

/* x86-64, EXC_BREAKPOINT: */
#define EXC_I386_SGL 1 /* single step */
#define EXC_I386_BPT 2 /* int3 */

/* x86-64 hardware vector numbers, as some codes report them. */
#define EXC_I386_DIVERR 0
#define EXC_I386_SGLSTP 1
#define EXC_I386_NMIFLT 2
#define EXC_I386_BPTFLT 3
#define EXC_I386_INTOFLT 4
#define EXC_I386_BOUNDFLT 5
#define EXC_I386_INVOPFLT 6
#define EXC_I386_NOEXTFLT 7
#define EXC_I386_DBLFLT 8
#define EXC_I386_EXTOVRFLT 9
#define EXC_I386_INVTSSFLT 10
#define EXC_I386_SEGNPFLT 11
#define EXC_I386_STKFLT 12
#define EXC_I386_GPFLT 13
#define EXC_I386_PGFLT 14
#define EXC_I386_EXTERRFLT 16
#define EXC_I386_ENOEXTFLT 32
#define EXC_I386_ENDPERR 33

/* RISC-V64 (umach), EXC_BAD_INSTRUCTION: */
#define EXC_RISCV64_ILLEGAL 1 /* illegal instruction; also a trap number outside the table */

/* RISC-V64 (umach), EXC_BAD_ACCESS codes besides the kern_return_t ones
 * (chosen above every KERN_* value); the subcode is the address. */
#define EXC_RISCV64_MISALIGNED 0x100 /* misaligned load/store the hardware refused */

/* RISC-V64 (umach), EXC_BREAKPOINT: */
#define EXC_RISCV64_BREAKPOINT 1 /* ebreak */
#define EXC_RISCV64_SINGLE_STEP 2 /* reserved for a future trace facility */

/* RISC-V64 (umach), EXC_ARITHMETIC: RISC-V integer division does not trap
 * and FP exceptions only set fcsr flags, so no codes are defined yet. */

#endif /* _MACH_EXCEPTION_H_ */
