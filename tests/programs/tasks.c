/* tests/programs/tasks.c: the task calls (issue 7). Each mode prints one
 * line per call with its kern_return_t in decimal; tests/hosted/task_test.cc
 * checks the lines.
 *
 * tasks fork
 *   task_create with inherited memory; a thread started in the child runs
 *   the parent's code at the same addresses on a copy of its data: it
 *   reports the value it sees and writes its own, which the parent never
 *   sees. task_threads and thread_info of the child's thread; then
 *   task_terminate of the child, whose port is dead afterwards
 *   (MACH_SEND_INVALID_DEST).
 * tasks empty
 *   task_create without inherited memory: an empty address space
 *   (task_info's virtual_size 0, vm_region finds nothing), a thread can be
 *   made in it; task_terminate, twice.
 * tasks suspend
 *   A forked child counts in a loop (read through vm_read); task_suspend
 *   stops it, counted (a second suspension needs a second resume); a
 *   thread created while the task is suspended stays out of user mode;
 *   task_resume at zero is KERN_FAILURE.
 * tasks info
 *   task_info's three flavors and its errors, thread_info's two and
 *   theirs, task_threads of itself, the priority calls and their errors,
 *   task_set_name.
 * tasks self
 *   task_terminate of its own task: nothing after it runs. */
#include <mach.h>
#include <mach/gnumach.h>
#include <mach/mach_host.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <stdio.h>
#include <string.h>

#include "int_message.h"

enum { kStackPages = 16, kPage = 4096 };

/* The name the parent gives its port in a child's space. */
#define CHILD_PORT_NAME ((mach_port_t)0x4321)

static volatile int g_value = 1;
static volatile unsigned long g_count;
static volatile unsigned long g_count2;


/* Runs in the child task: only traps and the port the parent gave it
 * (libmach's cached mach_task_self() is the parent's name). */
static void child_main(long arg) {
  struct int_message m;
  memset(&m, 0, sizeof m);
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.head.msgh_size = sizeof m;
  m.head.msgh_remote_port = CHILD_PORT_NAME;
  m.head.msgh_id = (int)arg;
  m.type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
  m.type.msgt_size = 32;
  m.type.msgt_number = 1;
  m.type.msgt_inline = 1;
  m.value = g_value;
  g_value = 2; /* the child's copy only */
  mach_msg(&m.head, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  for (;;) {
  }
}

static void count_main(long arg) {
  (void)arg;
  for (;;) g_count = g_count + 1;
}

static void count2_main(long arg) {
  (void)arg;
  for (;;) g_count2 = g_count2 + 1;
}

static vm_address_t make_stack(void) {
  vm_address_t stack = 0;
  if (vm_allocate(mach_task_self(), &stack, kStackPages * kPage, TRUE) != KERN_SUCCESS) return 0;
  return stack;
}

/* A thread in `task` at fn(arg) on `stack`, left suspended. */
static kern_return_t make_thread(task_t task, void (*fn)(long), vm_address_t stack, long arg, thread_t* thread) {
  kern_return_t kr = thread_create(task, thread);
  if (kr != KERN_SUCCESS) return kr;
#if defined(__x86_64__)
  struct i386_thread_state s;
  memset(&s, 0, sizeof s);
  s.rip = (uint64_t)(uintptr_t)fn;
  s.ursp = (stack + kStackPages * kPage) - 8;
  s.rsp = s.ursp;
  s.rdi = (uint64_t)arg;
  return thread_set_state(*thread, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT);
#elif defined(__riscv)
  struct riscv64_thread_state s;
  memset(&s, 0, sizeof s);
  s.pc = (uint64_t)(uintptr_t)fn;
  s.x2 = stack + kStackPages * kPage; /* sp */
  s.x10 = (uint64_t)arg;              /* a0 */
  return thread_set_state(*thread, riscv64_THREAD_STATE, (thread_state_t)&s, riscv64_THREAD_STATE_COUNT);
#endif
}

/* The child's copy of a counter, through vm_read. */
static unsigned long child_counter(task_t child, volatile unsigned long* counter) {
  vm_offset_t data = 0;
  mach_msg_type_number_t n = 0;
  vm_address_t page = (vm_address_t)(uintptr_t)counter & ~(vm_address_t)(kPage - 1);
  if (vm_read(child, page, kPage, &data, &n) != KERN_SUCCESS) return ~0ul;
  unsigned long v = *(unsigned long*)(data + ((vm_address_t)(uintptr_t)counter - page));
  vm_deallocate(mach_task_self(), data, n);
  return v;
}

static int tasks_fork(void) {
  mach_port_t self = mach_task_self(), port;
  mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  vm_address_t stack = make_stack();
  task_t child;
  printf("task_create: %d\n", task_create(self, TRUE, &child));
  printf("insert right: %d\n", mach_port_insert_right(child, CHILD_PORT_NAME, port, MACH_MSG_TYPE_MAKE_SEND));
  thread_t thread;
  printf("thread in child: %d\n", make_thread(child, child_main, stack, 77, &thread));
  thread_array_t threads;
  mach_msg_type_number_t n = 0;
  printf("task_threads: %d count %u\n", task_threads(child, &threads, &n), n);
  if (n) {
    for (mach_msg_type_number_t i = 0; i < n; ++i) mach_port_deallocate(self, threads[i]);
    vm_deallocate(self, (vm_address_t)(uintptr_t)threads, n * sizeof *threads);
  }
  struct thread_basic_info b;
  mach_msg_type_number_t count = THREAD_BASIC_INFO_COUNT;
  kern_return_t kr = thread_info(thread, THREAD_BASIC_INFO, (thread_info_t)&b, &count);
  printf("thread_info: %d suspend_count %d\n", kr, b.suspend_count);
  printf("thread_resume: %d\n", thread_resume(thread));
  struct int_message r;
  memset(&r, 0, sizeof r);
  kr = mach_msg(&r.head, MACH_RCV_MSG, 0, sizeof r, port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("from the child: %d id %d saw %d\n", kr, r.head.msgh_id, r.value);
  printf("parent still has %d\n", g_value);
  printf("task_terminate: %d\n", task_terminate(child));
  printf("task_suspend of the ended child: %d\n", task_suspend(child));
  printf("thread_resume of its thread: %d\n", thread_resume(thread));
  return 0;
}

static int tasks_empty(void) {
  mach_port_t self = mach_task_self();
  task_t child;
  printf("task_create: %d\n", task_create(self, FALSE, &child));
  struct task_basic_info b;
  mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
  kern_return_t kr = task_info(child, TASK_BASIC_INFO, (task_info_t)&b, &count);
  printf("task_info: %d virtual_size %lu\n", kr, (unsigned long)b.virtual_size);
  vm_address_t addr = 0;
  vm_size_t size;
  vm_prot_t prot, max;
  vm_inherit_t inh;
  boolean_t shared;
  mach_port_t object;
  vm_offset_t offset;
  printf("vm_region: %d\n", vm_region(child, &addr, &size, &prot, &max, &inh, &shared, &object, &offset));
  thread_t thread;
  printf("thread_create: %d\n", thread_create(child, &thread));
  printf("task_terminate: %d\n", task_terminate(child));
  printf("again: %d\n", task_terminate(child));
  return 0;
}

static int tasks_suspend(void) {
  mach_port_t self = mach_task_self();
  vm_address_t stack = make_stack(), stack2 = make_stack();
  task_t child;
  printf("task_create: %d\n", task_create(self, TRUE, &child));
  thread_t thread, thread2;
  printf("thread: %d\n", make_thread(child, count_main, stack, 0, &thread));
  printf("thread_resume: %d\n", thread_resume(thread));
  unsigned long before = 0;
  for (int i = 0; i < 2000 && (before = child_counter(child, &g_count)) == 0; ++i) pause_ms(1);
  printf("counting: %d\n", before != 0 && before != ~0ul);
  printf("task_suspend: %d\n", task_suspend(child));
  printf("task_suspend: %d\n", task_suspend(child));
  struct task_basic_info b;
  mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
  kern_return_t kr = task_info(child, TASK_BASIC_INFO, (task_info_t)&b, &count);
  printf("task_info: %d suspend_count %d\n", kr, b.suspend_count);
  before = child_counter(child, &g_count);
  pause_ms(30);
  printf("stands still: %d\n", child_counter(child, &g_count) == before);
  printf("thread made while suspended: %d\n", make_thread(child, count2_main, stack2, 0, &thread2));
  printf("thread_resume: %d\n", thread_resume(thread2));
  printf("task_resume: %d\n", task_resume(child));
  pause_ms(30);
  printf("still suspended: %d %d\n", child_counter(child, &g_count) == before, child_counter(child, &g_count2) == 0);
  printf("task_resume: %d\n", task_resume(child));
  /* The two share one range: they take turns, so wait for both. */
  unsigned long now = before, now2 = 0;
  for (int i = 0; i < 2000 && ((now = child_counter(child, &g_count)) == before ||
                               (now2 = child_counter(child, &g_count2)) == 0); ++i)
    pause_ms(1);
  printf("both count again: %d %d\n", now != before, now2 != 0);
  printf("task_resume at zero: %d\n", task_resume(child));
  printf("task_terminate: %d\n", task_terminate(child));
  return 0;
}

static int tasks_info(void) {
  mach_port_t self = mach_task_self(), me = mach_thread_self();
  struct task_basic_info b;
  mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
  kern_return_t kr = task_info(self, TASK_BASIC_INFO, (task_info_t)&b, &count);
  printf("TASK_BASIC_INFO: %d count %u suspend %d priority %d virtual %d resident %d created %d\n", kr, count,
         b.suspend_count, b.base_priority, b.virtual_size > 0, b.resident_size > 0, b.creation_time64.seconds > 0);
  struct task_events_info e;
  count = TASK_EVENTS_INFO_COUNT;
  kr = task_info(self, TASK_EVENTS_INFO, (task_info_t)&e, &count);
  printf("TASK_EVENTS_INFO: %d count %u faults %d sent %d received %d\n", kr, count, e.faults > 0,
         e.messages_sent > 0, e.messages_received > 0);
  for (volatile unsigned long i = 0; i < 30000000; i = i + 1) {
  }
  struct task_thread_times_info t;
  count = TASK_THREAD_TIMES_INFO_COUNT;
  kr = task_info(self, TASK_THREAD_TIMES_INFO, (task_info_t)&t, &count);
  printf("TASK_THREAD_TIMES_INFO: %d count %u user time %d\n", kr, count,
         t.user_time64.seconds > 0 || t.user_time64.nanoseconds > 0);
  count = TASK_BASIC_INFO_COUNT - 1;
  printf("short count: %d\n", task_info(self, TASK_BASIC_INFO, (task_info_t)&b, &count));
  count = TASK_BASIC_INFO_COUNT;
  printf("bad flavor: %d\n", task_info(self, 99, (task_info_t)&b, &count));
  printf("of a thread port: %d\n", task_info(me, TASK_BASIC_INFO, (task_info_t)&b, &count));

  struct thread_basic_info tb;
  count = THREAD_BASIC_INFO_COUNT;
  kr = thread_info(me, THREAD_BASIC_INFO, (thread_info_t)&tb, &count);
  printf("THREAD_BASIC_INFO: %d count %u state %d suspend %d priority %d/%d user time %d\n", kr, count, tb.run_state,
         tb.suspend_count, tb.base_priority, tb.cur_priority, tb.user_time64.seconds > 0 || tb.user_time64.nanoseconds > 0);
  struct thread_sched_info ts;
  count = THREAD_SCHED_INFO_COUNT;
  kr = thread_info(me, THREAD_SCHED_INFO, (thread_info_t)&ts, &count);
  printf("THREAD_SCHED_INFO: %d count %u policy %d base %d max %d cur %d\n", kr, count, ts.policy, ts.base_priority,
         ts.max_priority, ts.cur_priority);
  count = THREAD_SCHED_INFO_COUNT - 1;
  printf("short count: %d\n", thread_info(me, THREAD_SCHED_INFO, (thread_info_t)&ts, &count));
  count = THREAD_BASIC_INFO_COUNT;
  printf("bad flavor: %d\n", thread_info(me, 99, (thread_info_t)&tb, &count));
  printf("of a task port: %d\n", thread_info(self, THREAD_BASIC_INFO, (thread_info_t)&tb, &count));

  thread_t other;
  printf("thread_create: %d\n", thread_create(self, &other));
  thread_array_t threads;
  mach_msg_type_number_t n = 0;
  kr = task_threads(self, &threads, &n);
  int listed = 0;
  for (mach_msg_type_number_t i = 0; i < n; ++i) listed += threads[i] == me || threads[i] == other;
  printf("task_threads: %d count %u both listed %d\n", kr, n, listed == 2);
  vm_deallocate(self, (vm_address_t)(uintptr_t)threads, n * sizeof *threads);
  printf("thread_terminate: %d\n", thread_terminate(other));
  kr = task_threads(self, &threads, &n);
  printf("task_threads: %d count %u\n", kr, n);
  vm_deallocate(self, (vm_address_t)(uintptr_t)threads, n * sizeof *threads);

  printf("thread_priority 50: %d\n", thread_priority(me, 50, FALSE));
  printf("thread_priority -1: %d\n", thread_priority(me, -1, FALSE));
  printf("thread_priority 10 (above max): %d\n", thread_priority(me, 10, FALSE));
  printf("thread_priority 30: %d\n", thread_priority(me, 30, FALSE));
  printf("thread_priority 27 set_max: %d\n", thread_priority(me, 27, TRUE));
  printf("thread_priority 26 (above max): %d\n", thread_priority(me, 26, FALSE));
  count = THREAD_SCHED_INFO_COUNT;
  kr = thread_info(me, THREAD_SCHED_INFO, (thread_info_t)&ts, &count);
  printf("now: base %d max %d cur %d\n", ts.base_priority, ts.max_priority, ts.cur_priority);
  printf("task_priority 50: %d\n", task_priority(self, 50, FALSE));
  printf("task_priority 20 change_threads: %d\n", task_priority(self, 20, TRUE));
  printf("task_priority 33 change_threads: %d\n", task_priority(self, 33, TRUE));
  count = TASK_BASIC_INFO_COUNT;
  kr = task_info(self, TASK_BASIC_INFO, (task_info_t)&b, &count);
  count = THREAD_SCHED_INFO_COUNT;
  kr = thread_info(me, THREAD_SCHED_INFO, (thread_info_t)&ts, &count);
  printf("now: task %d thread %d\n", b.base_priority, ts.base_priority);
  printf("task_priority of a thread port: %d\n", task_priority(me, 30, FALSE));
  printf("task_set_name: %d\n", task_set_name(self, "tasks-under-test"));
  return 0;
}

static int tasks_self(void) {
  printf("task_terminate: about to\n");
  kern_return_t kr = task_terminate(mach_task_self());
  printf("after task_terminate: %d\n", kr);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "fork";
  if (!strcmp(mode, "empty")) return tasks_empty();
  if (!strcmp(mode, "suspend")) return tasks_suspend();
  if (!strcmp(mode, "info")) return tasks_info();
  if (!strcmp(mode, "self")) return tasks_self();
  return tasks_fork();
}
