// core/sched/run_queue.h: one CPU's runnable threads, by priority.
//
// One FIFO list per Mach priority (0 highest) and a bitmap of non-empty
// lists, so enqueue, dequeue of the highest and removal are O(1).
#pragma once

#include <stdint.h>

#include "core/list.h"
#include "core/sched/config.h"
#include "core/sched/thread.h"
#include "core/spinlock.h"

namespace umach::sched {

class RunQueue {
 public:
  constexpr RunQueue() = default;

  void enqueue_locked(Thread& t) UMACH_REQUIRES(lock);
  // The highest-priority thread whose priority is at least as high as
  // `worst` (numerically <= worst), or nullptr. A thief (another CPU)
  // skips threads bound to this CPU.
  Thread* dequeue_locked(int worst = kPriorityLowest, bool thief = false) UMACH_REQUIRES(lock);
  // Takes `t` off this queue if it is on it (O(threads of its priority)).
  bool remove_locked(Thread& t) UMACH_REQUIRES(lock);
  size_t count_locked() const UMACH_REQUIRES(lock) { return count_; }
  // Racy hint for load balancing and wakeup decisions; never for correctness.
  size_t count_hint() const { return count_hint_.load(kstd::MemoryOrder::relaxed); }

  void check_invariants() const UMACH_EXCLUDES(lock);

  mutable Spinlock lock{LockRank::kRunQueue};

 private:
  using Queue = List<Thread, &Thread::run_link_>;
  Queue queues_[kNumPriorities] UMACH_GUARDED_BY(lock);
  uint64_t bitmap_ UMACH_GUARDED_BY(lock) = 0;  // bit p: queues_[p] non-empty
  size_t count_ UMACH_GUARDED_BY(lock) = 0;
  kstd::Atomic<size_t> count_hint_{0};
};

}  // namespace umach::sched
