/* sys/reboot.h: host_reboot's options, with the BSD values GNU Mach takes
 * (<mach/mach_host.defs>: host_reboot(host_priv, options)). */
#ifndef _SYS_REBOOT_H_
#define _SYS_REBOOT_H_

#define RB_AUTOBOOT 0x0000 /* reboot */
#define RB_ASKNAME 0x0001
#define RB_SINGLE 0x0002
#define RB_KDB 0x0004
#define RB_HALT 0x0008 /* halt: the machine powers off */
#define RB_DEBUGGER 0x1000 /* enter the kernel debugger (umach has none: nothing happens) */

#endif /* _SYS_REBOOT_H_ */
