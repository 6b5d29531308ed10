/* lib/libc/src/exit.c: ending the task (stdlib.h). Mach has no exit status:
 * the task terminates itself. */
#include <mach/mach_traps.h>
#include <mach_init.h>
#include <stdlib.h>

_Noreturn void _exit(int status) {
  (void)status;
  (void)syscall_task_terminate(mach_task_self());
  for (;;) __builtin_trap(); /* terminate does not return to a live task */
}

/* No atexit handlers and no buffered streams: nothing to run first. */
_Noreturn void exit(int status) { _exit(status); }

_Noreturn void abort(void) {
  (void)mach_print("abort\n");
  _exit(EXIT_FAILURE);
}
