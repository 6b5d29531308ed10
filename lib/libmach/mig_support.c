/* lib/libmach/mig_support.c: what MIG-generated stubs need at run time
 * (<mach/mig_support.h> declares it). The contract with the stubs:
 *
 * Reply ports. A user RPC stub
 *   1. takes a reply port with mig_get_reply_port() and sends its request
 *      with that port as msgh_local_port, disposition MAKE_SEND_ONCE;
 *   2. after a successful RPC, gives it back with mig_put_reply_port();
 *   3. after a failure calls mig_dealloc_reply_port() instead: after a
 *      MACH_RCV_* one (interrupted receive the caller asked for, timeout,
 *      too large, ...) a late reply may still arrive on that port; after
 *      a MACH_SEND_* one past the header (a body the kernel refused once
 *      it had taken the reply right) destroying that right queued a
 *      send-once notification there. Either would be taken for the next
 *      call's reply, so the port is never reused: libmach destroys its
 *      receive right;
 *   4. after a header the kernel refused before it took anything
 *      (MACH_SEND_INVALID_DEST, MACH_SEND_INVALID_HEADER) it puts the port
 *      back like after a success.
 * Task programs have no thread-local storage, so libmach keeps a small
 * lock-free pool of idle reply ports (below): get takes one from the
 * pool or makes a new one with mach_reply_port(); put returns it to a free
 * slot, or destroys it when the pool is full. A port is held by one RPC at a
 * time, so RPCs from several threads at once are safe. A port from
 * mig_get_reply_port() is a receive right the caller owns until it puts or
 * deallocates it.
 *
 * mig_allocate/mig_deallocate: vm_allocate (anywhere) and vm_deallocate on
 * mach_task_self(), through the syscall_vm_* traps. mig_allocate sets *addr
 * to 0 on failure.
 *
 * mig_strncpy(dst, src, len): copies at most len - 1 characters of src,
 * fills the rest of the first len - 1 bytes with NULs and always
 * NUL-terminates when len > 0; returns the length of the copied string,
 * without its NUL (0 when len is 0). That is glibc's current behaviour
 * (Mach 3's CMU version returned the length with the NUL).
 *
 * mig_reply_setup(request, reply): fills a mig_reply_header_t for request:
 * remote port = the request's reply port with its disposition, no local
 * port, id + 100, RetCode KERN_SUCCESS with its type descriptor.
 *
 * The reply-port pool: kReplyPortSlots words, each MACH_PORT_NULL or an idle
 * reply port (a receive right this task owns). Taking a port is an atomic
 * exchange of a slot with MACH_PORT_NULL, returning one a compare-and-swap
 * from MACH_PORT_NULL, so a port is in at most one slot or one caller's hands
 * at a time and no lock is needed. A thread that finds every slot empty
 * makes a new port; one that finds every slot full destroys its port. The
 * pool therefore never holds more than kReplyPortSlots idle ports. */
#include "libmach.h"

#include "mig_calls.h"

enum { kReplyPortSlots = 8 };

static mach_port_t reply_port_pool[kReplyPortSlots];

void mig_init(void *first) {
  (void)first;
  /* Startup, one thread: forget nothing that exists (the pool starts empty). */
  for (int i = 0; i < kReplyPortSlots; ++i) __atomic_store_n(&reply_port_pool[i], MACH_PORT_NULL, __ATOMIC_RELAXED);
}

mach_port_t mig_get_reply_port(void) {
  for (int i = 0; i < kReplyPortSlots; ++i) {
    mach_port_t port = __atomic_exchange_n(&reply_port_pool[i], MACH_PORT_NULL, __ATOMIC_ACQUIRE);
    if (port != MACH_PORT_NULL) return port;
  }
  return mach_reply_port();
}

void mig_dealloc_reply_port(mach_port_t port) {
  if (!MACH_PORT_VALID(port)) return;
  (void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
}

void mig_put_reply_port(mach_port_t port) {
  if (!MACH_PORT_VALID(port)) return;
  for (int i = 0; i < kReplyPortSlots; ++i) {
    mach_port_t empty = MACH_PORT_NULL;
    if (__atomic_compare_exchange_n(&reply_port_pool[i], &empty, port, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
      return;
  }
  mig_dealloc_reply_port(port);
}

void mig_allocate(vm_address_t *addr, vm_size_t size) {
  if (syscall_vm_allocate(mach_task_self(), addr, size, TRUE) != KERN_SUCCESS) *addr = 0;
}

void mig_deallocate(vm_address_t addr, vm_size_t size) {
  (void)syscall_vm_deallocate(mach_task_self(), addr, size);
}

void mig_reply_setup(const mach_msg_header_t *request, mach_msg_header_t *reply) {
  mig_reply_header_t *out = (mig_reply_header_t *)reply;
  out->Head.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(request->msgh_bits), 0);
  out->Head.msgh_size = sizeof *out;
  out->Head.msgh_remote_port = request->msgh_remote_port;
  out->Head.msgh_local_port = MACH_PORT_NULL;
  out->Head.msgh_seqno = 0;
  out->Head.msgh_id = request->msgh_id + 100;
  out->RetCodeType.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  out->RetCodeType.msgt_size = 32;
  out->RetCodeType.msgt_number = 1;
  out->RetCodeType.msgt_inline = TRUE;
  out->RetCodeType.msgt_longform = FALSE;
  out->RetCodeType.msgt_deallocate = FALSE;
  out->RetCodeType.msgt_unused = 0;
  out->RetCode = KERN_SUCCESS;
}

vm_size_t mig_strncpy(char *dst, const char *src, vm_size_t len) {
  if (len == 0) return 0;
  vm_size_t n = 0;
  while (n < len - 1 && src[n] != '\0') {
    dst[n] = src[n];
    ++n;
  }
  for (vm_size_t i = n; i < len; ++i) dst[i] = '\0';
  return n;
}
