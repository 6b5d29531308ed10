/* stdlib.h: umach's task-program libc (lib/libc). Task programs only. C and C++. */
#ifndef _UMACH_LIBC_STDLIB_H_
#define _UMACH_LIBC_STDLIB_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* End the task: syscall_task_terminate(mach_task_self()). Mach has no exit
 * status, so `status` is dropped (a later libc may report it by IPC).
 * abort() does the same after printing "abort\n". None returns. */
_Noreturn void exit(int status);
_Noreturn void _exit(int status);
_Noreturn void abort(void);

int atoi(const char *s);
long atol(const char *s);
long strtol(const char *__restrict s, char **__restrict end, int base);
unsigned long strtoul(const char *__restrict s, char **__restrict end, int base);
long long strtoll(const char *__restrict s, char **__restrict end, int base);
unsigned long long strtoull(const char *__restrict s, char **__restrict end, int base);

int abs(int v);
long labs(long v);

#ifdef __cplusplus
}
#endif

#endif /* _UMACH_LIBC_STDLIB_H_ */
