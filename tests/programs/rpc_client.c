/* tests/programs/rpc_client.c: argv[1] messages to the server's port (the
 * harness gave this task a send right under the name kService), then a
 * last message that stops the server. argv[2] says which:
 *   null (default)  null RPCs: a send and a receive in one mach_msg with a
 *                   send-once reply right (bench: BM_NullRpc);
 *   oneway          one-way messages, no reply (BM_OneWaySend);
 *   right           RPCs that carry a send right to a port of the client's
 *                   (MOVE_SEND), which the server's reply brings back
 *                   (BM_RpcWithPortRight).
 * Prints "rpc: N done", or which call failed. */
#include <mach.h>
#include <mach/mig_support.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kService = 0x1000, kStop = 999 };

struct with_right {
  mach_msg_header_t head;
  mach_msg_type_t type;
  mach_port_t port;
  unsigned pad;
};

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  const char *mode = argc > 2 ? argv[2] : "null";
  const int oneway = strcmp(mode, "oneway") == 0, right = strcmp(mode, "right") == 0;
  mach_port_t reply = mig_get_reply_port();
  mach_port_t carried = MACH_PORT_NULL;
  if (right) {
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &carried);
    mach_port_insert_right(mach_task_self(), carried, carried, MACH_MSG_TYPE_MAKE_SEND);
  }
  struct with_right m;
  for (int i = 0; i < rounds; ++i) {
    memset(&m, 0, sizeof m);
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, oneway ? 0 : MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.head.msgh_size = sizeof m.head;
    m.head.msgh_remote_port = kService;
    m.head.msgh_local_port = oneway ? MACH_PORT_NULL : reply;
    m.head.msgh_id = 1;
    if (right) {
      m.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
      m.head.msgh_size = sizeof m;
      m.type.msgt_name = MACH_MSG_TYPE_MOVE_SEND;
      m.type.msgt_size = 64;
      m.type.msgt_number = 1;
      m.type.msgt_inline = 1;
      m.port = carried;
    }
    mach_msg_return_t mr =
        oneway ? mach_msg(&m.head, MACH_SEND_MSG, m.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                          MACH_PORT_NULL)
               : mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, m.head.msgh_size, sizeof m, reply,
                          MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS || (!oneway && m.head.msgh_id != 101) || (right && m.port != carried)) {
      printf("rpc %d failed: %d, reply id %d\n", i, mr, m.head.msgh_id);
      return 1;
    }
  }
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.head.msgh_size = sizeof m.head;
  m.head.msgh_remote_port = kService;
  m.head.msgh_local_port = MACH_PORT_NULL;
  m.head.msgh_id = kStop;
  printf("rpc: %d done\n", rounds);
  return mach_msg(&m.head, MACH_SEND_MSG, sizeof m.head, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL) == MACH_MSG_SUCCESS
             ? 0
             : 1;
}
