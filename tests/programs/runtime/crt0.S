/* tests/programs/runtime/crt0.S: a task program's entry.
 * The loader starts the first thread at _start with rdi = argc,
 * rsi = argv, rdx = the commpage base, and rsp 16-aligned at argc
 * (platform/hosted/memory/loader.h). */
  .text
  .globl _start
  .type _start, @function
_start:
  xor %ebp, %ebp                     /* the outermost frame, for debuggers */
  mov %rdx, umach_commpage(%rip)
  and $-16, %rsp
  call main
  mov %eax, %edi
  call umach_exit
  ud2
  .size _start, . - _start
  .section .note.GNU-stack, "", @progbits
