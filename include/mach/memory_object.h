/* mach/memory_object.h: the types of the external-pager interface.
 * All ports are user names here. C and C++. */
#ifndef _MACH_MEMORY_OBJECT_H_
#define _MACH_MEMORY_OBJECT_H_

#include <mach/port.h>

typedef mach_port_t memory_object_t;         /* the pager's port for an object */
typedef memory_object_t *memory_object_array_t;
typedef const memory_object_t *const_memory_object_array_t;
typedef mach_port_t memory_object_control_t; /* the kernel's port the pager calls */
typedef mach_port_t memory_object_name_t;    /* names an object, grants nothing */

/* How the kernel copies an object's data (memory_object_ready). */
typedef int memory_object_copy_strategy_t;
#define MEMORY_OBJECT_COPY_NONE 0      /* always copy at once */
#define MEMORY_OBJECT_COPY_CALL 1      /* ask the pager */
#define MEMORY_OBJECT_COPY_DELAY 2     /* copy on write, pager not involved */
#define MEMORY_OBJECT_COPY_TEMPORARY 3 /* like DELAY; the object is temporary */

/* Which pages memory_object_lock_request hands back. */
typedef int memory_object_return_t;
#define MEMORY_OBJECT_RETURN_NONE 0
#define MEMORY_OBJECT_RETURN_DIRTY 1
#define MEMORY_OBJECT_RETURN_ALL 2

#define MEMORY_OBJECT_NULL MACH_PORT_NULL

#endif /* _MACH_MEMORY_OBJECT_H_ */
