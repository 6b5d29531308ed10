/* lib/libmach/traps_riscv64.S: the trap stubs of ABI.md's table, RISC-V64.
 *
 * ecall with a7 = -N and the arguments in a0-a6; the result comes back in
 * a0. The standard calling convention passes an 8th argument in a7 and the
 * 9th and later ones at 0(sp), 8(sp), ... of the caller, but a7 carries the
 * trap number and the kernel reads arguments past the seventh from the user
 * stack at 0(sp) (ABI.md): a stub with more than seven arguments makes a
 * frame holding the 8th, 9th, ... in order at 0(sp) for the ecall. Only
 * syscall_vm_map (11 arguments) needs it. Prototypes: <mach/mach_traps.h>. */

#define TRAP(name, number)            \
  .globl name;                        \
  .type name, @function;              \
  .p2align 2;                         \
name:                                 \
  li a7, -(number);                   \
  ecall;                              \
  ret;                                \
  .size name, . - name

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

/* syscall_vm_map(task, address, size, mask, anywhere, memory_object,
 * offset, copy, cur_protection, max_protection, inheritance): the 8th
 * (copy) arrives in a7, the 9th-11th at 0/8/16(sp); the kernel wants the
 * 8th-11th at 0/8/16/24(sp). A 32-byte frame keeps sp 16-aligned. */
  .globl syscall_vm_map
  .type syscall_vm_map, @function
  .p2align 2
syscall_vm_map:
  addi sp, sp, -32
  sd a7, 0(sp)
  ld t0, 32(sp)
  sd t0, 8(sp)
  ld t0, 40(sp)
  sd t0, 16(sp)
  ld t0, 48(sp)
  sd t0, 24(sp)
  li a7, -64
  ecall
  addi sp, sp, 32
  ret
  .size syscall_vm_map, . - syscall_vm_map

  .section .note.GNU-stack, "", @progbits
