/* mach/std_types.h: the types std_types.defs names (the base set every
 * interface imports). C and C++. */
#ifndef _MACH_STD_TYPES_H_
#define _MACH_STD_TYPES_H_

#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/port.h>

/* Out-of-line data: its address in the receiver's space. */
typedef vm_offset_t pointer_t;
typedef vm_offset_t vm_address_t;

#endif /* _MACH_STD_TYPES_H_ */
