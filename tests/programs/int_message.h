/* tests/programs/int_message.h: what several test programs share: a
 * message carrying one integer, and a pause made of a receive that times
 * out (task programs have no sleep call). */
#ifndef TESTS_PROGRAMS_INT_MESSAGE_H_
#define TESTS_PROGRAMS_INT_MESSAGE_H_

#include <mach.h>

struct int_message {
  mach_msg_header_t head;
  mach_msg_type_t type;
  int value;
  int pad;
};

/* Waits about `ms` milliseconds. */
static inline void pause_ms(unsigned ms) {
  static mach_port_t port;
  struct int_message r;
  if (!port) mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, ms, MACH_PORT_NULL);
}

#endif /* TESTS_PROGRAMS_INT_MESSAGE_H_ */
