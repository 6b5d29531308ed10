// core/sched/mutex.h: a sleeping lock for kernel threads.
//
// A thread that finds the mutex held sleeps on its wait queue; unlock hands
// the mutex straight to the longest waiter (FIFO, no barging), so a stream
// of lockers cannot starve a waiter. Never held across a context switch by
// anything but its owner; not for interrupt context.
#pragma once

#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/thread_annotations.h"

namespace umach::sched {

class UMACH_CAPABILITY("mutex") Mutex {
 public:
  constexpr Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() UMACH_ACQUIRE();
  void unlock() UMACH_RELEASE();
  bool held_by_current() const;

 private:
  WaitQueue waiters_;
  Thread* owner_ UMACH_GUARDED_BY(waiters_.lock) = nullptr;
};

class UMACH_SCOPED_CAPABILITY MutexGuard {
 public:
  explicit MutexGuard(Mutex& m) UMACH_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexGuard() UMACH_RELEASE() { m_.unlock(); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  Mutex& m_;
};

}  // namespace umach::sched
