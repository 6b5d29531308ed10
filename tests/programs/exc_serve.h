/* tests/programs/exc_serve.h: serving one exception_raise request, for
 * the task programs that are exception handlers (exc.c, faults.c): the
 * request through MIG's exc_server (the program defines
 * catch_exception_raise), then the reply. A request that is not an
 * exception, or a reply that cannot be sent, is printed after `who`. */
#ifndef UMACH_TESTS_EXC_SERVE_H
#define UMACH_TESTS_EXC_SERVE_H

#include <mach.h>
#include <mach/exc_server.h>
#include <stdio.h>

/* The receive's result: MACH_MSG_SUCCESS if a request was served. */
static mach_msg_return_t exc_serve_one(mach_port_t port, const char* who) {
  union {
    mach_msg_header_t head;
    char bytes[EXC_MAX_REQUEST_SIZE + 64];
  } in;
  union {
    mach_msg_header_t head;
    char bytes[EXC_MAX_REPLY_SIZE + 64];
  } out;
  mach_msg_return_t mr = mach_msg(&in.head, MACH_RCV_MSG, 0, sizeof in, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) return mr;
  if (!exc_server(&in.head, &out.head)) printf("%s: not an exception: id %d\n", who, in.head.msgh_id);
  mr = mach_msg(&out.head, MACH_SEND_MSG, out.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) printf("%s: reply %d\n", who, mr);
  return MACH_MSG_SUCCESS;
}

#endif
