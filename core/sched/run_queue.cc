// core/sched/run_queue.cc: see run_queue.h.
#include "core/sched/run_queue.h"

namespace umach::sched {

static_assert(kNumPriorities <= 64, "the bitmap is one word");

void RunQueue::enqueue_locked(Thread& t) {
  int p = t.priority();
  kassert(p >= 0 && p < kNumPriorities);
  queues_[p].push_back(t);
  bitmap_ |= uint64_t{1} << p;
  count_hint_.store(++count_, kstd::MemoryOrder::relaxed);
}

Thread* RunQueue::dequeue_locked(int worst, bool thief) {
  for (uint64_t bits = bitmap_; bits; bits &= bits - 1) {
    int p = __builtin_ctzll(bits);
    if (p > worst) return nullptr;
    Thread* t = queues_[p].front();
    if (thief) {  // O(bound threads at this priority): binding is rare
      while (t && t->bound_cpu_ >= 0) t = queues_[p].next(*t);
      if (!t) continue;
    }
    queues_[p].remove(*t);
    if (queues_[p].empty()) bitmap_ &= ~(uint64_t{1} << p);
    count_hint_.store(--count_, kstd::MemoryOrder::relaxed);
    return t;
  }
  return nullptr;
}

bool RunQueue::remove_locked(Thread& t) {
  const int p = t.priority();
  if (!queues_[p].contains(t)) return false;
  queues_[p].remove(t);
  if (queues_[p].empty()) bitmap_ &= ~(uint64_t{1} << p);
  count_hint_.store(--count_, kstd::MemoryOrder::relaxed);
  return true;
}

void RunQueue::check_invariants() const {
  SpinlockGuard guard(lock);
  size_t n = 0;
  for (int p = 0; p < kNumPriorities; ++p) {
    queues_[p].check_invariants();
    kassert(queues_[p].empty() == !(bitmap_ & (uint64_t{1} << p)));
    for (const Thread& t : queues_[p]) kassert(t.priority() == p);
    n += queues_[p].size();
  }
  kassert(n == count_);
}

}  // namespace umach::sched
