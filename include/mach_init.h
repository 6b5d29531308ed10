/* mach_init.h: what a task learns about itself at startup, as glibc's
 * <mach_init.h> provides it: its task port name (cached by libmach, so
 * mach_task_self() needs no trap and takes no reference) and the page size.
 * round_page/trunc_page here use the run-time vm_page_size and replace
 * mach/vm_param.h's constant versions. C and C++. */
#ifndef _MACH_INIT_H_
#define _MACH_INIT_H_

#include <mach/mach_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set by libmach's startup from the mach_task_self trap. */
extern mach_port_t __mach_task_self_;
#define mach_task_self() (__mach_task_self_ + 0) /* not assignable */

/* Set by libmach's startup: 4096 on x86-64 and RISC-V64. */
extern vm_size_t vm_page_size;

#ifdef __cplusplus
}
#endif

#undef trunc_page
#undef round_page
#define trunc_page(addr) ((addr) & ~(vm_page_size - 1))
#define round_page(addr) trunc_page((addr) + vm_page_size - 1)

#endif /* _MACH_INIT_H_ */
