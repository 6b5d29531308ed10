/* mach/gsync.h: the flags of gsync_wait, gsync_wake and gsync_requeue
 * (gnumach.defs), GNU Mach's values. C and C++. */
#ifndef _MACH_GSYNC_H_
#define _MACH_GSYNC_H_

#define GSYNC_SHARED 0x01    /* the address may be shared between tasks */
#define GSYNC_QUAD 0x02      /* gsync_wait: the next 32-bit word must equal val2 too */
#define GSYNC_TIMED 0x04     /* gsync_wait: give up after msec milliseconds */
#define GSYNC_BROADCAST 0x08 /* wake (or requeue) every waiter, not one */
#define GSYNC_MUTATE 0x10    /* gsync_wake: store val at the address first */

#endif /* _MACH_GSYNC_H_ */
