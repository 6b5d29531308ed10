/* examples/exception_handler.c: a user-level exception handler that makes
 * memory appear on demand.
 *
 * When a thread touches an address its task has not allocated, the Mach
 * kernel does not kill the task: it turns the fault into an exception
 * message, an exception_raise RPC (exc.defs) to the thread's exception
 * port, or failing that the task's. Whoever holds the receive right
 * decides: the answer KERN_SUCCESS makes the kernel run the faulting
 * instruction again; any other answer passes the exception on, and with
 * no handler left the task ends.
 *
 * Here the task is its own handler: a handler thread serves the task's
 * exception port with MIG's exc_server; the main thread then writes to a
 * page nobody allocated. The handler vm_allocate's exactly that page
 * (anywhere = FALSE: at that address) and answers KERN_SUCCESS, and the
 * main thread's write simply happens, as if the page had been there all
 * along. This is how a Mach program builds lazily allocated memory, a
 * user-level pager's poor cousin.
 *
 * Run it: umach run exception_handler */
#include <mach.h>
#include <mach/exc_server.h>
#include <mach/exception.h>
#include <mach/task_special_ports.h>
#include <mach_init.h>
#include <stdio.h>

#include "thread_start.h"

static int g_handled; /* exceptions the handler resolved */

/* exc_server calls this for each exception_raise request. */
kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                    integer_t exception, integer_t code, long_integer_t subcode) {
  (void)exception_port;
  kern_return_t answer = KERN_FAILURE;
  if (exception == EXC_BAD_ACCESS && code == KERN_INVALID_ADDRESS) {
    /* subcode is the faulting address: allocate its page, there. */
    vm_address_t page = trunc_page((vm_address_t)subcode);
    answer = vm_allocate(task, &page, vm_page_size, FALSE);
    printf("handler: EXC_BAD_ACCESS (KERN_INVALID_ADDRESS): mapped the page: %s\n",
           answer == KERN_SUCCESS ? "ok" : "failed");
    if (answer == KERN_SUCCESS) ++g_handled;
  } else {
    printf("handler: exception %d code %d: not ours, passed on\n", exception, code);
  }
  /* The request carried send rights to the faulting thread and its task. */
  (void)mach_port_deallocate(mach_task_self(), thread);
  (void)mach_port_deallocate(mach_task_self(), task);
  return answer;
}

static void handler(long port) {
  /* Serves requests until the port is destroyed (the receive fails). */
  (void)mach_msg_server(exc_server, 0, (mach_port_t)port);
  thread_terminate(mach_thread_self());
}

int main(void) {
  const mach_port_t self = mach_task_self();

  /* The exception port: we keep the receive right and give the task a
   * send right to it as its exception port. */
  mach_port_t exceptions = MACH_PORT_NULL;
  if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &exceptions) != KERN_SUCCESS) return 1;
  (void)mach_port_insert_right(self, exceptions, exceptions, MACH_MSG_TYPE_MAKE_SEND);
  if (task_set_special_port(self, TASK_EXCEPTION_PORT, exceptions) != KERN_SUCCESS) return 1;

  thread_t handler_thread;
  vm_address_t handler_stack;
  if (start_thread(handler, (long)exceptions, &handler_thread, &handler_stack) != KERN_SUCCESS) return 1;
  printf("main: a handler thread serves the task's exception port\n");

  /* An address that is surely unallocated: allocate a page and give it back. */
  vm_address_t address = 0;
  if (vm_allocate(self, &address, vm_page_size, TRUE) != KERN_SUCCESS) return 1;
  (void)vm_deallocate(self, address, vm_page_size);

  printf("main: writing to a page nobody allocated\n");
  volatile int *p = (volatile int *)address;
  *p = 1234; /* faults; the handler maps the page; the write runs again */
  printf("main: the write went through: read back %d; exceptions handled: %d\n", *p, g_handled);

  /* Tidy up: no exception port, the handler gone, the page freed. */
  (void)task_set_special_port(self, TASK_EXCEPTION_PORT, MACH_PORT_NULL);
  (void)thread_terminate(handler_thread);
  (void)mach_port_deallocate(self, handler_thread);
  (void)vm_deallocate(self, handler_stack, kThreadStackPages * vm_page_size);
  (void)mach_port_destroy(self, exceptions);
  (void)vm_deallocate(self, address, vm_page_size);
  return g_handled == 1 ? 0 : 1;
}
