// core/task/switch.cc: hand-off scheduling and priority depression, as
// GNU Mach's kern/syscall_subr.c: the traps swtch (60), swtch_pri (59),
// thread_switch (61) and syscall_thread_depress_abort (76), the RPC
// thread_depress_abort, and thread_policy.
//
// A depressed thread runs at the lowest priority, so every runnable thread
// goes first; it gets its base priority back as soon as it runs again (it
// aborts its own depression on the way out of the trap, as GNU Mach's
// continuations do), or when another thread calls thread_depress_abort
// (the queued thread moves up at once), or when its time is up (a timer:
// thread_switch's time, one quantum for swtch_pri), so a depressed thread
// behind a spinning one is not starved.
//
// Policies: thread_policy answers KERN_FAILURE for a policy the processor
// set has not enabled (POLICY_FIXEDPRI until processor_set_policy_enable),
// as GNU Mach does. umach's scheduler never ages priorities, so a
// POLICY_FIXEDPRI thread differs from a timesharing one only in its
// quantum: the call's data, in milliseconds, rounded up to ticks.
#include <mach/policy.h>
#include <mach/thread_switch.h>

#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/sched/timer.h"
#include "core/task/processor.h"
#include "core/task/thread.h"
#include "core/task/traps.h"
#include "ipc/kserver.h"
#include "ipc/space.h"
#include "mach_host_kserver.h"

namespace umach {

void MachThread::set_policy(int policy, int quantum_ms) {
  uint32_t ticks = sched::kQuantumTicks;
  if (policy == POLICY_FIXEDPRI) {
    const uint64_t ms = quantum_ms > 0 ? static_cast<uint64_t>(quantum_ms) : 0;
    ticks = static_cast<uint32_t>((ms * 1'000'000 + sched::kTickNs - 1) / sched::kTickNs);
  }
  policy_data_.store(policy == POLICY_FIXEDPRI ? quantum_ms : 0, kstd::MemoryOrder::relaxed);
  policy_.store(policy, kstd::MemoryOrder::relaxed);
  thread_->set_quantum_ticks(ticks);
}

void MachThread::depress_self(uint64_t ns) {
  kassert(thread_.get() == sched::current_thread() && !depress_timer_set_);
  // Lowered first, then published: a thread_depress_abort from another
  // CPU that sees the depression finds the priority lowered, and its
  // restore is the last word (published first, the abort could restore
  // between the two and the lowering stay for good, no longer depressed).
  thread_->set_own_priority(sched::kPriorityLowest);
  depressed_.store(true, kstd::MemoryOrder::release);
  depress_timer_done_.store(false, kstd::MemoryOrder::relaxed);
  depress_timer_.owner = this;
  depress_timer_set_ = true;
  sched::timer_set(depress_timer_, Platform::clock_ns() + ns, depress_timeout);
}

// The timer fires on whichever CPU processes the tick: the depressed
// thread is queued (or, having just run, already ending its depression).
void MachThread::depress_timeout(sched::TimerEntry* entry, uint64_t /*cookie*/) {
  auto* t = static_cast<MachThread*>(entry->owner);
  (void)t->depress_abort();
  t->depress_timer_done_.store(true, kstd::MemoryOrder::release);  // the last touch: see end_own_depression
}

void MachThread::end_own_depression() {
  if (depress_timer_set_) {
    // A timeout that is firing still uses this object: wait for it.
    if (!sched::timer_cancel(depress_timer_))
      while (!depress_timer_done_.load(kstd::MemoryOrder::acquire)) Platform::cpu_relax();
    depress_timer_set_ = false;
  }
  (void)depress_abort();
}

bool MachThread::depress_abort() {
  if (!depressed_.exchange(false, kstd::MemoryOrder::acq_rel)) return false;
  if (thread_.get() == sched::current_thread()) thread_->set_own_priority(base_priority());
  else sched::thread_set_priority(*thread_, base_priority());
  return true;
}

namespace traps {
namespace {

// The thread a name in the caller's space stands for (a reference), or null.
RefPtr<MachThread> thread_named(Task& caller, mach_port_name_t name) {
  return RefPtr<MachThread>::adopt(convert_port_to_thread(SendRight(caller.space(), name).port()));
}

// How long swtch_pri depresses at most: one quantum.
constexpr uint64_t kSwtchPriNs = sched::kQuantumTicks * sched::kTickNs;

// swtch and swtch_pri: nothing to do when nothing else is runnable.
boolean_t switch_off(MachThread& self, bool depress) {
  if (!sched::others_runnable()) return FALSE;
  if (depress) self.depress_self(kSwtchPriNs);
  sched::thread_yield();
  if (depress) self.end_own_depression();
  return sched::others_runnable() ? TRUE : FALSE;
}

kern_return_t thread_switch(Task& caller, MachThread& self, const uint64_t* a) {
  const auto option = static_cast<int>(a[1]);
  const auto ms = static_cast<mach_msg_timeout_t>(a[2]);
  if (option != SWITCH_OPTION_NONE && option != SWITCH_OPTION_DEPRESS && option != SWITCH_OPTION_WAIT)
    return KERN_INVALID_ARGUMENT;
  // The hint: a thread of this host that is not this one; anything else
  // (null, dead, not a thread) is ignored, as the manual says.
  RefPtr<MachThread> hint = thread_named(caller, static_cast<mach_port_name_t>(a[0]));
  if (hint.get() == &self) hint.reset();
  // The time: milliseconds, 0 meaning the next tick (host_info's min_timeout).
  const uint64_t ns = ms ? uint64_t{ms} * 1'000'000 : sched::kTickNs;
  if (option == SWITCH_OPTION_DEPRESS) self.depress_self(ns);
  if (hint) sched::thread_yield_to(hint->sched_thread());
  if (option == SWITCH_OPTION_WAIT)
    (void)sched::sleep_interruptible_ns(ns);  // thread_abort ends it early
  else if (!hint)
    sched::thread_yield();
  if (option == SWITCH_OPTION_DEPRESS) self.end_own_depression();
  return KERN_SUCCESS;
}

}  // namespace

int switch_arg_count(int64_t n) {
  switch (n) {
    case 59: return 1;  // swtch_pri(priority)
    case 60: return 0;  // swtch()
    case 61: return 3;  // thread_switch(thread, option, time)
    case 76: return 1;  // syscall_thread_depress_abort(thread)
    default: return -1;
  }
}

kern_return_t switch_call(int64_t n, Task& caller, MachThread& self, const uint64_t* a) {
  switch (n) {
    case 59: return switch_off(self, true);  // the priority argument is unused, as in GNU Mach
    case 60: return switch_off(self, false);
    case 61: return thread_switch(caller, self, a);
    case 76: {
      RefPtr<MachThread> t = thread_named(caller, static_cast<mach_port_name_t>(a[0]));
      if (!t) return MACH_SEND_INTERRUPTED;
      (void)t->depress_abort();
      return KERN_SUCCESS;
    }
    default: return KERN_INVALID_ARGUMENT;
  }
}

}  // namespace traps
}  // namespace umach

namespace umach::kserver {

kern_return_t thread_depress_abort(thread_ref_t thread) {
  if (!thread) return KERN_INVALID_ARGUMENT;
  (void)thread->depress_abort();
  return KERN_SUCCESS;
}

kern_return_t thread_policy(thread_ref_t thread, int policy, int data) {
  if (!thread || invalid_policy(policy)) return KERN_INVALID_ARGUMENT;
  if (!(processor::policies() & policy)) return KERN_FAILURE;  // not enabled in the set
  thread->set_policy(policy, data);
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
