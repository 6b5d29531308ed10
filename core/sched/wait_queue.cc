// core/sched/wait_queue.cc: see wait_queue.h.
#include "core/sched/wait_queue.h"

#include "core/sched/sched.h"

namespace umach::sched {
namespace {

// A timed wait's deadline passed. The timer holds a reference on the thread
// (taken in assert_wait_locked) so it cannot die under us. `seq` is the
// wait it was set for: the thread may have been woken, and be in a new
// timed wait on the same entry, by the time this runs.
void wait_timeout_fired(TimerEntry* timer, uint64_t seq) {
  auto* t = static_cast<Thread*>(timer->owner);
  bool same_wait;
  {
    SpinlockGuard guard(t->lock);
    same_wait = t->state_ == ThreadState::kWaiting && t->wait_seq_ == seq;
  }
  if (same_wait) clear_wait(*t, WaitResult::kTimedOut);
  t->unref();
}

}  // namespace

void WaitQueue::assert_wait_locked(bool interruptible, uint64_t deadline, void* data) {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_);
  SpinlockGuard guard(self->lock);
  kassert(self->state_ == ThreadState::kRunning && !self->wait_queue_);
  if (interruptible && (self->interrupt_pending_ || (self->abort_pending_.load(kstd::MemoryOrder::relaxed) &&
                                                      self->abort_pending_.exchange(false)))) {
    // Interrupted before it began (interrupt_waits): thread_block sees a
    // wait already ended, as if woken before it left its CPU.
    self->state_ = ThreadState::kRunnable;
    self->wait_result_ = WaitResult::kInterrupted;
    ++self->wait_seq_;
    return;
  }
  self->state_ = ThreadState::kWaiting;
  self->wait_queue_ = this;
  self->wait_interruptible_ = interruptible;
  self->wait_result_ = WaitResult::kAwakened;
  ++self->wait_seq_;
  self->wait_data_ = data;
  waiters_.push_back(*self);
  waiting_.store(waiting_.load(kstd::MemoryOrder::relaxed) + 1, kstd::MemoryOrder::relaxed);
  if (deadline != kNoDeadline) {
    self->ref();  // the timer's
    self->timeout_.owner = self;
    self->timeout_armed_ = true;
    timer_set(self->timeout_, deadline, wait_timeout_fired, self->wait_seq_);
  }
}

WaitQueue::Dequeued WaitQueue::dequeue_locked(Thread& t, WaitResult result) {
  if (t.state_ != ThreadState::kWaiting || t.wait_queue_ != this) return Dequeued::kNotWaiting;
  waiters_.remove(t);
  waiting_.store(waiting_.load(kstd::MemoryOrder::relaxed) - 1, kstd::MemoryOrder::relaxed);
  t.wait_queue_ = nullptr;
  t.wait_result_ = result;
  t.state_ = ThreadState::kRunnable;
  if (t.timeout_armed_) {
    t.timeout_armed_ = false;
    if (timer_cancel(t.timeout_)) t.unref_not_last();  // the timer's reference
  }
  if (!t.blocking_) return Dequeued::kStillOnCpu;
  t.blocking_ = false;
  return Dequeued::kMustRun;
}

Thread* WaitQueue::wakeup_one_locked(WaitResult result) {
  Thread* t = waiters_.front();
  if (!t) return nullptr;
  Dequeued d;
  {
    SpinlockGuard tguard(t->lock);
    d = dequeue_locked(*t, result);
  }
  kassert(d != Dequeued::kNotWaiting);
  if (d == Dequeued::kMustRun) thread_setrun(*t);
  return t;
}

unsigned WaitQueue::wakeup_all_locked(WaitResult result) {
  unsigned n = 0;
  while (wakeup_one_locked(result)) ++n;
  return n;
}

unsigned WaitQueue::wakeup_one(WaitResult result) {
  SpinlockGuard guard(lock);
  return wakeup_one_locked(result) ? 1 : 0;
}

unsigned WaitQueue::wakeup_all(WaitResult result) {
  SpinlockGuard guard(lock);
  return wakeup_all_locked(result);
}

Thread* WaitQueue::wakeup_for_handoff_locked(WaitResult result) {
  Thread* t = waiters_.front();
  if (!t) return nullptr;
  SpinlockGuard tguard(t->lock);
  Dequeued d = dequeue_locked(*t, result);
  kassert(d != Dequeued::kNotWaiting);
  return d == Dequeued::kMustRun ? t : nullptr;
}

bool WaitQueue::empty() const {
  SpinlockGuard guard(lock);
  return waiters_.empty();
}

// clear_wait's work. `or_next`: a thread found in no wait it ends is
// marked instead, under its lock (interrupt_next_wait), so that one abort
// ends exactly one wait, the one it is in or the next.
void WaitQueue::end_wait(Thread& t, WaitResult result, bool or_next) {
  for (unsigned tries = 1;; ++tries) {
    t.lock.lock();
    if (t.state_ != ThreadState::kWaiting || (result == WaitResult::kInterrupted && !t.wait_interruptible_)) {
      if (or_next) t.abort_pending_.store(true);
      t.lock.unlock();
      return;
    }
    // The queue lives as long as the thread waits on it (it may be on the
    // thread's own stack, sleep_ns, or in a port the waiter holds), and
    // with the thread's lock held the wait cannot end: the queue is only
    // touched with that lock held. The lock order is queue before thread,
    // so its lock is only tried; busy (its holder may want the thread's),
    // both go and the look starts over. (Reading the queue, dropping the
    // thread's lock and then taking the queue's would touch a queue that
    // may have gone meanwhile.)
    WaitQueue* wq = t.wait_queue_;
    if (!wq->lock.try_lock()) {
      t.lock.unlock();
      if (tries % Spinlock::kSpinsBeforeYield == 0) Platform::spin_yield();
      else Platform::cpu_relax();
      continue;
    }
    const WaitQueue::Dequeued d = wq->dequeue_locked(t, result);
    // The queue's lock first: once the thread's goes, the thread may go on
    // (it had not blocked yet) and end its wait's scope.
    wq->lock.unlock();
    t.lock.unlock();
    if (d == WaitQueue::Dequeued::kMustRun) thread_setrun(t);
    return;
  }
}

void clear_wait(Thread& t, WaitResult result) { WaitQueue::end_wait(t, result, false); }

void interrupt_next_wait(Thread& t) { WaitQueue::end_wait(t, WaitResult::kInterrupted, true); }

bool cancel_interrupt_next_wait(Thread& t) {
  return t.abort_pending_.load() && t.abort_pending_.exchange(false);
}

bool waits_interrupted(Thread& t) {
  SpinlockGuard guard(t.lock);
  return t.interrupt_pending_;
}

void interrupt_waits(Thread& t) {
  {
    SpinlockGuard guard(t.lock);
    t.interrupt_pending_ = true;
  }
  clear_wait(t, WaitResult::kInterrupted);
}

}  // namespace umach::sched
