/* lib/libc/crt0_x86_64.S: a task program's entry, x86-64.
 * The loader starts the first thread at _start with rdi = argc, rsi = argv,
 * rdx = the commpage base, and rsp 16-aligned at argc
 * (core/task/program/loader.h): exactly umach_libc_start's arguments. */
  .text
  .globl _start
  .type _start, @function
_start:
  xor %ebp, %ebp                     /* the outermost frame, for debuggers */
  and $-16, %rsp
  call umach_libc_start              /* never returns */
  ud2
  .size _start, . - _start
  .section .note.GNU-stack, "", @progbits
