/* tests/programs/rpc_client.c: argv[1] null RPCs to the server's port
 * (the harness gave this task a send right under the name kService), each
 * a send and a receive in one mach_msg with a send-once reply right, then
 * a last message that stops the server (bench: BM_NullRpc). Prints
 * "rpc: N done", or which call failed. */
#include <mach.h>
#include <mach/mig_support.h>
#include <stdio.h>
#include <stdlib.h>

enum { kService = 0x1000, kStop = 999 };

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  mach_port_t reply = mig_get_reply_port();
  mach_msg_header_t m;
  for (int i = 0; i < rounds; ++i) {
    m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.msgh_size = sizeof m;
    m.msgh_remote_port = kService;
    m.msgh_local_port = reply;
    m.msgh_id = 1;
    mach_msg_return_t mr =
        mach_msg(&m, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, reply, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS || m.msgh_id != 101) {
      printf("rpc %d failed: %d, reply id %d\n", i, mr, m.msgh_id);
      return 1;
    }
  }
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = kService;
  m.msgh_local_port = MACH_PORT_NULL;
  m.msgh_id = kStop;
  printf("rpc: %d done\n", rounds);
  return mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) ==
                 MACH_MSG_SUCCESS
             ? 0
             : 1;
}
