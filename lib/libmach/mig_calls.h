/* lib/libmach/mig_calls.h: private. The MIG-generated user stubs libmach
 * itself calls (GNU prototypes). The lead's build compiles the generated
 * *User.c files into libmach (UMACH_LIBMACH_EXTRA_SOURCES, lib/CMakeLists.txt);
 * where a trap does the same job libmach uses the trap instead
 * (syscall_mach_port_deallocate, syscall_vm_deallocate), so only
 * mach_port_mod_refs needs a stub. Once the generated <mach/mach_port.h>
 * exists these declarations must stay identical to it. */
#ifndef _LIBMACH_MIG_CALLS_H_
#define _LIBMACH_MIG_CALLS_H_

#include <mach/port.h>
#include <mach/std_types.h>

kern_return_t mach_port_mod_refs(mach_port_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_delta_t delta);

#endif /* _LIBMACH_MIG_CALLS_H_ */
