/* lib/libc/crt0_riscv64.S: a task program's entry, RISC-V64.
 * The contract of the loader (core/task/program/loader.h), as x86-64's: the
 * first thread starts at _start with a0 = argc, a1 = argv, a2 = the commpage
 * base, sp 16-aligned and pointing at argc, SysV style: argc, argv[0..argc-1],
 * NULL, envp NULL, auxv (AT_PAGESZ, AT_NULL), then the strings. ra and
 * s0 (fp) are zeroed here so debuggers see the outermost frame. gp is not
 * used: task programs are linked without relaxation (-mno-relax). */
  .text
  .globl _start
  .type _start, @function
_start:
  li ra, 0
  li s0, 0
  andi sp, sp, -16
  call umach_libc_start              /* a0-a2 are its arguments; never returns */
  unimp
  .size _start, . - _start
  .section .note.GNU-stack, "", @progbits
