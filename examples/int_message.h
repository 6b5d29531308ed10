/* examples/int_message.h: one integer sent and received in a typed Mach
 * message, as send_receive.c builds it by hand, packaged for the examples
 * whose threads talk in integers (thread_by_hand.c, sieve.c). */
#ifndef UMACH_EXAMPLES_INT_MESSAGE_H
#define UMACH_EXAMPLES_INT_MESSAGE_H

#include <mach.h>

/* Sends `value` to `port`, a send right the caller keeps (COPY_SEND);
 * blocks while the port's queue is full. */
mach_msg_return_t send_int(mach_port_t port, int value);

/* The next integer queued on `port` (a receive right), waiting for one;
 * -1 if the receive fails (the port destroyed, the thread terminated). */
int receive_int(mach_port_t port);

#endif
