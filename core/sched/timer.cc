// core/sched/timer.cc: see timer.h.
#include "core/sched/timer.h"

#include "core/spinlock.h"

namespace umach::sched {
namespace {

constinit Spinlock g_lock{LockRank::kTimerQueue};
using TimerList = List<TimerEntry, &TimerEntry::link>;
TimerList& queue() UMACH_REQUIRES(g_lock) {
  [[clang::no_destroy]] static constinit TimerList q;
  return q;
}
// Copied out of the queue for lock-free reads of the next deadline.
kstd::Atomic<uint64_t> g_next_deadline{~uint64_t{0}};

void publish_next_locked() UMACH_REQUIRES(g_lock) {
  TimerEntry* first = queue().front();
  g_next_deadline.store(first ? first->deadline : ~uint64_t{0}, kstd::MemoryOrder::relaxed);
}

}  // namespace

void timer_set(TimerEntry& t, uint64_t deadline, void (*fire)(TimerEntry*, uint64_t), uint64_t cookie) {
  SpinlockGuard guard(g_lock);
  kassert(!t.link.is_linked());
  t.deadline = deadline;
  t.fire = fire;
  t.cookie = cookie;
  TimerList& q = queue();
  TimerEntry* after = nullptr;
  for (TimerEntry* e = q.back(); e; e = q.prev(*e)) {
    if (e->deadline <= deadline) {
      after = e;
      break;
    }
  }
  if (after)
    q.insert_after(*after, t);
  else
    q.push_front(t);
  publish_next_locked();
}

bool timer_cancel(TimerEntry& t) {
  SpinlockGuard guard(g_lock);
  if (!t.link.is_linked()) return false;
  queue().remove(t);
  publish_next_locked();
  return true;
}

unsigned timer_expire(uint64_t now) {
  if (g_next_deadline.load(kstd::MemoryOrder::relaxed) > now) return 0;
  unsigned fired = 0;
  for (;;) {
    TimerEntry* t;
    void (*fire)(TimerEntry*, uint64_t);
    uint64_t cookie;
    {
      SpinlockGuard guard(g_lock);
      t = queue().front();
      if (!t || t->deadline > now) {
        publish_next_locked();
        return fired;
      }
      queue().remove(*t);
      publish_next_locked();
      fire = t->fire;
      cookie = t->cookie;
    }
    // Off the queue and unlocked: the callback (or the entry's owner,
    // before it runs) may set the timer again.
    fire(t, cookie);
    ++fired;
  }
}

uint64_t timer_next_deadline() { return g_next_deadline.load(kstd::MemoryOrder::relaxed); }

}  // namespace umach::sched
