/* mach/thread_switch.h: thread_switch's options. C and C++. */
#ifndef _MACH_THREAD_SWITCH_H_
#define _MACH_THREAD_SWITCH_H_

#define SWITCH_OPTION_NONE 0
#define SWITCH_OPTION_DEPRESS 1 /* lower the caller's priority for the time */
#define SWITCH_OPTION_WAIT 2    /* block the caller for the time */

#define valid_switch_option(opt) ((0 <= (opt)) && ((opt) <= 2))

#endif /* _MACH_THREAD_SWITCH_H_ */
