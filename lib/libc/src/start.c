/* lib/libc/src/start.c: the C side of crt0 (crt0_x86_64.S, crt0_riscv64.S):
 * initialises libmach from the commpage base the kernel passed, runs main
 * and ends the task with its result. */
#include <stdint.h>
#include <stdlib.h>
#include <umach/task_runtime.h>

/* A program may define main with no parameters; C lets crt0 pass two. */
int main(int argc, char **argv);

_Noreturn void umach_libc_start(long argc, char **argv, uintptr_t commpage);

_Noreturn void umach_libc_start(long argc, char **argv, uintptr_t commpage) {
  umach_libmach_init(commpage);
  exit(main((int)argc, argv));
}
