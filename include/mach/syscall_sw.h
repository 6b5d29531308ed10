/* mach/syscall_sw.h: the Mach trap numbers (shared/ABI.md), for the kernel's
 * trap table and libmach's stubs alike.
 *
 * MACH_TRAP_<name> is the positive number N of the table; the trap is
 * entered with -N (x86-64: in rax before `syscall`; RISC-V64: in a7 before
 * `ecall`). MACH_TRAP_ARGS_<name> is its argument count. MACH_TRAP_LIST(X)
 * expands X(name, N, nargs) once per trap, in number order. A includer that
 * defines kernel_trap(name, number, nargs) before including this file gets
 * GNU Mach's form, one kernel_trap(name, -N, nargs) per trap.
 *
 * Numbers inside the table without a trap answer KERN_INVALID_ARGUMENT,
 * except 10-13, 55 and 56 (old self-port traps), which answer MACH_PORT_NULL;
 * numbers above MACH_TRAP_LAST (or a positive register value) raise
 * EXC_BAD_INSTRUCTION. Plain #defines: usable from C, C++ and assembly. */
#ifndef _MACH_SYSCALL_SW_H_
#define _MACH_SYSCALL_SW_H_

#define MACH_TRAP_mach_msg_trap 25
#define MACH_TRAP_mach_reply_port 26
#define MACH_TRAP_mach_thread_self 27
#define MACH_TRAP_mach_task_self 28
#define MACH_TRAP_mach_host_self 29
#define MACH_TRAP_mach_print 30
#define MACH_TRAP_swtch_pri 59
#define MACH_TRAP_swtch 60
#define MACH_TRAP_thread_switch 61
#define MACH_TRAP_syscall_vm_map 64
#define MACH_TRAP_syscall_vm_allocate 65
#define MACH_TRAP_syscall_vm_deallocate 66
#define MACH_TRAP_syscall_task_create 68
#define MACH_TRAP_syscall_task_terminate 69
#define MACH_TRAP_syscall_task_suspend 70
#define MACH_TRAP_syscall_task_set_special_port 71
#define MACH_TRAP_syscall_mach_port_allocate 72
#define MACH_TRAP_syscall_mach_port_deallocate 73
#define MACH_TRAP_syscall_mach_port_insert_right 74
#define MACH_TRAP_syscall_mach_port_allocate_name 75
#define MACH_TRAP_syscall_thread_depress_abort 76
#define MACH_TRAP_thread_set_self_state 77

/* The highest number in the table; anything above is not a trap. */
#define MACH_TRAP_LAST 77

#define MACH_TRAP_ARGS_mach_msg_trap 7
#define MACH_TRAP_ARGS_mach_reply_port 0
#define MACH_TRAP_ARGS_mach_thread_self 0
#define MACH_TRAP_ARGS_mach_task_self 0
#define MACH_TRAP_ARGS_mach_host_self 0
#define MACH_TRAP_ARGS_mach_print 1
#define MACH_TRAP_ARGS_swtch_pri 1
#define MACH_TRAP_ARGS_swtch 0
#define MACH_TRAP_ARGS_thread_switch 3
#define MACH_TRAP_ARGS_syscall_vm_map 11
#define MACH_TRAP_ARGS_syscall_vm_allocate 4
#define MACH_TRAP_ARGS_syscall_vm_deallocate 3
#define MACH_TRAP_ARGS_syscall_task_create 3
#define MACH_TRAP_ARGS_syscall_task_terminate 1
#define MACH_TRAP_ARGS_syscall_task_suspend 1
#define MACH_TRAP_ARGS_syscall_task_set_special_port 3
#define MACH_TRAP_ARGS_syscall_mach_port_allocate 3
#define MACH_TRAP_ARGS_syscall_mach_port_deallocate 2
#define MACH_TRAP_ARGS_syscall_mach_port_insert_right 4
#define MACH_TRAP_ARGS_syscall_mach_port_allocate_name 3
#define MACH_TRAP_ARGS_syscall_thread_depress_abort 1
#define MACH_TRAP_ARGS_thread_set_self_state 3

#define MACH_TRAP_LIST(X)                                                                    \
  X(mach_msg_trap, MACH_TRAP_mach_msg_trap, MACH_TRAP_ARGS_mach_msg_trap)                    \
  X(mach_reply_port, MACH_TRAP_mach_reply_port, MACH_TRAP_ARGS_mach_reply_port)              \
  X(mach_thread_self, MACH_TRAP_mach_thread_self, MACH_TRAP_ARGS_mach_thread_self)           \
  X(mach_task_self, MACH_TRAP_mach_task_self, MACH_TRAP_ARGS_mach_task_self)                 \
  X(mach_host_self, MACH_TRAP_mach_host_self, MACH_TRAP_ARGS_mach_host_self)                 \
  X(mach_print, MACH_TRAP_mach_print, MACH_TRAP_ARGS_mach_print)                             \
  X(swtch_pri, MACH_TRAP_swtch_pri, MACH_TRAP_ARGS_swtch_pri)                                \
  X(swtch, MACH_TRAP_swtch, MACH_TRAP_ARGS_swtch)                                            \
  X(thread_switch, MACH_TRAP_thread_switch, MACH_TRAP_ARGS_thread_switch)                    \
  X(syscall_vm_map, MACH_TRAP_syscall_vm_map, MACH_TRAP_ARGS_syscall_vm_map)                 \
  X(syscall_vm_allocate, MACH_TRAP_syscall_vm_allocate, MACH_TRAP_ARGS_syscall_vm_allocate)  \
  X(syscall_vm_deallocate, MACH_TRAP_syscall_vm_deallocate,                                  \
    MACH_TRAP_ARGS_syscall_vm_deallocate)                                                    \
  X(syscall_task_create, MACH_TRAP_syscall_task_create, MACH_TRAP_ARGS_syscall_task_create)  \
  X(syscall_task_terminate, MACH_TRAP_syscall_task_terminate,                                \
    MACH_TRAP_ARGS_syscall_task_terminate)                                                   \
  X(syscall_task_suspend, MACH_TRAP_syscall_task_suspend,                                    \
    MACH_TRAP_ARGS_syscall_task_suspend)                                                     \
  X(syscall_task_set_special_port, MACH_TRAP_syscall_task_set_special_port,                  \
    MACH_TRAP_ARGS_syscall_task_set_special_port)                                            \
  X(syscall_mach_port_allocate, MACH_TRAP_syscall_mach_port_allocate,                        \
    MACH_TRAP_ARGS_syscall_mach_port_allocate)                                               \
  X(syscall_mach_port_deallocate, MACH_TRAP_syscall_mach_port_deallocate,                    \
    MACH_TRAP_ARGS_syscall_mach_port_deallocate)                                             \
  X(syscall_mach_port_insert_right, MACH_TRAP_syscall_mach_port_insert_right,                \
    MACH_TRAP_ARGS_syscall_mach_port_insert_right)                                           \
  X(syscall_mach_port_allocate_name, MACH_TRAP_syscall_mach_port_allocate_name,              \
    MACH_TRAP_ARGS_syscall_mach_port_allocate_name)                                          \
  X(syscall_thread_depress_abort, MACH_TRAP_syscall_thread_depress_abort,                    \
    MACH_TRAP_ARGS_syscall_thread_depress_abort)                                             \
  X(thread_set_self_state, MACH_TRAP_thread_set_self_state,                                  \
    MACH_TRAP_ARGS_thread_set_self_state)

#ifdef kernel_trap
#define _MACH_SYSCALL_SW_GNU_(name, number, nargs) kernel_trap(name, -number, nargs)
MACH_TRAP_LIST(_MACH_SYSCALL_SW_GNU_)
#undef _MACH_SYSCALL_SW_GNU_
#endif

#endif /* _MACH_SYSCALL_SW_H_ */
