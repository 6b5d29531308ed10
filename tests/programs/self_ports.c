/* tests/programs/self_ports.c: the self traps and the kernel ports behind
 * them, and a dead-name notification asked for by RPC. Prints one line per
 * step (kern_return_t values in decimal) for
 * tests/hosted/task_program_test.cc. */
#include <mach.h>
#include <mach/notify.h>
#include <stdio.h>

static int is_send(mach_port_t name) {
  mach_port_type_t type = 0;
  return mach_port_type(mach_task_self(), name, &type) == KERN_SUCCESS && type == MACH_PORT_TYPE_SEND;
}

int main(void) {
  mach_port_t task = mach_task_self(), thread = mach_thread_self(), host = mach_host_self();
  printf("self ports: %d %d %d distinct: %d\n", is_send(task), is_send(thread), is_send(host),
         task != thread && thread != host && task != host);
  mach_port_urefs_t refs = 0;
  mach_port_t again = mach_thread_self();
  mach_port_get_refs(task, thread, MACH_PORT_RIGHT_SEND, &refs);
  printf("thread again: %d refs %u\n", again == thread, refs);
  /* A thread that is not waiting is left as it is. */
  printf("thread_abort self: %d\n", thread_abort(thread));
  /* The host port is no task: a mach_port call on it has no space. */
  mach_port_t name = MACH_PORT_NULL;
  printf("allocate on host: %d\n", mach_port_allocate(host, MACH_PORT_RIGHT_RECEIVE, &name));
  printf("abort the task: %d\n", thread_abort(task));

  /* A dead-name request on a send right whose receive right then dies. */
  mach_port_t port = MACH_PORT_NULL, notify = MACH_PORT_NULL, previous = MACH_PORT_NULL;
  mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &port);
  mach_port_allocate(task, MACH_PORT_RIGHT_RECEIVE, &notify);
  mach_port_insert_right(task, port, port, MACH_MSG_TYPE_MAKE_SEND);
  printf("request: %d\n", mach_port_request_notification(task, port, MACH_NOTIFY_DEAD_NAME, 0, notify,
                                                                MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous));
  printf("drop receive: %d\n", mach_port_mod_refs(task, port, MACH_PORT_RIGHT_RECEIVE, -1));
  mach_dead_name_notification_t n;
  kern_return_t kr = mach_msg(&n.not_header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof n, notify, 0, MACH_PORT_NULL);
  printf("notification: %d id %d for port %d\n", kr, n.not_header.msgh_id, n.not_port == port);
  mach_port_get_refs(task, port, MACH_PORT_RIGHT_DEAD_NAME, &refs);
  printf("dead name refs: %u\n", refs);
  return 0;
}
