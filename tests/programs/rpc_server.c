/* tests/programs/rpc_server.c: answers RPCs on the receive right the
 * harness gave it under the name kService, until a message with id 999:
 * each request with a reply right is answered on it (MOVE_SEND_ONCE,
 * id + 100) with the request's body sent back as it came (a port right in
 * it goes back with MOVE_SEND: PORT_SEND reads as MOVE_SEND), in the same
 * mach_msg that waits for the next; a one-way message is just taken
 * (bench: BM_NullRpc, BM_OneWaySend, BM_RpcWithPortRight). */
#include <mach.h>

enum { kService = 0x1000, kStop = 999 };

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
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_SEND_ONCE, 0) | (m.head.msgh_bits & MACH_MSGH_BITS_COMPLEX);
    m.head.msgh_local_port = MACH_PORT_NULL;
    m.head.msgh_id += 100;
    mr = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, m.head.msgh_size, sizeof m, kService, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL);
  }
  return mr == MACH_MSG_SUCCESS ? 0 : 1;
}
