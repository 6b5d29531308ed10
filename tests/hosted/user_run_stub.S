/* tests/hosted/user_run_stub.S: runs a loaded task program on the calling
 * host thread, for the loader's tests, without the kernel's trap path
 * (platform/hosted/user): umach_test_run_user() jumps to the program with
 * the loader's registers; the commpage's entries jump to
 * umach_test_trap_stub, which answers mach_print (records the string),
 * mach_task_self (0x103) and syscall_task_terminate (returns from
 * umach_test_run_user), and KERN_INVALID_ARGUMENT to anything else.
 * No C code runs on the task's stack, so no sanitizer sees it. */
  .text
  .globl umach_test_run_user
  .type umach_test_run_user, @function
/* void umach_test_run_user(pc, sp, argc, argv, commpage) */
umach_test_run_user:
  push %rbp
  push %rbx
  push %r12
  push %r13
  push %r14
  push %r15
  mov %rsp, umach_test_saved_rsp(%rip)
  mov %rdi, %rax
  mov %rsi, %rsp
  mov %rdx, %rdi
  mov %rcx, %rsi
  mov %r8, %rdx
  jmp *%rax
  .size umach_test_run_user, . - umach_test_run_user

  .globl umach_test_trap_stub
  .type umach_test_trap_stub, @function
umach_test_trap_stub:
  cmp $-30, %eax
  je 1f
  cmp $-28, %eax
  je 2f
  cmp $-69, %eax
  je 3f
  mov $4, %eax
  ret
1:
  mov umach_test_print_count(%rip), %rax
  cmp $16, %rax
  jae 9f
  lea umach_test_prints(%rip), %r11
  mov %rdi, (%r11,%rax,8)
  inc %rax
  mov %rax, umach_test_print_count(%rip)
9:
  xor %eax, %eax
  ret
2:
  mov $0x103, %eax
  ret
3:
  mov %rdi, umach_test_exit_port(%rip)
  mov umach_test_saved_rsp(%rip), %rsp
  pop %r15
  pop %r14
  pop %r13
  pop %r12
  pop %rbx
  pop %rbp
  ret
  .size umach_test_trap_stub, . - umach_test_trap_stub

  .bss
  .align 8
  .globl umach_test_prints, umach_test_print_count, umach_test_exit_port
umach_test_saved_rsp: .quad 0
umach_test_prints: .zero 16 * 8
umach_test_print_count: .quad 0
umach_test_exit_port: .quad 0
  .section .note.GNU-stack, "", @progbits
