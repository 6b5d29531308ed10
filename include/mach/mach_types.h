/* mach/mach_types.h: every type the Mach interfaces name, in one include.
 *
 * In user space each kernel object is reached through a port, so every
 * object type below is a 32-bit port name (mach_port_t); the distinct names
 * only document which object a port should denote. C and C++. */
#ifndef _MACH_MACH_TYPES_H_
#define _MACH_MACH_TYPES_H_

#include <mach/host_info.h>
#include <mach/machine.h>
#include <mach/machine/vm_types.h>
#include <mach/memory_object.h>
#include <mach/message.h>
#include <mach/pc_sample.h>
#include <mach/port.h>
#include <mach/processor_info.h>
#include <mach/std_types.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_info.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>
#include <mach/time_value.h>
#include <mach/vm_attributes.h>
#include <mach/vm_cache_statistics.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_sync.h>
#include <mach/vm_wire.h>
#include <mach_debug/mach_debug_types.h>

typedef mach_port_t task_t;
typedef task_t *task_array_t;
typedef const task_t *const_task_array_t;
typedef task_t task_name_t; /* a task's name port: identifies, grants nothing */
typedef task_t vm_task_t;   /* a task as an address space */
typedef task_t ipc_space_t; /* a task as an IPC name space */
typedef mach_port_t vm_map_t;

typedef mach_port_t thread_t;
typedef thread_t *thread_array_t;
typedef const thread_t *const_thread_array_t;

typedef mach_port_t host_t;
typedef mach_port_t host_priv_t; /* the privileged host port */

typedef mach_port_t processor_t;
typedef mach_port_t *processor_array_t;
typedef const mach_port_t *const_processor_array_t;
typedef mach_port_t processor_name_t; /* names a processor, grants nothing */
typedef mach_port_t *processor_name_array_t;
typedef const mach_port_t *const_processor_name_array_t;
typedef mach_port_t processor_set_t;
typedef mach_port_t processor_set_name_t;
typedef mach_port_t *processor_set_array_t;
typedef const mach_port_t *const_processor_set_array_t;
typedef mach_port_t *processor_set_name_array_t;
typedef const mach_port_t *const_processor_set_name_array_t;

/* task_get/set_emulation_vector: handler addresses, one per syscall. */
typedef vm_offset_t *emulation_vector_t;
typedef const vm_offset_t *const_emulation_vector_t;

#endif /* _MACH_MACH_TYPES_H_ */
