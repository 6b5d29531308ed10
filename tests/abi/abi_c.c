/* tests/abi/abi_c.c: every public header compiled as C11 (and, by ctest,
 * freestanding for x86-64 and RISC-V64, as C and as kernel-style C++),
 * with the ABI assertions; plus a few C-built values the C++ test compares
 * against its own. mach.h is left out: it needs the MIG-generated headers. */
#include <device/device_types.h>
#include <device/net_status.h>
#include <mach/boolean.h>
#include <mach/default_pager_types.h>
#include <mach/error.h>
#include <mach/exception.h>
#include <mach/host_info.h>
#include <mach/kern_return.h>
#include <mach/mach_param.h>
#include <mach/mach_traps.h>
#include <mach/mach_types.h>
#include <mach/machine.h>
#include <mach/machine/mach_i386_types.h>
#include <mach/machine/vm_types.h>
#include <mach/memory_object.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/msg_type.h>
#include <mach/notify.h>
#include <mach/pc_sample.h>
#include <mach/policy.h>
#include <mach/port.h>
#include <mach/processor_info.h>
#include <mach/std_types.h>
#include <mach/syscall_sw.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_info.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <mach/time_value.h>
#include <mach/vm_attributes.h>
#include <mach/vm_cache_statistics.h>
#include <mach/vm_inherit.h>
#include <mach/vm_param.h>
#include <mach/vm_prot.h>
#include <mach/vm_statistics.h>
#include <mach/vm_sync.h>
#include <mach/vm_wire.h>
#include <mach_debug/mach_debug_types.h>
#include <mach_error.h>
#include <mach_init.h>

#include "abi_asserts.h"
#include "abi_c.h"

/* mach_init.h's page macros replace vm_param.h's whatever the order. */
#ifndef round_page
#error "round_page missing"
#endif

static void copy_bytes(unsigned char *dst, const void *src, unsigned long n) {
  const unsigned char *s = (const unsigned char *)src;
  for (unsigned long i = 0; i < n; i++) dst[i] = s[i];
}

unsigned int umach_abi_c_type_word(unsigned int name, unsigned int size, unsigned int is_inline,
                                   unsigned int longform, unsigned int deallocate) {
  mach_msg_type_t t;
  unsigned char bytes[sizeof t];
  unsigned int word = 0;
  for (unsigned long i = 0; i < sizeof t; i++) ((unsigned char *)&t)[i] = 0;
  t.msgt_name = name;
  t.msgt_size = size;
  t.msgt_inline = is_inline;
  t.msgt_longform = longform;
  t.msgt_deallocate = deallocate;
  t.msgt_number = 1;
  copy_bytes(bytes, &t, sizeof t);
  for (int i = 3; i >= 0; i--) word = (word << 8) | bytes[i]; /* little-endian word 0 */
  return word;
}

/* The request as a GNU Mach user stub lays it out. */
struct port_allocate_request {
  mach_msg_header_t Head;
  mach_msg_type_t rightType;
  mach_port_right_t right;
};
ABI_SIZE(struct port_allocate_request, 48);

void umach_abi_c_port_allocate_request(unsigned char out[48]) {
  struct port_allocate_request r;
  for (unsigned long i = 0; i < sizeof r; i++) ((unsigned char *)&r)[i] = 0;
  r.Head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  r.Head.msgh_size = sizeof r;
  r.Head.msgh_remote_port = 0x3;
  r.Head.msgh_local_port = 0x77;
  r.Head.msgh_seqno = 0;
  r.Head.msgh_id = 3204;
  r.rightType.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  r.rightType.msgt_size = 32;
  r.rightType.msgt_inline = TRUE;
  r.rightType.msgt_number = 1;
  r.right = MACH_PORT_RIGHT_RECEIVE;
  copy_bytes(out, &r, sizeof r);
}

void umach_abi_c_time_value_sum(long *seconds, int *microseconds) {
  time_value_t a;
  time_value_t b;
  a.seconds = 1;
  a.microseconds = 600000;
  b.seconds = 2;
  b.microseconds = 500000;
  time_value_add(&a, &b);
  *seconds = a.seconds;
  *microseconds = a.microseconds;
}
