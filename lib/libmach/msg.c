/* lib/libmach/msg.c: mach_msg and its shorthands.
 *
 * mach_msg restarts the trap after an interruption the caller did not ask
 * to see, GNU's way: MACH_SEND_INTERRUPTED (nothing was sent) restarts the
 * whole call unless MACH_SEND_INTERRUPT is set; MACH_RCV_INTERRUPTED (the
 * send part, if any, is done) restarts only the receive, without
 * MACH_SEND_MSG, unless MACH_RCV_INTERRUPT is set. */
#include "libmach.h"

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option, mach_msg_size_t send_size,
                           mach_msg_size_t rcv_size, mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_name_t notify) {
  mach_msg_return_t mr;
  do
    mr = mach_msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
  while (mr == MACH_SEND_INTERRUPTED && !(option & MACH_SEND_INTERRUPT));
  if (!(option & MACH_RCV_INTERRUPT)) {
    option &= ~MACH_SEND_MSG;
    while (mr == MACH_RCV_INTERRUPTED)
      mr = mach_msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout, notify);
  }
  return mr;
}

mach_msg_return_t mach_msg_send(mach_msg_header_t *msg) {
  return mach_msg(msg, MACH_SEND_MSG, msg->msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg) {
  return mach_msg(msg, MACH_RCV_MSG, 0, msg->msgh_size, msg->msgh_local_port, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL);
}
