/* mach/mig_support.h: the user-side helpers MIG stubs call; libmach
 * implements them.
 *
 * Reply ports come from a small lock-free pool (task programs have no
 * TLS): mig_get_reply_port takes one (making one with mach_reply_port when
 * the pool is empty), mig_put_reply_port returns it after an RPC, and
 * mig_dealloc_reply_port destroys it after an RPC went wrong, so the next
 * call gets a fresh one. Concurrent RPCs never share a port. C and C++. */
#ifndef _MACH_MIG_SUPPORT_H_
#define _MACH_MIG_SUPPORT_H_

#include <mach/message.h>
#include <mach/std_types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set up MIG's per-thread state; `first` is the initial thread's data, or
 * 0 to use the built-in one. */
void mig_init(void *first);

mach_port_t mig_get_reply_port(void);
void mig_dealloc_reply_port(mach_port_t reply_port);
void mig_put_reply_port(mach_port_t reply_port);

/* Memory for out-of-line data a stub receives, and its release. */
void mig_allocate(vm_address_t *addr, vm_size_t size);
void mig_deallocate(vm_address_t addr, vm_size_t size);

/* Copies src into the len-byte buffer dst, truncating and always
 * NUL-terminating when len > 0 (lib/ documents the exact return value). */
vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len);

/* Fills a reply header from a request: remote = its reply port, id + 100. */
void mig_reply_setup(const mach_msg_header_t *request, mach_msg_header_t *reply);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MIG_SUPPORT_H_ */
