// core/task/thread.h: a thread as Mach sees it: the scheduler's thread
// that runs it, the task it belongs to, its kernel port and its special
// ports, its suspend count, and (through the platform's ThreadMachine) its
// register state.
//
// Suspension (thread_suspend/thread_resume): a count; while it is above
// zero the thread does not run user code. The code that runs the thread's
// user mode (hosted: TestTask) asks enter_user() before each return to
// user mode, which waits while the thread is suspended and says no once the
// thread was terminated (the trap path then never returns to user), and
// calls leave_user() when user mode hands back. thread_get/set_state on
// another thread hold it (one more suspension), wait until it is out of
// user mode, read or write its state, and release it: as GNU Mach's
// thread_hold/thread_dowait. A thread blocked in a kernel call is out of
// user mode already; setting its state then is what the manual calls
// unpredictable (suspend and abort it first).
//
// Special ports (thread_get/set_special_port): THREAD_EXCEPTION_PORT, a
// send right where the thread's exceptions go first (before its task's),
// and THREAD_KERNEL_PORT (what others get back as the thread's port; by
// default a new send right to self_); released when the thread terminates.
//
// Every MachThread is on the kernel's list of all threads (all_threads(),
// processor_set_threads) from MachThread::create until it terminates.
//
// Like a task's, the thread's port holds the kernel's receive right and
// stands for the MachThread until terminate() (ipc/kobject.h).
#pragma once

#include <mach/message.h>
#include <mach/thread_status.h>

#include "core/kstd/atomic.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/thread.h"
#include "core/sched/timer.h"
#include "core/sched/wait_queue.h"
#include "core/task/task.h"

namespace umach {

// The machine side of a thread that runs user code: its register state as
// thread_get_state/thread_set_state see it, in the target's flavors
// (<mach/thread_status.h>). Implemented by the platform code that runs
// the thread (hosted: TestTask); the MachThread borrows it, and its owner
// keeps it alive until the MachThread's task is gone. Called only while
// the thread is out of user mode.
class ThreadMachine {
 public:
  // KERN_INVALID_ARGUMENT: an unknown flavor, or *count too small.
  virtual kern_return_t get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) = 0;
  // KERN_INVALID_ARGUMENT: an unknown flavor, a short count, or a state
  // the thread may not have (a pc or stack outside its task's window,
  // privileged flag bits, other selectors).
  virtual kern_return_t set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) = 0;

 protected:
  ~ThreadMachine() = default;
};

class MachThread : public RefCounted<MachThread> {
 public:
  [[nodiscard]] static Result<RefPtr<MachThread>> create(RefPtr<Task> task, RefPtr<sched::Thread> thread);
  static void last_reference_dropped(MachThread* thread);
  MachThread() = default;  // use create()
  ~MachThread();
  MachThread(const MachThread&) = delete;
  MachThread& operator=(const MachThread&) = delete;

  Task& task() { return *task_; }
  sched::Thread& sched_thread() { return *thread_; }
  // The thread's own port (a reference, taken under the lock), or null
  // once the thread was terminated.
  RefPtr<ipc::Port> self_port() UMACH_EXCLUDES(special_lock_);

  // mach_thread_self: a send right to the thread's port in its task's
  // space, or MACH_PORT_NULL once the thread ended.
  mach_port_name_t self_name();

  // thread_abort: the interruptible wait the thread is in (mach_msg's
  // send or receive, a page fault's wait for a pager, gsync_wait, a
  // suspension) ends now, or, if it is in the kernel on its way into one,
  // that one ends at once: mach_msg returns MACH_SEND_INTERRUPTED or
  // MACH_RCV_INTERRUPTED (libmach retries unless the caller asked for
  // MACH_SEND_INTERRUPT or MACH_RCV_INTERRUPT), a fault is retried. A
  // priority depression ends too. A thread in user mode is left running,
  // the caller's own thread as it is.
  kern_return_t abort();

  // thread_set/get_special_port, as Task's (core/task/task.h); a thread
  // that ended answers KERN_INVALID_ARGUMENT.
  kern_return_t set_special_port(int which, ipc::Port* right);
  kern_return_t get_special_port(int which, ipc::Port** right);

  // A send right to the thread's port in transit (exception messages).
  ipc::TransitRight make_send();

  // Its register state's keeper; set once, before the thread is seen.
  void set_machine(ThreadMachine* machine) { machine_ = machine; }

  // thread_suspend: one more suspension (KERN_INVALID_ARGUMENT once the
  // thread ended). The thread stops at its next return to user mode.
  kern_return_t suspend();
  // ... and, for another thread, waits until it is out of user mode (the
  // routine thread_suspend: no user instruction runs after it returns).
  kern_return_t suspend_and_wait();
  // thread_resume: one less; KERN_FAILURE if the count is already zero.
  kern_return_t resume();
  int suspend_count();

  // The user-mode runner's side (see the header): before each return to
  // user mode; false once the thread was terminated. `user_ticks`: the
  // scheduler's ticks that came while it ran user code (see user_ns).
  bool enter_user();
  void leave_user(uint32_t user_ticks);
  bool ended() const { return terminated_.load(kstd::MemoryOrder::acquire); }

  // thread_get_state/thread_set_state (KERN_INVALID_ARGUMENT for the
  // caller's own thread, as the manual says, and for a thread with no
  // machine state or that ended).
  kern_return_t get_state(int flavor, natural_t* state, mach_msg_type_number_t* count);
  kern_return_t set_state(int flavor, const natural_t* state, mach_msg_type_number_t count);

  // The thread's port dies (sends to it fail with MACH_SEND_INVALID_DEST),
  // its special ports are released, and its runner stops it: a wait in
  // the kernel is interrupted and it never returns to user mode again
  // (thread_terminate; also of the caller itself). Idempotent.
  void terminate();
  // thread_terminate: terminate(), and for another thread, wait until it
  // is out of user mode (it never runs user code after this returns).
  void terminate_and_wait();

  // ---- task membership, times, priorities, thread_info (issue 7;
  // core/task/thread_info.cc) ----

  // Its place on its task's thread list (Task::add_thread).
  TaskThreadLink task_link;
  // Its place on the list of all threads (all_threads()).
  ListNode all_threads_link;
  // Waits until the thread is out of user mode (task_suspend, task_terminate).
  void wait_stopped() { wait_out_of_user(); }
  // Wakes the thread if it waits to enter user mode (task_resume).
  void wake_stopped() { stop_.wakeup_all(); }
  // CPU time, sampled at the scheduler's tick (kTickNs each), as GNU
  // Mach's STAT_TIME and Linux's tick accounting do: a tick that comes
  // while the thread runs user code is user time, the rest of its ticks
  // on a CPU system time. Timing each trap instead (two clock reads per
  // trap, ~20 ns each on hosted) cost an eighth of a null RPC.
  uint64_t user_ns() const { return user_ns_.load(kstd::MemoryOrder::relaxed); }
  // task_info's TASK_EVENTS_INFO counts, per thread so the RPC path adds
  // without a locked instruction: only the thread itself counts (its user
  // loop), others read (Task sums them).
  void note_message_sent() { bump(messages_sent_); }
  void note_message_received() { bump(messages_received_); }
  uint64_t messages_sent() const { return messages_sent_.load(kstd::MemoryOrder::relaxed); }
  uint64_t messages_received() const { return messages_received_.load(kstd::MemoryOrder::relaxed); }
  uint64_t system_ns() const;
  // thread_priority: KERN_INVALID_ARGUMENT outside 0..49 or once ended,
  // KERN_FAILURE above (numerically below) its maximum; set_max lowers the
  // maximum to it too. Applied on the thread's next way to user mode (at
  // once for the caller's own thread).
  kern_return_t set_priority(int priority, bool set_max);
  // thread_max_priority (the processor set's control port was checked):
  // any maximum in 0..49 (KERN_INVALID_ARGUMENT otherwise, or once
  // ended); a base priority above the new maximum comes down to it.
  kern_return_t set_max_priority(int max);
  int base_priority() const { return base_priority_.load(kstd::MemoryOrder::relaxed); }
  int max_priority() const { return max_priority_.load(kstd::MemoryOrder::relaxed); }
  // thread_policy: POLICY_TIMESHARE (the scheduler's quantum) or
  // POLICY_FIXEDPRI with a quantum of `quantum_ms` (rounded up to ticks).
  // umach's scheduler never ages priorities, so the policies differ only
  // in the quantum. The caller checked the set enables the policy.
  void set_policy(int policy, int quantum_ms);
  int policy() const { return policy_.load(kstd::MemoryOrder::relaxed); }
  int policy_data() const { return policy_data_.load(kstd::MemoryOrder::relaxed); }
  // thread_info's flavors (KERN_INVALID_ARGUMENT for another flavor or a
  // count too small for it).
  kern_return_t info(int flavor, integer_t* out, mach_msg_type_number_t* count);

  // ---- priority depression (swtch_pri, thread_switch; core/task/switch.cc) ----
  // The caller's own thread drops to the lowest priority, behind every
  // runnable thread, for at most `ns`: until the timeout, another thread's
  // depress_abort (thread_depress_abort), or its own end_own_depression
  // when it runs again (GNU Mach's swtch_pri_continue), whichever is first.
  // thread_priority does not end a depression.
  void depress_self(uint64_t ns);
  void end_own_depression();
  // Back to its base priority if it was depressed (a queued thread moves
  // to its new place at once): whether it was.
  bool depress_abort();
  bool depressed() const { return depressed_.load(kstd::MemoryOrder::acquire); }

 private:
  // enter_user's side of the above, on the way to user mode with in_user_
  // set: may it go (neither ended nor it or its task suspended), and if so
  // apply a pending priority.
  bool may_enter_user();
  void init_priorities();
  kstd::Atomic<uint64_t> user_ns_{0};
  kstd::Atomic<int> policy_{1};       // POLICY_TIMESHARE
  kstd::Atomic<int> policy_data_{0};  // FIXEDPRI's quantum in ms
  kstd::Atomic<uint64_t> messages_sent_{0};
  kstd::Atomic<uint64_t> messages_received_{0};
  static void bump(kstd::Atomic<uint64_t>& n) {
    n.store(n.load(kstd::MemoryOrder::relaxed) + 1, kstd::MemoryOrder::relaxed);
  }
  kstd::Atomic<int> base_priority_{0};
  kstd::Atomic<int> max_priority_{0};
  kstd::Atomic<bool> priority_pending_{false};
  kstd::Atomic<bool> depressed_{false};
  // The depression's timeout: set and waited for by the thread itself, so
  // it never outlives the trap that set it.
  sched::TimerEntry depress_timer_;
  bool depress_timer_set_ = false;  // the thread's own
  kstd::Atomic<bool> depress_timer_done_{false};
  static void depress_timeout(sched::TimerEntry* entry, uint64_t cookie);
  int64_t creation_ns_ = 0;  // time of day

  void wait_out_of_user();
  // Holds the thread (a hold, not a suspension) until it is out of user
  // mode; false if it ended. release_hold() undoes the hold.
  bool hold_stopped();
  void release_hold();
  ipc::Port** special_slot_locked(int which) UMACH_REQUIRES(special_lock_);

  Spinlock special_lock_{LockRank::kTaskSpecial};
  ipc::Port* kernel_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // null: self_
  ipc::Port* exception_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;
  bool ended_ UMACH_GUARDED_BY(special_lock_) = false;
  // enter_user waits here while suspended. Entering user mode takes no
  // lock (thread.cc, enter_user): in_user_, the suspend counts (this
  // one's written under stop_.lock) and terminated_ are seq_cst.
  sched::WaitQueue stop_;
  kstd::Atomic<int> suspend_count_{0};
  kstd::Atomic<int> holds_{0};  // hold_stopped's, likewise
  kstd::Atomic<bool> in_user_{false};
  kstd::Atomic<bool> terminated_{false};
  ThreadMachine* machine_ = nullptr;  // borrowed (see ThreadMachine)
  RefPtr<Task> task_;
  RefPtr<sched::Thread> thread_;
  RefPtr<ipc::Port> self_ UMACH_GUARDED_BY(special_lock_);
  Canary<0x54485244u> canary_;  // "THRD"
};

size_t live_mach_threads();

// References to every MachThread that has not terminated
// (processor_set_threads), in creation order. KERN_RESOURCE_SHORTAGE
// when short.
kern_return_t all_threads(RefSnapshot<MachThread>* out);

}  // namespace umach
