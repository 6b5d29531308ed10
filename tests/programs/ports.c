/* tests/programs/ports.c: Mach IPC from a task program, through libmach's
 * generated stubs and the mach_msg trap: port rights by RPC to the task's
 * own kernel port, then a message to itself. Prints one line per step
 * (kern_return_t values in decimal) for tests/hosted/task_program_test.cc. */
#include <mach.h>
#include <stdio.h>

struct int_message {
  mach_msg_header_t head;
  mach_msg_type_t type;
  int value;
  int pad;
};

int main(void) {
  mach_port_t self = mach_task_self();
  mach_port_t port = MACH_PORT_NULL;
  printf("allocate: %d\n", mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port));
  printf("insert_right: %d\n", mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND));
  /* The manual: KERN_INVALID_CAPABILITY (20) for a null or dead right. */
  printf("insert_right dead: %d\n", mach_port_insert_right(self, port, MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND));
  mach_port_type_t type = 0;
  kern_return_t kr = mach_port_type(self, port, &type);
  printf("type: %d send+receive: %d\n", kr, type == MACH_PORT_TYPE_SEND_RECEIVE);
  printf("deallocate send: %d\n", mach_port_deallocate(self, port));
  printf("deallocate receive: %d\n", mach_port_deallocate(self, port));

  struct int_message m = {0};
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.head.msgh_size = sizeof m;
  m.head.msgh_remote_port = port;
  m.head.msgh_id = 1234;
  m.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  m.type.msgt_size = 32;
  m.type.msgt_number = 1;
  m.type.msgt_inline = 1;
  m.value = 42;
  printf("send: %d\n", mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                                MACH_PORT_NULL));
  struct int_message r = {0};
  kr = mach_msg(&r.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("receive: %d id %d value %d on port %d\n", kr, r.head.msgh_id, r.value, r.head.msgh_local_port == port);
  printf("empty: %d\n", mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, port, 0, MACH_PORT_NULL));
  return 0;
}
