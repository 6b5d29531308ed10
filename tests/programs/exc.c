/* tests/programs/exc.c: Mach exceptions between two tasks, in two roles.
 *
 * exc handler PORT ok|fail COUNT
 *   Serves COUNT exception_raise requests on the receive right the harness
 *   gave it as PORT (hex) through MIG's exc_server: with `ok`, for
 *   EXC_BAD_ACCESS it vm_allocate's the faulting page in the victim task
 *   (the request carries a send right to it), vm_write's a page with
 *   kMarker in its first word there and answers KERN_SUCCESS, so the
 *   victim's access runs again and succeeds; with `fail` it answers KERN_FAILURE. It prints one line
 *   per request, and stops early when its receive fails (the harness
 *   destroys the right once the victim ended).
 *
 * exc victim none|task|thread|both
 *   Sets its exception ports from the send rights the harness gave it:
 *   `task` 0x1000 as the task's, `thread` 0x1000 as the thread's, `both`
 *   0x1000 as the thread's and 0x2000 as the task's; checks what
 *   task_get_special_port/thread_get_special_port give back and their
 *   errors; then reads a page it allocated and deallocated again (the VM
 *   cannot resolve that: EXC_BAD_ACCESS) and prints what it read. */
#include <mach.h>
#include <mach/exc_server.h>
#include "exc_serve.h"
#include <mach/exception.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>
#include <mach_init.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kHandlerPort = 0x1000, kTaskHandlerPort = 0x2000 };
static const unsigned long kMarker = 0x5a5a0001;

static int g_answer_ok;

kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                    integer_t exception, integer_t code, long_integer_t subcode) {
  (void)exception_port;
  kern_return_t answer = KERN_FAILURE;
  kern_return_t allocated = -1, written = -1;
  if (g_answer_ok && exception == EXC_BAD_ACCESS) {
    vm_address_t page = (vm_address_t)subcode & ~(vm_address_t)(vm_page_size - 1);
    allocated = vm_allocate(task, &page, vm_page_size, 0);
    /* vm_write takes whole pages. */
    static unsigned long contents[4096 / sizeof(unsigned long)] __attribute__((aligned(4096)));
    contents[0] = kMarker;
    written = vm_write(task, page, (vm_offset_t)contents, vm_page_size);
    if (allocated == KERN_SUCCESS && written == KERN_SUCCESS) answer = KERN_SUCCESS;
  }
  printf("handler: exception %d code %d thread %d task %d allocate %d write %d answer %d\n", exception, code,
         thread != MACH_PORT_NULL, task != MACH_PORT_NULL, allocated, written, answer);
  (void)mach_port_deallocate(mach_task_self(), thread);
  (void)mach_port_deallocate(mach_task_self(), task);
  return answer;
}

static int handler(mach_port_t port, int count) {
  for (int i = 0; i < count; ++i) {
    if (exc_serve_one(port, "handler") != MACH_MSG_SUCCESS) {
      printf("handler: receive ended\n");
      return 0;
    }
  }
  return 0;
}

static int victim(const char *which) {
  mach_port_t self = mach_task_self(), thread = mach_thread_self();
  if (!strcmp(which, "task") || !strcmp(which, "both")) {
    mach_port_t port = !strcmp(which, "task") ? kHandlerPort : kTaskHandlerPort;
    printf("set task: %d\n", task_set_special_port(self, TASK_EXCEPTION_PORT, port));
    mach_port_t back = MACH_PORT_NULL;
    kern_return_t kr = task_get_special_port(self, TASK_EXCEPTION_PORT, &back);
    printf("get task: %d same %d\n", kr, back == port);
  }
  if (!strcmp(which, "thread") || !strcmp(which, "both")) {
    printf("set thread: %d\n", thread_set_special_port(thread, THREAD_EXCEPTION_PORT, kHandlerPort));
    mach_port_t back = MACH_PORT_NULL;
    kern_return_t kr = thread_get_special_port(thread, THREAD_EXCEPTION_PORT, &back);
    printf("get thread: %d same %d\n", kr, back == kHandlerPort);
  }
  if (!strcmp(which, "none")) {
    /* The errors the manual gives: an unknown port kind, or no task. */
    mach_port_t back = MACH_PORT_NULL;
    printf("bad which: %d %d %d\n", task_set_special_port(self, 99, MACH_PORT_NULL),
           task_get_special_port(self, 2, &back), thread_get_special_port(thread, 99, &back));
    printf("not a task: %d %d\n", task_get_special_port(mach_host_self(), TASK_EXCEPTION_PORT, &back),
           task_set_special_port(thread, TASK_BOOTSTRAP_PORT, MACH_PORT_NULL));
    kern_return_t kr = task_get_special_port(self, TASK_KERNEL_PORT, &back);
    printf("kernel port: %d same %d\n", kr, back == self);
    kr = task_get_special_port(self, TASK_EXCEPTION_PORT, &back);
    printf("no exception port: %d null %d\n", kr, back == MACH_PORT_NULL);
  }
  vm_address_t at = 0;
  if (vm_allocate(self, &at, vm_page_size, 1) != KERN_SUCCESS || vm_deallocate(self, at, vm_page_size) != KERN_SUCCESS)
    return 1;
  printf("touching\n");
  unsigned long seen = *(volatile unsigned long *)at;
  printf("read 0x%lx\n", seen);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && !strcmp(argv[1], "handler")) {
    g_answer_ok = !strcmp(argv[3], "ok");
    return handler((mach_port_t)strtoul(argv[2], 0, 16), (int)strtoul(argv[4], 0, 10));
  }
  if (argc >= 3 && !strcmp(argv[1], "victim")) return victim(argv[2]);
  printf("usage: exc handler PORT ok|fail COUNT | exc victim none|task|thread|both\n");
  return 1;
}
