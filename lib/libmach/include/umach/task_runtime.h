/* umach/task_runtime.h: umach's own task-program runtime, not GNU API.
 *
 * How libmach reaches the kernel: the kernel maps a commpage into every
 * task (hosted: platform/hosted/memory/commpage.h; bare metal:
 * platform/baremetal/common/bare_task.h) and starts the first thread with
 * its base in a register (x86-64: rdx; riscv64: a2). crt0 hands it to
 * umach_libmach_init(), which stores it in umach_commpage; on x86-64 each
 * trap stub jumps to umach_commpage + N * UMACH_COMMPAGE_ENTRY_SIZE (riscv64
 * stubs execute ecall and do not need it). A program linked NO_LIBC brings
 * its own _start and calls umach_libmach_init() before its first trap.
 * C only (task programs). */
#ifndef _UMACH_TASK_RUNTIME_H_
#define _UMACH_TASK_RUNTIME_H_

#include <stdint.h>

#include <mach/kern_return.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UMACH_COMMPAGE_ENTRY_SIZE 16

/* The commpage base; 0 until umach_libmach_init(). */
extern uintptr_t umach_commpage;

/* Sets umach_commpage, then caches mach_task_self() in __mach_task_self_,
 * sets vm_page_size and initialises the MIG support (mig_init). Makes one
 * trap (mach_task_self). */
void umach_libmach_init(uintptr_t commpage);

/* Trap 1, an empty slot of the trap table: the kernel answers
 * KERN_INVALID_ARGUMENT and does nothing else (a null trap, for timing the
 * trap path). */
kern_return_t umach_null_trap(void);

#ifdef __cplusplus
}
#endif

#endif /* _UMACH_TASK_RUNTIME_H_ */
