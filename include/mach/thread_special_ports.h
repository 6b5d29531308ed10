/* mach/thread_special_ports.h: thread_get/set_special_port's
 * `which_port`, and the shorthand macros built on them. C and C++. */
#ifndef _MACH_THREAD_SPECIAL_PORTS_H_
#define _MACH_THREAD_SPECIAL_PORTS_H_

#define THREAD_KERNEL_PORT 1    /* the thread's own port */
#define THREAD_EXCEPTION_PORT 3 /* where the thread's exceptions go first */

#define thread_get_kernel_port(thread, port) \
  (thread_get_special_port((thread), THREAD_KERNEL_PORT, (port)))
#define thread_set_kernel_port(thread, port) \
  (thread_set_special_port((thread), THREAD_KERNEL_PORT, (port)))
#define thread_get_exception_port(thread, port) \
  (thread_get_special_port((thread), THREAD_EXCEPTION_PORT, (port)))
#define thread_set_exception_port(thread, port) \
  (thread_set_special_port((thread), THREAD_EXCEPTION_PORT, (port)))

#endif /* _MACH_THREAD_SPECIAL_PORTS_H_ */
