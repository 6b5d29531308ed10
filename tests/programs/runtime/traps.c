/* tests/programs/runtime/traps.c: trap stubs through the commpage (see
 * umach_task.h). Each computes its entry from the commpage base, so the
 * program needs no relocation for it. */
#include "umach_task.h"

uintptr_t umach_commpage;

typedef long (*trap_fn)(long, long, long, long, long, long);

static trap_fn entry(int n) { return (trap_fn)(umach_commpage + (uintptr_t)n * UMACH_COMMPAGE_ENTRY_SIZE); }

kern_return_t mach_print(const char* s) { return (kern_return_t)entry(30)((long)s, 0, 0, 0, 0, 0); }

mach_port_t mach_task_self(void) { return (mach_port_t)entry(28)(0, 0, 0, 0, 0, 0); }

kern_return_t syscall_task_terminate(mach_port_t task) { return (kern_return_t)entry(69)(task, 0, 0, 0, 0, 0); }

kern_return_t umach_null_trap(void) { return (kern_return_t)entry(1)(0, 0, 0, 0, 0, 0); }

_Noreturn void umach_exit(int status) {
  (void)status; /* Mach has no exit status; a later libc reports it by IPC */
  syscall_task_terminate(mach_task_self());
  for (;;) __builtin_trap();
}
