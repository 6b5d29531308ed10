/* tests/programs/threads.c: a second thread in the task, made by the
 * parent with thread_create, given a stack and registers with
 * thread_set_state (i386_THREAD_STATE) and started with thread_resume.
 *
 * threads ok
 *   The child prints its argument, sends it to a port the parent made, and
 *   ends itself with thread_terminate(mach_thread_self()). The parent
 *   prints what it received, then sends to the child's port until the
 *   kernel refuses (MACH_SEND_INVALID_DEST once the thread is gone).
 * threads guard
 *   The child writes into its stack's guard page (VM_PROT_NONE): an
 *   EXC_BAD_ACCESS with no handler ends the task.
 * threads suspend
 *   The child spins counting; the parent suspends it and sees the count
 *   stand still from the moment thread_suspend returns, reads its state
 *   (the pc is in the child's loop), resumes it, sees it count again, and
 *   terminates it while it runs.
 * threads hold
 *   The child spins counting; a second child resumes it over and over
 *   while the parent reads its state over and over: it was never
 *   suspended, so every thread_resume fails (KERN_FAILURE), whatever the
 *   kernel does to read the state.
 * threads bad
 *   thread_set_state with states the kernel refuses (a non-canonical pc,
 *   privileged flag bits, a short count, an unknown flavor), thread_resume
 *   of a thread that is not suspended, thread_get_state of itself, and
 *   thread_resume of a terminated thread; each prints its kern_return_t
 *   (decimal). */
#include <mach.h>
#include <mach/thread_status.h>
#include <stdio.h>
#include <string.h>

#include "int_message.h"

enum { kStackPages = 16, kPage = 4096 };


static mach_port_t g_port;

static void child_main(long arg) {
  printf("child: arg %ld\n", arg);
  struct int_message m;
  memset(&m, 0, sizeof m);
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.head.msgh_size = sizeof m;
  m.head.msgh_remote_port = g_port;
  m.head.msgh_id = 7;
  m.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  m.type.msgt_size = 32;
  m.type.msgt_number = 1;
  m.type.msgt_inline = 1;
  m.value = (int)arg;
  mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  thread_terminate(mach_thread_self());
  for (;;) {
  }
}

static volatile unsigned long g_count;

static void spin_main(long arg) {
  (void)arg;
  for (;;) g_count = g_count + 1;
}


static void guard_main(long arg) {
  volatile char* guard = (volatile char*)arg;
  *guard = 1;
  printf("child: wrote into the guard page\n");
  thread_terminate(mach_thread_self());
}

/* A stack with its lowest page a guard; returns its lowest address. */
static vm_address_t make_stack(void) {
  vm_address_t stack = 0;
  if (vm_allocate(mach_task_self(), &stack, kStackPages * kPage, TRUE) != KERN_SUCCESS) return 0;
  if (vm_protect(mach_task_self(), stack, kPage, FALSE, VM_PROT_NONE) != KERN_SUCCESS) return 0;
  return stack;
}

static void start_state(struct i386_thread_state* s, void (*fn)(long), vm_address_t stack, long arg) {
  memset(s, 0, sizeof *s);
  s->rip = (uint64_t)(uintptr_t)fn;
  s->ursp = (stack + kStackPages * kPage) - 8;  /* 16-aligned, minus a return address */
  s->rsp = s->ursp;
  s->rdi = (uint64_t)arg;
}

static int run_child(void (*fn)(long), long arg, thread_t* child) {
  vm_address_t stack = make_stack();
  struct i386_thread_state s;
  kern_return_t kr = thread_create(mach_task_self(), child);
  printf("thread_create: %d\n", kr);
  if (kr != KERN_SUCCESS || !stack) return 1;
  start_state(&s, fn, stack, fn == guard_main ? (long)stack : arg);
  printf("thread_set_state: %d\n",
         thread_set_state(*child, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT));
  printf("thread_resume: %d\n", thread_resume(*child));
  return 0;
}

static int threads_ok(void) {
  mach_port_t self = mach_task_self();
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_port);
  mach_port_insert_right(self, g_port, g_port, MACH_MSG_TYPE_MAKE_SEND);
  thread_t child;
  if (run_child(child_main, 4242, &child)) return 1;
  struct int_message r;
  memset(&r, 0, sizeof r);
  kern_return_t kr = mach_msg(&r.head, MACH_RCV_MSG, 0, sizeof r, g_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("parent: received %d id %d value %d\n", kr, r.head.msgh_id, r.value);
  /* The child ends right after its send: wait (up to ~2 s) until its port refuses. */
  for (int i = 0; i < 2000; ++i) {
    kr = thread_suspend(child);
    if (kr == MACH_SEND_INVALID_DEST) break;
    if (kr == KERN_SUCCESS) thread_resume(child);
    mach_msg(&r.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof r, g_port, 1, MACH_PORT_NULL);
  }
  printf("parent: send to the ended thread: %d\n", kr);
  return 0;
}

static int threads_guard(void) {
  thread_t child;
  if (run_child(guard_main, 0, &child)) return 1;
  mach_port_t port;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  struct int_message r;
  mach_msg(&r.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);  /* ended by the fault */
  printf("parent: still running\n");
  return 0;
}

static int threads_suspend(void) {
  thread_t child;
  if (run_child(spin_main, 0, &child)) return 1;
  for (int i = 0; i < 2000 && g_count == 0; ++i) pause_ms(1);
  printf("counting: %d\n", g_count != 0);
  printf("thread_suspend: %d\n", thread_suspend(child));
  unsigned long at_suspend = g_count;
  pause_ms(30);
  printf("stopped at once: %d\n", g_count == at_suspend);
  struct i386_thread_state s;
  mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
  kern_return_t kr = thread_get_state(child, i386_THREAD_STATE, (thread_state_t)&s, &count);
  uintptr_t fn = (uintptr_t)spin_main;
  printf("thread_get_state: %d pc in the loop: %d\n", kr, s.rip >= fn && s.rip < fn + 64);
  unsigned long before = g_count;
  pause_ms(30);
  printf("stands still: %d\n", g_count == before);
  printf("thread_resume: %d\n", thread_resume(child));
  printf("resume again: %d\n", thread_resume(child));
  for (int i = 0; i < 2000 && g_count == before; ++i) pause_ms(1);
  printf("counts again: %d\n", g_count != before);
  printf("thread_terminate: %d\n", thread_terminate(child));
  before = g_count;
  pause_ms(30);
  printf("ended: %d\n", g_count == before);
  return 0;
}

static thread_t g_spinner;
static volatile int g_resumes_done;
static volatile int g_resumes_that_worked;

static void resumer_main(long arg) {
  (void)arg;
  while (!g_resumes_done)
    if (thread_resume(g_spinner) == KERN_SUCCESS) g_resumes_that_worked = g_resumes_that_worked + 1;
  g_resumes_done = 2;
  for (;;) {
  }
}

static int threads_hold(void) {
  if (run_child(spin_main, 0, &g_spinner)) return 1;
  thread_t resumer;
  if (run_child(resumer_main, 0, &resumer)) return 1;
  int read = 0;
  for (int i = 0; i < 50; ++i) {
    struct i386_thread_state s;
    mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
    read += thread_get_state(g_spinner, i386_THREAD_STATE, (thread_state_t)&s, &count) == KERN_SUCCESS;
  }
  g_resumes_done = 1;
  for (int i = 0; i < 2000 && g_resumes_done != 2; ++i) pause_ms(1);
  printf("states read: %d\n", read);
  printf("resumes that worked: %d\n", g_resumes_that_worked);
  printf("resume: %d\n", thread_resume(g_spinner));
  unsigned long before = g_count;
  for (int i = 0; i < 2000 && g_count == before; ++i) pause_ms(1);
  printf("counting: %d\n", g_count != before);
  thread_terminate(resumer);
  thread_terminate(g_spinner);
  return 0;
}

static int threads_bad(void) {
  thread_t child;
  kern_return_t kr = thread_create(mach_task_self(), &child);
  printf("thread_create: %d\n", kr);
  vm_address_t stack = make_stack();
  struct i386_thread_state s;
  start_state(&s, child_main, stack, 1);
  s.rip = 0x8000000000000000ull;
  printf("non-canonical rip: %d\n", thread_set_state(child, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT));
  start_state(&s, child_main, stack, 1);
  s.rfl = 0x3202; /* IOPL 3 */
  printf("kernel rflags: %d\n", thread_set_state(child, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT));
  start_state(&s, child_main, stack, 1);
  s.cs = 0x8;
  printf("kernel cs: %d\n", thread_set_state(child, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT));
  printf("short count: %d\n", thread_set_state(child, i386_THREAD_STATE, (thread_state_t)&s, 10));
  printf("bad flavor: %d\n", thread_set_state(child, 99, (thread_state_t)&s, i386_THREAD_STATE_COUNT));
  mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
  kr = thread_get_state(child, i386_THREAD_STATE, (thread_state_t)&s, &count);
  printf("get_state: %d count %u rip %lu cs %#x\n", kr, count, (unsigned long)s.rip, s.cs);
  count = i386_THREAD_STATE_COUNT;
  printf("get_state of self: %d\n", thread_get_state(mach_thread_self(), i386_THREAD_STATE, (thread_state_t)&s, &count));
  printf("resume self (running): %d\n", thread_resume(mach_thread_self()));
  printf("suspend child: %d\n", thread_suspend(child));
  printf("resume child: %d\n", thread_resume(child));  /* still suspended once */
  printf("terminate child: %d\n", thread_terminate(child));
  printf("resume ended child: %d\n", thread_resume(child));
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ok";
  if (!strcmp(mode, "guard")) return threads_guard();
  if (!strcmp(mode, "bad")) return threads_bad();
  if (!strcmp(mode, "suspend")) return threads_suspend();
  if (!strcmp(mode, "hold")) return threads_hold();
  return threads_ok();
}
