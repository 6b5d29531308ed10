/* tests/programs/rpc_server.c: answers RPCs on the receive right the
 * harness gave it under the name kService, until a message with id 999:
 * each request with a reply right is answered on it (MOVE_SEND_ONCE,
 * id + 100) with the request's body sent back as it came (a port right in
 * it goes back with MOVE_SEND: PORT_SEND reads as MOVE_SEND), in the same
 * mach_msg that waits for the next; a one-way message is just taken
 * (bench: BM_NullRpc, BM_OneWaySend, BM_RpcWithPortRight). A request
 * whose first item is out-of-line bytes (rpc_client.c's ool modes) is
 * answered with one INTEGER_32 instead: 1 if every page could be read
 * (and, with kCheck in the round, every byte was the round's pattern; the
 * server then writes every page of its copy), after which the region is
 * deallocated (BM_RpcOol). */
#include <mach.h>

enum { kService = 0x1000, kStop = 999, kCheck = 0x40000000 };

static unsigned char pattern(unsigned long at, int round) { return (unsigned char)(at + (at >> 12) + (unsigned)round); }

/* Reads (and checks) the out-of-line region of the request in `body`;
 * returns the answer. */
static int take_region(char *body) {
  const mach_msg_type_t *type = (const mach_msg_type_t *)body;
  vm_offset_t data;
  int round;
  __builtin_memcpy(&data, body + 8, 8);
  __builtin_memcpy(&round, body + 24, 4);
  unsigned char *bytes = (unsigned char *)data;
  const unsigned long n = type->msgt_number;
  int ok = type->msgt_deallocate;  /* a received region is the receiver's */
  if (round & kCheck) {
    round &= ~kCheck;
    for (unsigned long i = 0; i < n; ++i)
      if (bytes[i] != pattern(i, round)) ok = 0;
    for (unsigned long at = 0; at < n; at += 4096) bytes[at] = (unsigned char)~bytes[at];
  } else {
    unsigned sum = 0;
    for (unsigned long at = 0; at < n; at += 4096) sum += ((volatile unsigned char *)bytes)[at];
    (void)sum;
  }
  if (vm_deallocate(mach_task_self(), data, n) != KERN_SUCCESS) ok = 0;
  return ok;
}

int main(void) {
  struct {
    mach_msg_header_t head;
    char body[64];
  } m;
  mach_msg_return_t mr = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, kService, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  while (mr == MACH_MSG_SUCCESS && m.head.msgh_id != kStop) {
    if (m.head.msgh_remote_port == MACH_PORT_NULL) {
      mr = mach_msg(&m.head, MACH_RCV_MSG, 0, sizeof m, kService, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
      continue;
    }
    const mach_msg_type_t *first = (const mach_msg_type_t *)m.body;
    if ((m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX) && !first->msgt_inline && first->msgt_name == MACH_MSG_TYPE_BYTE) {
      const int answer = take_region(m.body);
      mach_msg_type_t *type = (mach_msg_type_t *)m.body;
      __builtin_memset(m.body, 0, 16);
      type->msgt_name = MACH_MSG_TYPE_INTEGER_32;
      type->msgt_size = 32;
      type->msgt_number = 1;
      type->msgt_inline = 1;
      __builtin_memcpy(m.body + 8, &answer, 4);
      m.head.msgh_bits = 0; /* the answer carries no right */
      m.head.msgh_size = sizeof m.head + 16;
    }
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | (m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX);
    m.head.msgh_local_port = MACH_PORT_NULL;
    m.head.msgh_id += 100;
    mr = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, m.head.msgh_size, sizeof m, kService, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL);
  }
  return mr == MACH_MSG_SUCCESS ? 0 : 1;
}
