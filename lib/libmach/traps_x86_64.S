/* lib/libmach/traps_x86_64.S: the trap stubs of ABI.md's table, x86-64.
 *
 * Each stub tail-jumps to the commpage entry of its trap
 * (umach_commpage + N * 16; lib/libmach/include/umach/task_runtime.h), which
 * moves rcx to r10 and puts -N in eax before entering the kernel. A jump, not
 * a call: the caller's return address stays at 0(%rsp) and a 7th argument at
 * 8(%rsp), where the kernel reads it (ABI.md), and the commpage returns
 * straight to the caller. Only rax, which the trap clobbers anyway, is used.
 * Prototypes: <mach/mach_traps.h>. */

#define TRAP(name, number)            \
  .globl name;                        \
  .type name, @function;              \
  .p2align 4;                         \
name:                                 \
  mov umach_commpage(%rip), %rax;     \
  add $((number) * 16), %rax;         \
  jmp *%rax;                          \
  .size name, . - name

/* A second name for a stub (GNU's __name / name pairs). */
#define ALIAS(alias, name)            \
  .globl alias;                       \
  .type alias, @function;             \
  .set alias, name

  .text
TRAP(umach_null_trap, 1)
TRAP(mach_msg_trap, 25)
ALIAS(__mach_msg_trap, mach_msg_trap)
TRAP(mach_reply_port, 26)
ALIAS(__mach_reply_port, mach_reply_port)
TRAP(mach_thread_self, 27)
ALIAS(__mach_thread_self, mach_thread_self)
TRAP(mach_task_self, 28)
ALIAS(__mach_task_self, mach_task_self)
TRAP(mach_host_self, 29)
ALIAS(__mach_host_self, mach_host_self)
TRAP(mach_print, 30)
TRAP(swtch_pri, 59)
ALIAS(__swtch_pri, swtch_pri)
TRAP(swtch, 60)
ALIAS(__swtch, swtch)
TRAP(thread_switch, 61)
ALIAS(__thread_switch, thread_switch)
TRAP(syscall_vm_map, 64)
TRAP(syscall_vm_allocate, 65)
TRAP(syscall_vm_deallocate, 66)
TRAP(syscall_task_create, 68)
TRAP(syscall_task_terminate, 69)
TRAP(syscall_task_suspend, 70)
TRAP(syscall_task_set_special_port, 71)
TRAP(syscall_mach_port_allocate, 72)
TRAP(syscall_mach_port_deallocate, 73)
TRAP(syscall_mach_port_insert_right, 74)
TRAP(syscall_mach_port_allocate_name, 75)
TRAP(syscall_thread_depress_abort, 76)
TRAP(thread_set_self_state, 77)

  .section .note.GNU-stack, "", @progbits
