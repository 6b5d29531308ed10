/* examples/send_receive.c: the smallest Mach IPC there is. One thread makes
 * a port, sends an integer to it in a hand-built message, and receives it
 * back.
 *
 * A Mach message is a header (mach_msg_header_t) followed by typed data:
 * each item starts with a mach_msg_type_t saying what follows (here one
 * 32-bit integer), so the kernel can tell plain data from port rights and
 * out-of-line memory, which it must translate on the way.
 *
 * Run it: umach run send_receive */
#include <mach.h>
#include <stdio.h>
#include <string.h>

/* The message we send: the header, one type descriptor, the integer. */
struct int_message {
  mach_msg_header_t head;
  mach_msg_type_t type;
  int value;
};

/* The receive buffer: our message and some room to spare (a message
 * larger than the buffer fails with MACH_RCV_TOO_LARGE, it never overruns
 * it). */
struct int_receive {
  struct int_message m;
  char slack[64];
};

enum { kGreetingId = 1000, kValue = 42 };

int main(void) {
  const mach_port_t self = mach_task_self();

  /* A receive right: we own the port's queue. */
  mach_port_t port = MACH_PORT_NULL;
  kern_return_t kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  if (kr != KERN_SUCCESS) {
    printf("mach_port_allocate: %d\n", kr);
    return 1;
  }

  /* To send we need a send right. MACH_MSG_TYPE_MAKE_SEND as the remote
   * port's disposition makes one from our receive right, for this message
   * only: no send right lingers in our space afterwards. No reply port
   * (the local port is MACH_PORT_NULL). */
  struct int_message m;
  memset(&m, 0, sizeof m);
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.head.msgh_size = sizeof m;
  m.head.msgh_remote_port = port;
  m.head.msgh_local_port = MACH_PORT_NULL;
  m.head.msgh_id = kGreetingId;
  m.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  m.type.msgt_size = 32;  /* bits per element */
  m.type.msgt_number = 1; /* elements */
  m.type.msgt_inline = TRUE;
  m.value = kValue;
  kr = mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("sent %d (message id %d): %s\n", m.value, m.head.msgh_id, kr == MACH_MSG_SUCCESS ? "ok" : "failed");
  if (kr != MACH_MSG_SUCCESS) return 1;

  /* The message waits in the port's queue: receiving takes it even though
   * the same thread sent it (a send never waits for a receiver). */
  struct int_receive r;
  memset(&r, 0, sizeof r);
  kr = mach_msg(&r.m.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr != MACH_MSG_SUCCESS) {
    printf("receive: %d\n", kr);
    return 1;
  }
  const int typed = r.m.type.msgt_name == MACH_MSG_TYPE_INTEGER_32 && r.m.type.msgt_number == 1;
  printf("received %d (message id %d, %u bytes, one INTEGER_32: %s, on our port: %s)\n", r.m.value,
         r.m.head.msgh_id, r.m.head.msgh_size, typed ? "yes" : "no", r.m.head.msgh_local_port == port ? "yes" : "no");

  /* Destroying the receive right destroys the port (and any message left). */
  kr = mach_port_destroy(self, port);
  printf("port destroyed: %s\n", kr == KERN_SUCCESS ? "ok" : "failed");
  return r.m.value == kValue && kr == KERN_SUCCESS ? 0 : 1;
}
