/* examples/thread_by_hand.c: a thread made by hand, and a stack overflow
 * caught.
 *
 * Mach's thread_create gives an empty thread: no stack, no registers
 * worth running, suspended. Everything a thread library does is spelled
 * out here:
 *   1. vm_allocate a stack (16 pages) and make its lowest page a guard
 *      page (vm_protect to VM_PROT_NONE): an overflow faults there;
 *   2. thread_create;
 *   3. thread_set_state with i386_THREAD_STATE: rip = the entry function,
 *      rdi = its argument (the SysV ABI's first argument register), rsp =
 *      the stack's top, aligned as the ABI wants at a function's entry
 *      (on RISC-V, riscv64_THREAD_STATE: pc, a0 and sp);
 *   4. thread_resume;
 *   5. the thread ends itself with thread_terminate(mach_thread_self()):
 *      its entry function has nowhere to return to.
 *
 * The first thread sums 1..100 and sends the sum to the main thread. The
 * second recurses without end until it touches its guard page: the
 * kernel turns the fault into an EXC_BAD_ACCESS exception, an
 * exception_raise RPC to the thread's exception port, which the main
 * thread holds. The main thread points the faulting thread at a recovery
 * function (thread_set_state again, as a signal library would) and
 * answers KERN_SUCCESS: the thread resumes there, on a fresh stack top.
 *
 * Run it: umach run thread_by_hand */
#include <mach.h>
#include <mach/exc_server.h>
#include <mach/exception.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>
#include <mach_init.h>
#include <stdio.h>
#include <string.h>

#include "int_message.h"

enum { kStackPages = 16 };

static mach_port_t g_results; /* the main thread's port; the threads send integers to it */
static vm_address_t g_stack;  /* the current thread's stack (one at a time here) */

/* The first thread's body: arg is how far to sum. */
static void summer(long arg) {
  int sum = 0;
  for (int i = 1; i <= arg; ++i) sum += i;
  send_int(g_results, sum);
  thread_terminate(mach_thread_self());
}

/* The second thread's body: every call takes a frame until the stack runs
 * into its guard page. */
static volatile int g_depth;

static void recurse(void) {
  volatile int level = g_depth; /* a local each level keeps in its own frame */
  g_depth = level + 1;
  if (g_depth < 1000000) recurse(); /* always true: 15 pages hold far fewer frames */
  g_depth = level; /* used after the call: not a tail call, so every level keeps its frame */
}

static void overflower(long arg) {
  (void)arg;
  recurse();
}

/* Where the main thread sends the second thread once it has overflowed. */
static void overflowed(long depth) {
  send_int(g_results, (int)depth);
  thread_terminate(mach_thread_self());
}

/* A register state that calls fn(arg) on the stack at `stack`: the
 * machine's own flavor (GNU Mach's thread states are per machine). */
#if defined(__x86_64__)
#define ENTRY_FLAVOR i386_THREAD_STATE
#define ENTRY_COUNT i386_THREAD_STATE_COUNT
typedef struct i386_thread_state entry_state_t;
static void entry_state(entry_state_t *s, void (*fn)(long), long arg, vm_address_t stack) {
  memset(s, 0, sizeof *s);
  s->rip = (uint64_t)(uintptr_t)fn;
  s->rdi = (uint64_t)arg;
  /* At a function's entry the SysV ABI has rsp + 8 16-byte aligned (the
   * call pushed an 8-byte return address onto an aligned stack). */
  s->ursp = stack + kStackPages * vm_page_size - 8;
  s->rsp = s->ursp;
}
#elif defined(__riscv)
#define ENTRY_FLAVOR riscv64_THREAD_STATE
#define ENTRY_COUNT riscv64_THREAD_STATE_COUNT
typedef struct riscv64_thread_state entry_state_t;
static void entry_state(entry_state_t *s, void (*fn)(long), long arg, vm_address_t stack) {
  memset(s, 0, sizeof *s);
  s->pc = (uint64_t)(uintptr_t)fn;
  s->x10 = (uint64_t)arg; /* a0 */
  /* The RISC-V ABI keeps sp 16-byte aligned; ra 0: returning faults. */
  s->x2 = stack + kStackPages * vm_page_size;
}
#endif

/* Steps 1 to 4: a new thread running fn(arg) on a new stack (g_stack),
 * with `exception_port`, unless null, as its exception port from its first
 * instruction on. */
static thread_t make_thread(void (*fn)(long), long arg, mach_port_t exception_port) {
  const mach_port_t self = mach_task_self();
  g_stack = 0;
  if (vm_allocate(self, &g_stack, kStackPages * vm_page_size, TRUE) != KERN_SUCCESS) return MACH_PORT_NULL;
  if (vm_protect(self, g_stack, vm_page_size, FALSE, VM_PROT_NONE) != KERN_SUCCESS) return MACH_PORT_NULL;
  thread_t thread = MACH_PORT_NULL;
  if (thread_create(self, &thread) != KERN_SUCCESS) return MACH_PORT_NULL;
  entry_state_t s;
  entry_state(&s, fn, arg, g_stack);
  if (thread_set_state(thread, ENTRY_FLAVOR, (thread_state_t)&s, ENTRY_COUNT) != KERN_SUCCESS)
    return MACH_PORT_NULL;
  if (exception_port != MACH_PORT_NULL &&
      thread_set_special_port(thread, THREAD_EXCEPTION_PORT, exception_port) != KERN_SUCCESS)
    return MACH_PORT_NULL;
  if (thread_resume(thread) != KERN_SUCCESS) return MACH_PORT_NULL;
  return thread;
}

/* Frees a thread's stack once the thread is gone. Its last message may
 * come before it reaches its own thread_terminate: terminating it here
 * makes sure it no longer runs on the stack (if it is gone already, its
 * name is a dead name and the call just fails). Then the name goes. */
static void retire(thread_t thread) {
  (void)thread_terminate(thread);
  (void)vm_deallocate(mach_task_self(), g_stack, kStackPages * vm_page_size);
  (void)mach_port_deallocate(mach_task_self(), thread);
}

/* exc_server (MIG's exception server) calls this for an exception_raise
 * request. Answering KERN_SUCCESS makes the thread go on with whatever
 * registers it has then: here the recovery function's. */
kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                    integer_t exception, integer_t code, long_integer_t subcode) {
  (void)exception_port;
  const vm_address_t address = (vm_address_t)subcode;
  const int in_guard = address >= g_stack && address < g_stack + vm_page_size;
  printf("main: caught %s (%s) in the second thread, in its guard page: %s\n",
         exception == EXC_BAD_ACCESS ? "EXC_BAD_ACCESS" : "another exception",
         code == KERN_PROTECTION_FAILURE ? "KERN_PROTECTION_FAILURE" : "another code", in_guard ? "yes" : "no");
  kern_return_t answer = KERN_FAILURE; /* anything else: let the kernel end the task */
  if (exception == EXC_BAD_ACCESS && in_guard) {
    /* The thread waits in the kernel for our answer, so its state can be
     * changed: recovery function, fresh stack top, depth as argument. */
    entry_state_t s;
    entry_state(&s, overflowed, g_depth, g_stack);
    answer = thread_set_state(thread, ENTRY_FLAVOR, (thread_state_t)&s, ENTRY_COUNT);
  }
  /* The request brought send rights to the thread and the task. */
  (void)mach_port_deallocate(mach_task_self(), thread);
  (void)mach_port_deallocate(mach_task_self(), task);
  return answer;
}

/* Serves one exception_raise request on `port`. */
static int serve_one_exception(mach_port_t port) {
  /* Buffers as MIG sizes them, with room to spare. */
  struct { mach_msg_header_t head; char body[EXC_MAX_REQUEST_SIZE]; } request;
  struct { mach_msg_header_t head; char body[EXC_MAX_REPLY_SIZE]; } reply;
  if (mach_msg(&request.head, MACH_RCV_MSG, 0, sizeof request, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) !=
      MACH_MSG_SUCCESS)
    return 0;
  if (!exc_server(&request.head, &reply.head)) return 0;
  return mach_msg(&reply.head, MACH_SEND_MSG, reply.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                  MACH_PORT_NULL) == MACH_MSG_SUCCESS;
}

int main(void) {
  const mach_port_t self = mach_task_self();
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_results);
  mach_port_insert_right(self, g_results, g_results, MACH_MSG_TYPE_MAKE_SEND);

  printf("main: starting a thread by hand (16-page stack, guard page, thread_set_state, thread_resume)\n");
  thread_t summing = make_thread(summer, 100, MACH_PORT_NULL);
  if (summing == MACH_PORT_NULL) return 1;
  printf("main: the thread summed 1..100: %d\n", receive_int(g_results));
  retire(summing);

  printf("main: starting a thread that recurses until its stack overflows\n");
  mach_port_t exceptions = MACH_PORT_NULL;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &exceptions);
  mach_port_insert_right(self, exceptions, exceptions, MACH_MSG_TYPE_MAKE_SEND);
  thread_t deep = make_thread(overflower, 0, exceptions);
  if (deep == MACH_PORT_NULL || !serve_one_exception(exceptions)) return 1;
  const int depth = receive_int(g_results);
  printf("main: the thread recovered and ended; it overflowed after %d calls\n", depth);

  retire(deep);
  mach_port_destroy(self, exceptions);
  mach_port_destroy(self, g_results);
  return depth > 0 ? 0 : 1;
}
