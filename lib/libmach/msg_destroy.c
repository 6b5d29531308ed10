/* lib/libmach/msg_destroy.c: mach_msg_destroy, releasing what a message holds.
 *
 * The body is walked by ABI.md's 64-bit layout: items follow the 32-byte
 * header to msgh_size; each is an 8-byte, 8-aligned mach_msg_type_t (the
 * long form has the same 8 bytes) followed by its data, padded to 8 bytes.
 * Inline data is msgt_number * msgt_size bits (a port right is 64 bits, the
 * name in the low 4 bytes); out-of-line data is one 8-byte pointer to
 * msgt_number * msgt_size bits (an out-of-line port array holds 4-byte
 * names). A descriptor whose data would run past msgh_size ends the walk:
 * nothing past the message is touched.
 *
 * The header's remote right (a received message's reply right) is released;
 * its local slot names the port the message came from and holds no right.
 * A right is released by its disposition: a receive right loses its one
 * reference (mach_port_mod_refs), a send or send-once right is deallocated
 * (the syscall_mach_port_deallocate trap); MAKE_SEND (an unsent message the
 * kernel handed back) makes the send right and drops it, GNU's way. COPY_SEND
 * and MAKE_SEND_ONCE own nothing to release (GNU extracts and drops a
 * send-once right for the latter, which only sends a send-once notification;
 * umach does not). Out-of-line regions are deallocated, rounded out to whole
 * pages. */
#include "libmach.h"

#include "mig_calls.h"

static void destroy_port(mach_port_t port, mach_msg_type_name_t disposition) {
  if (!MACH_PORT_VALID(port)) return;
  switch (disposition) {
    case MACH_MSG_TYPE_MOVE_SEND:
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      (void)syscall_mach_port_deallocate(mach_task_self(), port);
      break;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      (void)mach_port_mod_refs(mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
      break;
    case MACH_MSG_TYPE_MAKE_SEND:
      if (syscall_mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND) == KERN_SUCCESS)
        (void)syscall_mach_port_deallocate(mach_task_self(), port);
      break;
    default:
      break;
  }
}

static void destroy_region(vm_offset_t addr, vm_size_t bytes) {
  if (bytes == 0) return;
  vm_offset_t start = addr & ~(vm_offset_t)(vm_page_size - 1);
  vm_offset_t end = (addr + bytes + vm_page_size - 1) & ~(vm_offset_t)(vm_page_size - 1);
  (void)syscall_vm_deallocate(mach_task_self(), start, end - start);
}

/* Releases one item; `data` is where its data (or pointer) is. */
static void destroy_item(const mach_msg_type_t *type, char *data, vm_size_t bytes) {
  mach_msg_type_name_t name = type->msgt_name;
  boolean_t ports = MACH_MSG_TYPE_PORT_ANY(name);
  if (type->msgt_inline) {
    if (!ports || type->msgt_size != 64) return;
    for (mach_msg_type_number_t i = 0; i < type->msgt_number; ++i)
      destroy_port(*(mach_port_t *)(data + 8 * (vm_size_t)i), name);
    return;
  }
  vm_offset_t addr = *(vm_offset_t *)data;
  if (addr == 0) return;
  if (ports && type->msgt_size == 32)
    for (mach_msg_type_number_t i = 0; i < type->msgt_number; ++i) destroy_port(((mach_port_t *)addr)[i], name);
  destroy_region(addr, bytes);
}

void mach_msg_destroy(mach_msg_header_t *msg) {
  mach_msg_bits_t bits = msg->msgh_bits;
  /* The local slot holds no right: receiving consumed the destination's. */
  destroy_port(msg->msgh_remote_port, MACH_MSGH_BITS_REMOTE(bits));
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return;

  char *p = (char *)(msg + 1);
  char *end = (char *)msg + msg->msgh_size;
  while (p + sizeof(mach_msg_type_t) <= end) {
    const mach_msg_type_t *type = (const mach_msg_type_t *)p;
    p += sizeof(mach_msg_type_t);
    vm_size_t bits_total = (vm_size_t)type->msgt_number * type->msgt_size;
    vm_size_t bytes = (bits_total + 7) / 8;
    vm_size_t in_message = type->msgt_inline ? mach_msg_user_align(bytes) : sizeof(vm_offset_t);
    if (in_message > (vm_size_t)(end - p)) return;
    destroy_item(type, p, bytes);
    p += in_message;
  }
}
