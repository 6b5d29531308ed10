/* mach/machine/mach_i386_types.h: the types mach_i386.defs names (x86
 * segment descriptors and I/O-port access). C and C++. */
#ifndef _MACH_MACHINE_MACH_I386_TYPES_H_
#define _MACH_MACHINE_MACH_I386_TYPES_H_

#include <mach/port.h>

/* A segment descriptor, as the two words the hardware reads. */
struct descriptor {
  unsigned int low_word;
  unsigned int high_word;
};
typedef struct descriptor descriptor_t;
typedef struct descriptor *descriptor_list_t;
typedef const struct descriptor *const_descriptor_list_t;

typedef unsigned short io_port_t;
typedef mach_port_t io_perm_t; /* a right to a range of I/O ports */

#endif /* _MACH_MACHINE_MACH_I386_TYPES_H_ */
