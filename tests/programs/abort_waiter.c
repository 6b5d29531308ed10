/* tests/programs/abort_waiter.c: waits in mach_msg for a message that never
 * comes, with MACH_RCV_INTERRUPT, until another task aborts it
 * (thread_abort on its thread port); then tells that task (kService, a send
 * right the harness gave it) and prints what mach_msg returned. */
#include <mach.h>
#include <stdio.h>

enum { kService = 0x1000 };

int main(void) {
  mach_port_t port = MACH_PORT_NULL;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  mach_msg_header_t m = {0};
  /* "Waiting now", then the wait, in one call: on one vCPU the aborter
   * runs only once the receive blocks. */
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = kService;
  m.msgh_id = 1;
  kern_return_t kr = mach_msg(&m, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_INTERRUPT, sizeof m, sizeof m, port,
                              MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("waiter: %#x\n", kr);
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = kService;
  m.msgh_local_port = MACH_PORT_NULL;
  m.msgh_id = 2;
  mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  return 0;
}
