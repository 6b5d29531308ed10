// core/sched/sched.h: the scheduler.
//
// Mach's: priorities 0 (highest) to 49, round-robin within a priority with a
// quantum of kQuantumTicks, one run queue per CPU with idle CPUs stealing
// from busy ones, handoff to a woken thread, and wait queues with timeouts
// and interruption (wait_queue.h).
//
// The kernel is not preemptible: a timer interrupt only counts a tick
// (cpu_timer_interrupt); the running thread processes it at its next
// preemption point (and, once threads run user code, on every return to
// user mode), like GNU Mach's AST. So scheduler state is never touched from
// interrupt context, and spinlocks need not mask interrupts.
//
// Switching: the CPU records the outgoing thread, switches contexts, and
// the incoming thread finishes the switch for it (finish_switch): it requeues
// a preempted thread, or reaps a dead one, once that thread's context is
// saved and its stack is no longer in use.
#pragma once

#include <stdint.h>

#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/config.h"
#include "core/sched/thread.h"

namespace umach::sched {

// Once, on the boot CPU after kernel_bootstrap(): the machine has `cpus` CPUs.
void bootstrap(unsigned cpus);
// The calling CPU (cpu_init(id) done) becomes CPU `id` of the scheduler:
// its boot context turns into its idle thread, and it runs threads forever.
[[noreturn]] void cpu_run(unsigned id);
unsigned cpu_count();

// How busy the machine has been (host_info's HOST_LOAD_INFO, GNU Mach's
// avenrun and Mach factor): averages over 5, 30 and 60 seconds, scaled by
// kLoadScale, of the runnable threads per CPU (running or queued, idle
// threads aside), and of the Mach factor (the share of a CPU a new thread
// would get, in CPUs). Sampled every 5 s by whichever CPU's tick comes
// first; a stretch with no ticks at all is one where every CPU idled.
inline constexpr int32_t kLoadScale = 1000;

// A function the clock calls on every processed tick of a busy CPU and
// whenever a CPU leaves idle (device/: the mapped time page). It must be
// short, never block, and take no lock a ticking thread may hold.
void set_clock_hook(void (*hook)());
struct LoadAverages {
  int32_t load[3];
  int32_t mach_factor[3];
};
LoadAverages load_averages();

// A new kernel thread running entry(arg), already runnable. With
// bound_cpu >= 0 it runs only on that CPU (no other CPU steals it).
Result<RefPtr<Thread>> kernel_thread(const char* name, Thread::Entry entry, void* arg,
                                     int priority = kPriorityKernel, int bound_cpu = -1);
// The same thread not yet runnable: thread_setrun starts it (the caller
// first ties it to what it will run for, e.g. a task's thread port).
Result<RefPtr<Thread>> kernel_thread_prepare(const char* name, Thread::Entry entry, void* arg,
                                             int priority = kPriorityKernel, int bound_cpu = -1);

// The running thread; nullptr on a host thread that is not a CPU (hosted).
Thread* current_thread();

// Makes a new or woken thread runnable (on its last CPU, and pokes an idle
// CPU so it can steal the thread).
void thread_setrun(Thread& t);
// Sleeps if the current thread asserted a wait that has not ended yet;
// returns how the wait ended.
WaitResult thread_block();
// As thread_block, but runs `next` (runnable, on no run queue, e.g. from
// WaitQueue::wakeup_for_handoff_locked) directly on this CPU; a `next` bound to
// another CPU is made runnable there instead.
WaitResult thread_handoff(Thread* next);
// Gives the CPU to a runnable thread of the same or a higher priority, if any.
void thread_yield();
// Gives the CPU to `next` at once if it waits on a run queue (not running,
// not bound to another CPU), the caller going back on its queue as after a
// yield; else thread_yield(). thread_switch's hand-off hint.
void thread_yield_to(Thread& next);
// Whether any thread waits on a run queue (a racy hint: swtch's answer).
bool others_runnable();
// Gives `t` a new priority, wherever it is: a thread waiting on a run
// queue moves to its new place (behind its new peers). For another thread
// (thread_depress_abort); a thread changing its own uses set_own_priority.
void thread_set_priority(Thread& t, int priority);
// Processes pending timer ticks (timeouts, the quantum) and gives up the
// CPU if the quantum ran out or a higher-priority thread waits.
void preemption_point();
// Ends the current thread. Its stack is freed by the next thread.
[[noreturn]] void thread_exit();
// Waits until `t` has exited and been reaped.
void thread_join(Thread& t);
// Sleeps the current thread for at least `ns` nanoseconds.
void sleep_ns(uint64_t ns);
// The same, but clear_wait(kInterrupted) (thread_abort) ends it early:
// kTimedOut after the whole time, kInterrupted otherwise.
WaitResult sleep_interruptible_ns(uint64_t ns);

// Full tier of the object checks: every run queue and every thread.
// O(threads); for test boundaries.
void check_invariants();

}  // namespace umach::sched
