/* mach/task_special_ports.h: task_get/set_special_port's `which_port`,
 * and the shorthand macros built on them. C and C++. */
#ifndef _MACH_TASK_SPECIAL_PORTS_H_
#define _MACH_TASK_SPECIAL_PORTS_H_

#define TASK_KERNEL_PORT 1    /* the task's own port, as others see it */
#define TASK_EXCEPTION_PORT 3 /* where the task's exceptions go */
#define TASK_BOOTSTRAP_PORT 4 /* the task's bootstrap server */

#define task_get_kernel_port(task, port) \
  (task_get_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_set_kernel_port(task, port) \
  (task_set_special_port((task), TASK_KERNEL_PORT, (port)))
#define task_get_exception_port(task, port) \
  (task_get_special_port((task), TASK_EXCEPTION_PORT, (port)))
#define task_set_exception_port(task, port) \
  (task_set_special_port((task), TASK_EXCEPTION_PORT, (port)))
#define task_get_bootstrap_port(task, port) \
  (task_get_special_port((task), TASK_BOOTSTRAP_PORT, (port)))
#define task_set_bootstrap_port(task, port) \
  (task_set_special_port((task), TASK_BOOTSTRAP_PORT, (port)))

#endif /* _MACH_TASK_SPECIAL_PORTS_H_ */
