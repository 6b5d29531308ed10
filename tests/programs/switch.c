/* tests/programs/switch.c: hand-off scheduling and priority depression,
 * on one vCPU: swtch, swtch_pri, thread_switch with each option,
 * thread_depress_abort (the RPC and trap 76) and thread_policy.
 *
 * The main thread hands off to an observer thread while depressed
 * (thread_switch with the observer as hint and SWITCH_OPTION_DEPRESS):
 * the observer runs at once, sees the main thread depressed in its
 * THREAD_SCHED_INFO, aborts the depression with thread_depress_abort, sees
 * it end, and ends itself; a second observer ends the depression with
 * thread_abort, as GNU Mach's does. Then a spinner thread keeps the CPU busy and
 * swtch, swtch_pri and thread_switch(WAIT) each let it run. Prints the
 * results in decimal (MACH_SEND_INTERRUPTED is 268435463). */
#include <mach.h>
#include <mach/mach_host.h>
#include <mach/mach_traps.h>
#include <mach/policy.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/thread_switch.h>
#include <stdio.h>
#include <string.h>

enum { kStackPages = 8, kPage = 4096 };

static thread_t g_main;
static volatile unsigned long g_count;
static struct thread_sched_info g_seen_depressed, g_seen_after, g_seen_aborted;
static kern_return_t g_abort_result = -1;

static kern_return_t sched_info(thread_t thread, struct thread_sched_info* info) {
  mach_msg_type_number_t count = THREAD_SCHED_INFO_COUNT;
  return thread_info(thread, THREAD_SCHED_INFO, (thread_info_t)info, &count);
}

static void observer(long arg) {
  (void)arg;
  (void)sched_info(g_main, &g_seen_depressed);
  g_abort_result = thread_depress_abort(g_main);
  (void)sched_info(g_main, &g_seen_after);
  thread_terminate(mach_thread_self());
}

static void aborter(long arg) {
  (void)arg;
  g_abort_result = thread_abort(g_main);
  (void)sched_info(g_main, &g_seen_aborted);
  thread_terminate(mach_thread_self());
}

static void spinner(long arg) {
  (void)arg;
  for (;;) g_count = g_count + 1;
}

static thread_t start(void (*fn)(long)) {
  vm_address_t stack = 0;
  thread_t t = MACH_PORT_NULL;
  struct i386_thread_state s;
  if (vm_allocate(mach_task_self(), &stack, kStackPages * kPage, TRUE) != KERN_SUCCESS) return MACH_PORT_NULL;
  if (thread_create(mach_task_self(), &t) != KERN_SUCCESS) return MACH_PORT_NULL;
  memset(&s, 0, sizeof s);
  s.rip = (uintptr_t)fn;
  s.ursp = stack + kStackPages * kPage - 8;
  if (thread_set_state(t, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT) != KERN_SUCCESS ||
      thread_resume(t) != KERN_SUCCESS)
    return MACH_PORT_NULL;
  return t;
}

int main(void) {
  g_main = mach_thread_self();
  struct thread_sched_info mine;
  (void)sched_info(g_main, &mine);
  printf("swtch alone: %d\n", swtch());
  printf("swtch_pri alone: %d\n", swtch_pri(0));
  printf("bad option: %d\n", thread_switch(MACH_PORT_NULL, 99, 0));

  thread_t watcher = start(observer);
  kern_return_t kr = thread_switch(watcher, SWITCH_OPTION_DEPRESS, 10000);
  printf("handoff depressed: %d observer ran %d\n", kr, g_abort_result == KERN_SUCCESS);
  printf("seen depressed: %d cur lowest %d from base %d\n", g_seen_depressed.depressed,
         g_seen_depressed.cur_priority == 49, g_seen_depressed.depress_priority == mine.base_priority);
  printf("after abort: %d cur base %d\n", g_seen_after.depressed, g_seen_after.cur_priority == mine.base_priority);
  struct thread_sched_info now;
  (void)sched_info(g_main, &now);
  printf("back: depressed %d cur base %d\n", now.depressed, now.cur_priority == mine.base_priority);
  g_abort_result = -1;
  kr = thread_switch(start(aborter), SWITCH_OPTION_DEPRESS, 10000);
  printf("thread_abort: %d ends the depression: depressed %d cur base %d\n", g_abort_result,
         g_seen_aborted.depressed, g_seen_aborted.cur_priority == mine.base_priority);

  thread_t spin = start(spinner);
  unsigned long before = g_count;
  printf("swtch with a spinner: %d ran %d\n", swtch(), g_count != before);
  before = g_count;
  printf("swtch_pri with a spinner: %d ran %d\n", swtch_pri(0), g_count != before);
  before = g_count;
  kr = thread_switch(MACH_PORT_NULL, SWITCH_OPTION_WAIT, 20);
  printf("wait: %d ran %d\n", kr, g_count != before);
  before = g_count;
  kr = thread_switch(spin, SWITCH_OPTION_NONE, 0);
  printf("handoff to the spinner: %d ran %d\n", kr, g_count != before);
  (void)sched_info(g_main, &now);
  printf("not depressed: %d\n", now.depressed);

  printf("depress_abort not depressed: %d trap %d\n", thread_depress_abort(g_main),
         syscall_thread_depress_abort(g_main));
  printf("depress_abort trap not a thread: %d\n", syscall_thread_depress_abort(mach_task_self()));
  printf("policy timeshare %d fixedpri %d bad %d\n", thread_policy(g_main, POLICY_TIMESHARE, 0),
         thread_policy(g_main, POLICY_FIXEDPRI, 0), thread_policy(g_main, 99, 0));
  thread_terminate(spin);
  return 0;
}
