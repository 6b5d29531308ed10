// core/sched/timer.h: timeouts.
//
// A TimerEntry lives inside the object it times out (a thread's wait). All
// pending entries sit on one queue sorted by deadline; whichever CPU
// processes its timer tick first fires the expired ones, outside the queue's
// lock. set is O(n) in the number of pending timeouts (kept small: one per
// timed wait), cancel and fire are O(1). Each CPU arms its hardware timer for
// its next tick or the earliest deadline (sched.cc).
#pragma once

#include <stdint.h>

#include "core/list.h"

namespace umach::sched {

struct TimerEntry {
  ListNode link;        // on the timer queue while pending; guarded by its lock
  uint64_t deadline = 0;
  // Called with the cookie the entry was set with, read when it left the
  // queue: set again meanwhile (once off the queue, before `fire` runs),
  // the entry's new cookie does not reach the old firing.
  void (*fire)(TimerEntry*, uint64_t cookie) = nullptr;
  uint64_t cookie = 0;
  void* owner = nullptr;  // the object the entry lives in, for `fire`
};

// Queues `t` to fire at `deadline` (clock_ns time); t must not be pending.
void timer_set(TimerEntry& t, uint64_t deadline, void (*fire)(TimerEntry*, uint64_t), uint64_t cookie = 0);
// Dequeues `t`; false if it was not pending (fired, firing, or never set).
bool timer_cancel(TimerEntry& t);
// Fires every entry whose deadline is <= now; returns how many.
unsigned timer_expire(uint64_t now);
// The earliest pending deadline, or UINT64_MAX.
uint64_t timer_next_deadline();

}  // namespace umach::sched
