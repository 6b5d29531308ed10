/* mach/mach_param.h: fixed limits of the kernel interface. C and C++. */
#ifndef _MACH_MACH_PARAM_H_
#define _MACH_MACH_PARAM_H_

/* Ports mach_ports_register keeps for a task. */
#define TASK_PORT_REGISTER_MAX 4

#endif /* _MACH_MACH_PARAM_H_ */
