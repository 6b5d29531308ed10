/* mach/mach_traps.h: the Mach traps as C functions (numbers in
 * mach/syscall_sw.h); libmach implements the stubs.
 *
 * Port arguments and results are names in the caller's space. The
 * syscall_* traps are fast paths of the RPCs of the same name without the
 * prefix; they take the target as a name and return what the RPC would.
 * C and C++. */
#ifndef _MACH_MACH_TRAPS_H_
#define _MACH_MACH_TRAPS_H_

#include <mach/boolean.h>
#include <mach/kern_return.h>
#include <mach/machine/vm_types.h>
#include <mach/message.h>
#include <mach/port.h>
#include <mach/thread_status.h>
#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 25 */
mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_port_name_t notify);
/* 26: a new receive right, the caller's to destroy. */
mach_port_name_t mach_reply_port(void);
/* 27-29: a send right to the calling thread, task, host (one more user
 * reference each call). The parentheses keep <mach_init.h>'s
 * mach_task_self() macro from expanding here. */
mach_port_name_t mach_thread_self(void);
mach_port_name_t(mach_task_self)(void);
mach_port_name_t __mach_task_self(void);
mach_port_name_t mach_host_self(void);
/* 30: writes a NUL-terminated string on the kernel console. */
void mach_print(const char *s);

/* 59-61 */
boolean_t swtch_pri(int priority);
boolean_t swtch(void);
kern_return_t thread_switch(mach_port_name_t thread_name, int option,
                            mach_msg_timeout_t option_time);

/* 64-76 */
kern_return_t syscall_vm_map(mach_port_name_t target_map, vm_offset_t *address, vm_size_t size,
                             vm_offset_t mask, boolean_t anywhere,
                             mach_port_name_t memory_object, vm_offset_t offset, boolean_t copy,
                             vm_prot_t cur_protection, vm_prot_t max_protection,
                             vm_inherit_t inheritance);
kern_return_t syscall_vm_allocate(mach_port_name_t target_map, vm_offset_t *address,
                                  vm_size_t size, boolean_t anywhere);
kern_return_t syscall_vm_deallocate(mach_port_name_t target_map, vm_offset_t start,
                                    vm_size_t size);
kern_return_t syscall_task_create(mach_port_name_t parent_task, boolean_t inherit_memory,
                                  mach_port_name_t *child_task);
kern_return_t syscall_task_terminate(mach_port_name_t task);
kern_return_t syscall_task_suspend(mach_port_name_t task);
kern_return_t syscall_task_set_special_port(mach_port_name_t task, int which_port,
                                            mach_port_name_t port_name);
kern_return_t syscall_mach_port_allocate(mach_port_name_t task, mach_port_right_t right,
                                         mach_port_name_t *name);
kern_return_t syscall_mach_port_deallocate(mach_port_name_t task, mach_port_name_t name);
kern_return_t syscall_mach_port_insert_right(mach_port_name_t task, mach_port_name_t name,
                                             mach_port_name_t right,
                                             mach_msg_type_name_t right_type);
kern_return_t syscall_mach_port_allocate_name(mach_port_name_t task, mach_port_right_t right,
                                              mach_port_name_t name);
kern_return_t syscall_thread_depress_abort(mach_port_name_t thread);

/* 77: loads the calling thread's state from new_state (new_state_count
 * natural_t words of the given flavor) and resumes there; returns only on
 * error. */
kern_return_t thread_set_self_state(int flavor, thread_state_t new_state,
                                    natural_t new_state_count);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MACH_TRAPS_H_ */
