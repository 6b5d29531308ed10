/* tests/programs/runtime/umach_task.h: the minimal runtime of the first
 * task programs, until libmach lands: the commpage base crt0 stores, and
 * trap stubs that call the commpage's entries (platform/hosted/memory/
 * commpage.h: entry N at commpage + N * 16, called like a function). */
#pragma once

#include <stdint.h>

#define UMACH_COMMPAGE_ENTRY_SIZE 16

typedef unsigned int mach_port_t;
typedef int kern_return_t;

extern uintptr_t umach_commpage; /* set by crt0 from rdx */

/* Trap 30: prints a NUL-terminated string on the kernel console. */
kern_return_t mach_print(const char* s);
/* Trap 28: the task's own port name. */
mach_port_t mach_task_self(void);
/* Trap 69: syscall_task_terminate. */
kern_return_t syscall_task_terminate(mach_port_t task);
/* Trap 1, an empty slot of the trap table: the kernel answers
 * KERN_INVALID_ARGUMENT and does nothing else (a null trap, for timing). */
kern_return_t umach_null_trap(void);
/* Ends the task: task_terminate(mach_task_self()); never returns. */
_Noreturn void umach_exit(int status);
