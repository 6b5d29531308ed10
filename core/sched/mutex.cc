// core/sched/mutex.cc: see mutex.h.
#include "core/sched/mutex.h"

namespace umach::sched {

// The analysis cannot follow ownership handed over through owner_ across a
// sleep, so these two bodies are checked by the assertions instead.
void Mutex::lock() UMACH_NO_THREAD_SAFETY_ANALYSIS {
  Thread* self = current_thread();
  kassert(self);
  {
    SpinlockGuard guard(waiters_.lock);
    kassert(owner_ != self);  // not recursive
  }
  for (;;) {
    {
      SpinlockGuard guard(waiters_.lock);
      if (!owner_) owner_ = self;
      if (owner_ == self) return;  // free, or handed to us by unlock()
      waiters_.assert_wait_locked(false);
    }
    thread_block();
  }
}

void Mutex::unlock() UMACH_NO_THREAD_SAFETY_ANALYSIS {
  SpinlockGuard guard(waiters_.lock);
  kassert(owner_ == current_thread());
  owner_ = waiters_.wakeup_one_locked();  // straight to the longest waiter, or free
}

bool Mutex::held_by_current() const UMACH_NO_THREAD_SAFETY_ANALYSIS {
  SpinlockGuard guard(waiters_.lock);
  return owner_ != nullptr && owner_ == current_thread();
}

}  // namespace umach::sched
