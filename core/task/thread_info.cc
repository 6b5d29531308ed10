// core/task/thread_info.cc: a thread's times, priorities and information
// (core/task/thread.h, the issue-7 section), and the kernel routines
// thread_info (mach.defs) and thread_priority (mach_host.defs).
//
// Priorities are GNU Mach's and the scheduler's alike: 0 (highest) to 49.
// A thread's maximum starts at its priority or BASEPRI_USER (25),
// whichever is higher in priority; thread_priority may not go above it
// (KERN_FAILURE), and with set_max only lowers it. thread_max_priority
// needs a processor set's control port, which umach does not have yet: it
// answers MIG_BAD_ID through the generated fallback.
#include <mach/policy.h>
#include <mach/thread_info.h>

#include "core/cpu.h"
#include "core/kstd/cstring.h"
#include "core/sched/config.h"
#include "core/sched/sched.h"
#include "core/task/cpu_time.h"
#include "core/task/host.h"
#include "core/task/thread.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"
#include "mach_kserver.h"

namespace umach {

void MachThread::init_priorities() {
  int p = thread_ ? thread_->priority() : sched::kPriorityUser;
  if (int task_p = task_->priority_for_new_thread(); task_p >= 0) {
    p = task_p;  // task_priority set it: applied on the way to user mode
    priority_pending_.store(true, kstd::MemoryOrder::relaxed);
  }
  base_priority_.store(p, kstd::MemoryOrder::relaxed);
  max_priority_.store(p < sched::kPriorityUser ? p : sched::kPriorityUser, kstd::MemoryOrder::relaxed);
  creation_ns_ = host::time_of_day_ns();
}

bool MachThread::may_enter_user() {
  if (ended() || suspend_count_.load() != 0 || holds_.load() != 0 || task_->suspend_count() != 0) return false;
  // A plain load first: the exchange (a locked instruction) only when set.
  if (priority_pending_.load(kstd::MemoryOrder::relaxed) &&
      priority_pending_.exchange(false, kstd::MemoryOrder::relaxed) && !depressed())
    thread_->set_own_priority(base_priority());
  return true;
}

uint64_t MachThread::system_ns() const {
  const uint64_t on_cpu = thread_ ? thread_->ticks_run() * sched::kTickNs : 0;
  const uint64_t user = user_ns();
  return on_cpu > user ? on_cpu - user : 0;
}

kern_return_t MachThread::set_max_priority(int max) {
  if (max < sched::kPriorityHighest || max > sched::kPriorityLowest || ended()) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard g(stop_.lock);
    max_priority_.store(max, kstd::MemoryOrder::relaxed);
    if (base_priority() >= max) return KERN_SUCCESS;
    base_priority_.store(max, kstd::MemoryOrder::relaxed);
  }
  if (depressed()) return KERN_SUCCESS;  // it comes back to the new base
  if (thread_.get() == sched::current_thread()) thread_->set_own_priority(max);
  else priority_pending_.store(true, kstd::MemoryOrder::relaxed);
  return KERN_SUCCESS;
}

kern_return_t MachThread::set_priority(int priority, bool set_max) {
  if (priority < sched::kPriorityHighest || priority > sched::kPriorityLowest || ended()) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard g(stop_.lock);  // one change at a time: the check and the stores
    if (priority < max_priority()) return KERN_FAILURE;
    base_priority_.store(priority, kstd::MemoryOrder::relaxed);
    if (set_max) max_priority_.store(priority, kstd::MemoryOrder::relaxed);
  }
  if (depressed()) return KERN_SUCCESS;  // it comes back to the new base
  if (thread_.get() == sched::current_thread()) thread_->set_own_priority(priority);
  else priority_pending_.store(true, kstd::MemoryOrder::relaxed);
  return KERN_SUCCESS;
}

namespace {

// GNU Mach's run states: halted, else running (on a CPU or ready), else
// stopped (waiting to enter user mode while suspended), else waiting.
int run_state(sched::Thread& t, bool ended, bool suspended) {
  if (ended) return TH_STATE_HALTED;
  SpinlockGuard g(t.lock);
  if (t.state_ == sched::ThreadState::kRunning || t.state_ == sched::ThreadState::kRunnable) return TH_STATE_RUNNING;
  if (t.state_ == sched::ThreadState::kTerminated) return TH_STATE_HALTED;
  if (suspended) return TH_STATE_STOPPED;
  return t.wait_interruptible_ ? TH_STATE_WAITING : TH_STATE_UNINTERRUPTIBLE;
}

}  // namespace

// Not counted: cpu_usage (no decayed usage is kept), sleep_time and
// flags; all 0.
kern_return_t MachThread::info(int flavor, integer_t* out, mach_msg_type_number_t* count) {
  if (flavor == THREAD_BASIC_INFO) {
    if (*count < THREAD_BASIC_INFO_COUNT) return KERN_INVALID_ARGUMENT;
    thread_basic_info b{};
    to_time_values(user_ns(), &b.user_time, &b.user_time64);
    to_time_values(system_ns(), &b.system_time, &b.system_time64);
    to_time_values(static_cast<uint64_t>(creation_ns_), &b.creation_time, &b.creation_time64);
    b.base_priority = base_priority();
    b.cur_priority = thread_->priority();
    b.suspend_count = suspend_count();
    b.run_state = run_state(*thread_, ended(), b.suspend_count > 0 || task_->suspend_count() > 0);
    kstd::memcpy(out, &b, sizeof b);
    *count = THREAD_BASIC_INFO_COUNT;
    return KERN_SUCCESS;
  }
  if (flavor == THREAD_SCHED_INFO) {
    if (*count < THREAD_SCHED_INFO_COUNT) return KERN_INVALID_ARGUMENT;
    thread_sched_info s{};
    s.policy = policy();
    s.data = policy_data();
    s.base_priority = base_priority();
    s.max_priority = max_priority();
    s.cur_priority = thread_->priority();
    s.depressed = depressed();
    s.depress_priority = s.depressed ? base_priority() : -1;
    // Known for the caller itself; another thread's CPU is written by
    // that CPU without a lock: 0.
    s.last_processor = thread_.get() == sched::current_thread() ? static_cast<integer_t>(this_cpu().id) : 0;
    kstd::memcpy(out, &s, sizeof s);
    *count = THREAD_SCHED_INFO_COUNT;
    return KERN_SUCCESS;
  }
  return KERN_INVALID_ARGUMENT;
}

}  // namespace umach

namespace umach::kserver {

kern_return_t thread_info(thread_ref_t thread, int flavor, thread_info_t out, mach_msg_type_number_t* count) {
  return thread ? thread->info(flavor, out, count) : KERN_INVALID_ARGUMENT;
}

kern_return_t thread_priority(thread_ref_t thread, int priority, boolean_t set_max) {
  return thread ? thread->set_priority(priority, set_max != 0) : KERN_INVALID_ARGUMENT;
}

}  // namespace umach::kserver
