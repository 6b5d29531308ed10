/* examples/int_message.c: send_int and receive_int (int_message.h). */
#include "int_message.h"

#include <string.h>

/* The header, one type descriptor, the integer. */
struct int_message {
  mach_msg_header_t head;
  mach_msg_type_t type;
  int value;
};

mach_msg_return_t send_int(mach_port_t port, int value) {
  struct int_message m;
  memset(&m, 0, sizeof m);
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.head.msgh_size = sizeof m;
  m.head.msgh_remote_port = port;
  m.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  m.type.msgt_size = 32;
  m.type.msgt_number = 1;
  m.type.msgt_inline = TRUE;
  m.value = value;
  return mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

int receive_int(mach_port_t port) {
  struct {
    struct int_message m;
    char room[64]; /* a larger message fails with MACH_RCV_TOO_LARGE */
  } r;
  if (mach_msg(&r.m.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) !=
      MACH_MSG_SUCCESS)
    return -1;
  return r.m.value;
}
