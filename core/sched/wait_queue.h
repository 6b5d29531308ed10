// core/sched/wait_queue.h: wait queues, the one way a kernel thread sleeps.
//
// The waiting side holds the queue's lock while it checks its condition and
// calls assert_wait_locked(), then releases it and calls thread_block():
// a waker that changes the condition takes the same lock, so no wakeup is
// lost between the check and the sleep. A wait may carry a deadline (it then
// ends with kTimedOut) and may be interruptible (clear_wait(kInterrupted),
// used by thread_abort, ends it).
#pragma once

#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/sched/thread.h"
#include "core/spinlock.h"

namespace umach::sched {

inline constexpr uint64_t kNoDeadline = ~uint64_t{0};

class WaitQueue {
 public:
  constexpr WaitQueue() : lock(own_lock_) {}
  // A queue whose waiters its owner's lock guards (a port's: the RPC path
  // holds it already when it wakes or waits, and saves a locked
  // instruction each time). Its holder calls the *_locked members.
  constexpr explicit WaitQueue(Spinlock& owners) : lock(owners) {}
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  ~WaitQueue() { kassert(waiters_.empty()); }

  // The current thread will sleep on this queue at its next thread_block().
  // `data`: what it waits for, for the wakers (front_locked); it must stay
  // valid until the wait ends.
  void assert_wait_locked(bool interruptible, uint64_t deadline = kNoDeadline, void* data = nullptr)
      UMACH_REQUIRES(lock);
  // The longest waiter, which wakeup_one_locked and wakeup_for_handoff_locked
  // would wake next, and the `data` it waits with; null if none waits. A
  // waker may write its answer there before it wakes the thread.
  Thread* front_locked() const UMACH_REQUIRES(lock) { return waiters_.front(); }
  static void* wait_data_locked(const Thread& waiter) { return waiter.wait_data_; }
  // Wakes the longest waiter (FIFO) / every waiter with `result`; returns how many.
  unsigned wakeup_one(WaitResult result = WaitResult::kAwakened) UMACH_EXCLUDES(lock);
  unsigned wakeup_all(WaitResult result = WaitResult::kAwakened) UMACH_EXCLUDES(lock);
  bool empty() const UMACH_EXCLUDES(lock);
  // Without the lock: false only if no thread waits, as far as waits
  // asserted before the caller's last synchronisation with the waiters go
  // (e.g. under a lock every waiter holds while it asserts its wait). A
  // waker that knows its waiters assert under a lock it holds skips the
  // queue's own lock when nobody waits.
  bool may_have_waiters() const { return waiting_.load(kstd::MemoryOrder::relaxed) != 0; }
  // wakeup_one with the lock held; returns the thread it woke, or nullptr.
  Thread* wakeup_one_locked(WaitResult result = WaitResult::kAwakened) UMACH_REQUIRES(lock);
  unsigned wakeup_all_locked(WaitResult result = WaitResult::kAwakened) UMACH_REQUIRES(lock);
  // Removes and returns the longest waiter, now kRunnable but not yet on a
  // run queue, so the caller can hand the CPU to it (thread_handoff); if it
  // has not left its CPU yet it is simply woken and nullptr returned. It
  // cannot run, and so cannot end, before the caller lets it: it needs no
  // reference in between (a thread holds its own until it is reaped),
  // and the RPC path saves two locked instructions per message.
  Thread* wakeup_for_handoff_locked(WaitResult result = WaitResult::kAwakened) UMACH_REQUIRES(lock);

  // Its own (rank kWaitQueue), or its owner's.
  Spinlock& lock;

 private:
  mutable Spinlock own_lock_{LockRank::kWaitQueue};
  friend void clear_wait(Thread& thread, WaitResult result);
  friend void interrupt_next_wait(Thread& thread);
  static void end_wait(Thread& t, WaitResult result, bool or_next);
  friend void interrupt_waits(Thread& thread);
  enum class Dequeued { kNotWaiting, kStillOnCpu, kMustRun };
  // Ends `t`'s wait on this queue with `result` (both locks held). kMustRun:
  // the thread has left its CPU and the caller must thread_setrun() it;
  // kStillOnCpu: it has not yet blocked and will see the result itself.
  Dequeued dequeue_locked(Thread& t, WaitResult result) UMACH_REQUIRES(lock, t.lock);
  List<Thread, &Thread::wait_link_> waiters_ UMACH_GUARDED_BY(lock);
  kstd::Atomic<uint32_t> waiting_{0};  // waiters_'s length, written under lock
};

// Ends `thread`'s wait with `result` if it is waiting (and, for
// kInterrupted, only if the wait is interruptible). From any CPU.
void clear_wait(Thread& thread, WaitResult result);
// clear_wait(kInterrupted), and from now on every interruptible wait the
// thread asserts ends at once, interrupted: for a thread being
// terminated, which may be in the kernel on its way into a wait (a
// clear_wait alone would find it not yet waiting, and it would then sleep
// for good). From any CPU.
void interrupt_waits(Thread& thread);
// thread_abort's: the wait the thread is in ends, interrupted, or if it
// is in none, the next interruptible wait it asserts does (at once), for
// a thread in the kernel on its way into one. Its caller cancels that
// (cancel_interrupt_next_wait) when the thread turns out to be in user
// mode, where there is nothing to interrupt, and the thread cancels it
// on its way back to user mode, so that it never reaches a later call.
// seq_cst, for the caller's and the thread's store-then-load on their
// own flags (MachThread::abort, enter_user). From any CPU.
void interrupt_next_wait(Thread& thread);
// Whether one was pending (it no longer is).
bool cancel_interrupt_next_wait(Thread& thread);
// Whether interrupt_waits ended the thread's waits for good.
bool waits_interrupted(Thread& thread);

}  // namespace umach::sched
