// core/selftests/sched_selftests.cc: the scheduler, on every platform. Each
// test runs in a kernel thread (the self-test runner's) and makes its own.
#include "core/cpu.h"
#include "core/fault_inject.h"
#include "core/log.h"
#include "core/kstd/atomic.h"
#include "core/sched/kstack.h"
#include "core/sched/mutex.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/selftest.h"
#include "core/zone.h"

namespace umach {
namespace {

using sched::kernel_thread;
using sched::Thread;
using sched::WaitQueue;
using sched::WaitResult;

// A small event log shared by a test's threads.
struct Log {
  kstd::Atomic<unsigned> n{0};
  int entries[64] = {};
  void add(int v) {
    unsigned i = n.fetch_add(1);
    if (i < 64) entries[i] = v;
  }
};

struct Waiter {
  WaitQueue* wq;
  Log* log;
  int tag;
  bool interruptible = false;
  uint64_t deadline = sched::kNoDeadline;
  kstd::Atomic<bool> waiting{false};
  WaitResult result = WaitResult::kAwakened;
};

void wait_once(void* arg) {
  auto* w = static_cast<Waiter*>(arg);
  {
    SpinlockGuard guard(w->wq->lock);
    w->wq->assert_wait_locked(w->interruptible, w->deadline);
    w->waiting.store(true);
  }
  w->result = sched::thread_block();
  if (w->log) w->log->add(w->tag);
}

// Lets other threads run until `cond` holds (bounded: a hang fails the test).
template <class Cond>
bool wait_until(Cond cond) {
  uint64_t give_up = Platform::clock_ns() + 2'000'000'000;
  while (!cond()) {
    if (Platform::clock_ns() > give_up) return false;
    sched::sleep_ns(200'000);
  }
  return true;
}

void set_flag(void* arg) { static_cast<kstd::Atomic<int>*>(arg)->store(1); }

}  // namespace

UMACH_SELFTEST(sched_kernel_thread_runs_and_is_joined) {
  kstd::Atomic<int> ran{0};
  auto t = kernel_thread("flag", set_flag, &ran);
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  sched::thread_join(*t.value());
  ST_CHECK_EQ(ran.load(), 1);
  ST_CHECK(t.value()->state() == sched::ThreadState::kTerminated);
}

UMACH_SELFTEST(sched_wakeup_one_is_fifo) {
  WaitQueue wq;
  Log log;
  Waiter w[3] = {{&wq, &log, 1}, {&wq, &log, 2}, {&wq, &log, 3}};
  RefPtr<Thread> t[3];
  for (int i = 0; i < 3; ++i) {
    auto r = kernel_thread("waiter", wait_once, &w[i]);
    ST_CHECK(r.ok());
    if (!r.ok()) return;
    t[i] = kstd::move(r).take();
    // Queue them in a known order: each waits before the next starts.
    ST_CHECK(wait_until([&] { return w[i].waiting.load(); }));
  }
  for (int i = 0; i < 3; ++i) {
    ST_CHECK_EQ(wq.wakeup_one(), 1u);
    ST_CHECK(wait_until([&] { return log.n.load() == unsigned(i + 1); }));
  }
  ST_CHECK_EQ(wq.wakeup_one(), 0u);
  for (auto& x : t) sched::thread_join(*x);
  ST_CHECK(log.entries[0] == 1 && log.entries[1] == 2 && log.entries[2] == 3);
}

UMACH_SELFTEST(sched_timed_wait_times_out) {
  WaitQueue wq;
  uint64_t start = Platform::clock_ns();
  {
    SpinlockGuard guard(wq.lock);
    wq.assert_wait_locked(false, start + 3'000'000);
  }
  WaitResult r = sched::thread_block();
  ST_CHECK(r == WaitResult::kTimedOut);
  ST_CHECK(Platform::clock_ns() - start >= 3'000'000);
  ST_CHECK(wq.empty());
}

namespace {
WaitResult wait_ms(WaitQueue& wq, bool interruptible) {
  {
    SpinlockGuard guard(wq.lock);
    wq.assert_wait_locked(interruptible, Platform::clock_ns() + 1'000'000);
  }
  return sched::thread_block();
}
}  // namespace

// thread_abort's interrupt_next_wait for a thread not waiting yet: its next
// interruptible wait ends at once, once; a non-interruptible one is not
// touched; taken back, it ends nothing.
UMACH_SELFTEST(sched_an_abort_before_the_wait_ends_the_next_interruptible_one) {
  Thread& self = *sched::current_thread();
  WaitQueue wq;
  sched::interrupt_next_wait(self);
  ST_CHECK(wait_ms(wq, false) == WaitResult::kTimedOut);
  ST_CHECK(wait_ms(wq, true) == WaitResult::kInterrupted);
  ST_CHECK(wait_ms(wq, true) == WaitResult::kTimedOut);  // used up
  sched::interrupt_next_wait(self);
  ST_CHECK(sched::cancel_interrupt_next_wait(self));
  ST_CHECK(!sched::cancel_interrupt_next_wait(self));
  ST_CHECK(wait_ms(wq, true) == WaitResult::kTimedOut);
  ST_CHECK(wq.empty());
}

namespace {
struct TwiceWaiter {
  Waiter first;
  WaitResult second = WaitResult::kAwakened;
};
void wait_twice(void* arg) {
  auto* w = static_cast<TwiceWaiter*>(arg);
  wait_once(&w->first);
  w->second = wait_ms(*w->first.wq, true);
}
}  // namespace

// One abort ends one wait: the one the thread is in, not that and the next.
UMACH_SELFTEST(sched_an_abort_of_a_waiting_thread_ends_only_that_wait) {
  WaitQueue wq;
  TwiceWaiter w{{&wq, nullptr, 0}};
  w.first.interruptible = true;
  w.first.deadline = Platform::clock_ns() + 5'000'000'000;  // far away
  auto t = kernel_thread("waiter", wait_twice, &w);
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  ST_CHECK(wait_until([&] { return w.first.waiting.load(); }));
  sched::interrupt_next_wait(*t.value());
  sched::thread_join(*t.value());
  ST_CHECK(w.first.result == WaitResult::kInterrupted);
  ST_CHECK(w.second == WaitResult::kTimedOut);
  ST_CHECK(!sched::cancel_interrupt_next_wait(*t.value()));
}

UMACH_SELFTEST(sched_wakeup_beats_timeout) {
  WaitQueue wq;
  Waiter w{&wq, nullptr, 0};
  w.deadline = Platform::clock_ns() + 5'000'000'000;  // far away
  auto t = kernel_thread("waiter", wait_once, &w);
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  ST_CHECK(wait_until([&] { return w.waiting.load(); }));
  ST_CHECK_EQ(wq.wakeup_all(), 1u);
  sched::thread_join(*t.value());
  ST_CHECK(w.result == WaitResult::kAwakened);
}

UMACH_SELFTEST(sched_interruptible_wait_is_interrupted) {
  WaitQueue wq;
  Waiter soft{&wq, nullptr, 0};
  soft.interruptible = true;
  Waiter hard{&wq, nullptr, 1};
  auto a = kernel_thread("soft", wait_once, &soft);
  auto b = kernel_thread("hard", wait_once, &hard);
  ST_CHECK(a.ok() && b.ok());
  if (!a.ok() || !b.ok()) return;
  ST_CHECK(wait_until([&] { return soft.waiting.load() && hard.waiting.load(); }));
  sched::clear_wait(*a.value(), WaitResult::kInterrupted);
  sched::clear_wait(*b.value(), WaitResult::kInterrupted);  // not interruptible: no effect
  sched::thread_join(*a.value());
  ST_CHECK(soft.result == WaitResult::kInterrupted);
  ST_CHECK(b.value()->state() == sched::ThreadState::kWaiting);
  ST_CHECK_EQ(wq.wakeup_all(), 1u);
  sched::thread_join(*b.value());
  ST_CHECK(hard.result == WaitResult::kAwakened);
}

namespace {
struct LateWaiter {
  WaitQueue* wq;
  kstd::Atomic<bool> started{false};
  kstd::Atomic<bool> go{false};
  WaitResult first = WaitResult::kAwakened, second = WaitResult::kAwakened;
};
void wait_after_go(void* arg) {
  auto* w = static_cast<LateWaiter*>(arg);
  w->started.store(true);
  while (!w->go.load()) sched::sleep_ns(200'000);  // not interruptible: interrupt_waits leaves these
  {
    SpinlockGuard guard(w->wq->lock);
    w->wq->assert_wait_locked(true, Platform::clock_ns() + 10'000'000'000);  // (without the fix: kTimedOut)
  }
  w->first = sched::thread_block();
  w->second = sched::sleep_interruptible_ns(10'000'000'000);
}
}  // namespace

// A thread terminated while in the kernel on its way into a wait
// (MachThread::terminate): clear_wait alone would find it not waiting yet.
UMACH_SELFTEST(sched_interrupt_waits_ends_waits_begun_after_it) {
  WaitQueue wq;
  LateWaiter w{&wq};
  auto t = kernel_thread("late", wait_after_go, &w);
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  ST_CHECK(wait_until([&] { return w.started.load(); }));
  sched::interrupt_waits(*t.value());
  w.go.store(true);
  sched::thread_join(*t.value());
  ST_CHECK(w.first == WaitResult::kInterrupted);
  ST_CHECK(w.second == WaitResult::kInterrupted);
  ST_CHECK(wq.empty());
}

namespace {
struct LongSleep {
  kstd::Atomic<bool> asleep{false};
  WaitResult result = WaitResult::kAwakened;
};
void sleep_long(void* arg) {
  auto* s = static_cast<LongSleep*>(arg);
  s->asleep.store(true);
  s->result = sched::sleep_interruptible_ns(60'000'000'000);  // a minute: only an interruption ends it in time
}
}  // namespace

UMACH_SELFTEST(sched_interruptible_sleep_ends_when_interrupted) {
  LongSleep s;
  auto t = kernel_thread("sleeper", sleep_long, &s);
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  ST_CHECK(wait_until([&] { return s.asleep.load() && t.value()->state() == sched::ThreadState::kWaiting; }));
  sched::clear_wait(*t.value(), WaitResult::kInterrupted);
  sched::thread_join(*t.value());
  ST_CHECK(s.result == WaitResult::kInterrupted);
  ST_CHECK(sched::sleep_interruptible_ns(1'000'000) == WaitResult::kTimedOut);
}

namespace {
struct PingPong {
  Log log;
  kstd::Atomic<int> started{0};
  kstd::Atomic<bool> go{false};
  int tag;
};
struct YieldArgs {
  PingPong* pp;
  int tag;
};
void yield_three_times(void* arg) {
  auto* a = static_cast<YieldArgs*>(arg);
  a->pp->started.fetch_add(1);
  while (!a->pp->go.load()) sched::thread_yield();
  for (int i = 0; i < 3; ++i) {
    a->pp->log.add(a->tag);
    sched::thread_yield();
  }
}
}  // namespace

UMACH_SELFTEST(sched_yield_alternates_equal_priorities) {
  if (sched::cpu_count() != 1) return;  // the interleaving is one CPU's
  PingPong pp;
  YieldArgs a{&pp, 1}, b{&pp, 2};
  auto ta = kernel_thread("yield-a", yield_three_times, &a, sched::kPriorityKernel + 1);
  auto tb = kernel_thread("yield-b", yield_three_times, &b, sched::kPriorityKernel + 1);
  ST_CHECK(ta.ok() && tb.ok());
  if (!ta.ok() || !tb.ok()) return;
  ST_CHECK(wait_until([&] { return pp.started.load() == 2; }));
  pp.go.store(true);
  sched::thread_join(*ta.value());
  sched::thread_join(*tb.value());
  ST_CHECK_EQ(pp.log.n.load(), 6u);
  for (unsigned i = 1; i < 6; ++i) ST_CHECK(pp.log.entries[i] != pp.log.entries[i - 1]);
}

namespace {
struct Tagged {
  Log* log;
  int tag;
};
void log_tag(void* arg) {
  auto* t = static_cast<Tagged*>(arg);
  t->log->add(t->tag);
}
}  // namespace

UMACH_SELFTEST(sched_higher_priority_runs_first) {
  if (sched::cpu_count() != 1) return;  // with more CPUs both run at once
  Log log;
  Tagged low{&log, 30}, high{&log, 20};
  // Both lower than this thread (priority 10), so neither runs before we block.
  auto tl = kernel_thread("low", log_tag, &low, 30);
  auto th = kernel_thread("high", log_tag, &high, 20);
  ST_CHECK(tl.ok() && th.ok());
  if (!tl.ok() || !th.ok()) return;
  sched::thread_join(*tl.value());
  sched::thread_join(*th.value());
  ST_CHECK(log.entries[0] == 20 && log.entries[1] == 30);
}

UMACH_SELFTEST(sched_yield_to_runs_the_named_thread_first) {
  if (sched::cpu_count() != 1) return;  // the order is one CPU's
  Log log;
  Tagged a{&log, 1}, b{&log, 2}, c{&log, 3};
  // Queued in the order a, b, c, all below this thread (priority 10).
  auto ta = kernel_thread("a", log_tag, &a, 30);
  auto tb = kernel_thread("b", log_tag, &b, 30);
  auto tc = kernel_thread("c", log_tag, &c, 30);
  ST_CHECK(ta.ok() && tb.ok() && tc.ok());
  if (!ta.ok() || !tb.ok() || !tc.ok()) return;
  ST_CHECK(sched::others_runnable());
  sched::thread_yield_to(*tc.value());  // c first, whatever its priority; then us again
  ST_CHECK_EQ(log.n.load(), 1u);
  ST_CHECK(log.entries[0] == 3);
  sched::thread_yield_to(*sched::current_thread());  // oneself: a plain yield
  sched::thread_join(*ta.value());
  sched::thread_join(*tb.value());
  sched::thread_join(*tc.value());
  ST_CHECK(log.entries[1] == 1 && log.entries[2] == 2);
}

namespace {
struct Handoff {
  WaitQueue server_wq;
  WaitQueue client_wq;
  Log log;
  kstd::Atomic<bool> server_waiting{false};
};
void handoff_server(void* arg) {
  auto* h = static_cast<Handoff*>(arg);
  {
    SpinlockGuard guard(h->server_wq.lock);
    h->server_wq.assert_wait_locked(false);
    h->server_waiting.store(true);
  }
  sched::thread_block();
  h->log.add(1);  // the server runs before the client resumes
  h->client_wq.wakeup_one();
}
}  // namespace

UMACH_SELFTEST(sched_handoff_runs_the_woken_thread) {
  Handoff h;
  auto server = kernel_thread("server", handoff_server, &h);
  ST_CHECK(server.ok());
  if (!server.ok()) return;
  ST_CHECK(wait_until([&] { return h.server_waiting.load(); }));
  {
    SpinlockGuard guard(h.client_wq.lock);
    h.client_wq.assert_wait_locked(false);
  }
  Thread* next;
  {
    SpinlockGuard guard(h.server_wq.lock);
    next = h.server_wq.wakeup_for_handoff_locked();
  }
  ST_CHECK(next);
  if (next) sched::thread_handoff(next);
  h.log.add(2);
  sched::thread_join(*server.value());
  ST_CHECK(h.log.entries[0] == 1 && h.log.entries[1] == 2);
}

namespace {
struct Counter {
  sched::Mutex mutex;
  long value UMACH_GUARDED_BY(mutex) = 0;
  kstd::Atomic<int> not_owner{0};  // times the holder was not the owner
};
void count_under_mutex(void* arg) {
  auto* c = static_cast<Counter*>(arg);
  for (int i = 0; i < 200; ++i) {
    sched::MutexGuard guard(c->mutex);
    if (!c->mutex.held_by_current()) c->not_owner.fetch_add(1);
    long v = c->value;
    if (i % 16 == 0) sched::thread_yield();  // let others find it held
    c->value = v + 1;
  }
}
}  // namespace

UMACH_SELFTEST(sched_mutex_excludes) {
  Counter c;
  RefPtr<Thread> t[4];
  for (auto& x : t) {
    auto r = kernel_thread("counter", count_under_mutex, &c);
    ST_CHECK(r.ok());
    if (r.ok()) x = kstd::move(r).take();
  }
  for (auto& x : t)
    if (x) sched::thread_join(*x);
  ST_CHECK_EQ(c.not_owner.load(), 0);
  ST_CHECK(!c.mutex.held_by_current());
  sched::MutexGuard guard(c.mutex);
  ST_CHECK_EQ(c.value, 800);
}

namespace {
struct Spinner {
  kstd::Atomic<bool>* stop;
  kstd::Atomic<int>* started;
};
void spin_until_stopped(void* arg) {
  auto* s = static_cast<Spinner*>(arg);
  s->started->fetch_add(1);
  while (!s->stop->load(kstd::MemoryOrder::relaxed)) sched::preemption_point();
}
}  // namespace

UMACH_SELFTEST(sched_quantum_shares_the_cpu_fairly) {
  // One CPU's round robin; with several, placement decides the shares.
  if (sched::cpu_count() != 1) return;
  constexpr int kThreads = 3;
  kstd::Atomic<bool> stop{false};
  kstd::Atomic<int> started{0};
  Spinner s{&stop, &started};
  RefPtr<Thread> t[kThreads];
  for (auto& x : t) {
    auto r = kernel_thread("spinner", spin_until_stopped, &s, sched::kPriorityUser);
    ST_CHECK(r.ok());
    if (r.ok()) x = kstd::move(r).take();
  }
  // This thread outranks the spinners, so it wakes on time to stop them.
  sched::sleep_ns(40 * sched::kTickNs);
  stop.store(true);
  uint64_t least = ~uint64_t{0}, most = 0;
  for (auto& x : t) {
    if (!x) continue;
    sched::thread_join(*x);
    least = kstd::min(least, x->ticks_run());
    most = kstd::max(most, x->ticks_run());
  }
  ST_CHECK_EQ(started.load(), kThreads);
  ST_CHECK(least >= 1);
  ST_CHECK(most <= 2 * least);
}

UMACH_SELFTEST(sched_sleep_lasts_at_least_its_time) {
  uint64_t start = Platform::clock_ns();
  sched::sleep_ns(2'000'000);
  ST_CHECK(Platform::clock_ns() - start >= 2'000'000);
}

UMACH_SELFTEST(sched_thread_creation_fails_cleanly) {
  // Fail allocation 1, 2, ... of kernel_thread() until it succeeds: every
  // failure is a clean KERN_RESOURCE_SHORTAGE that starts nothing (the
  // runner's leak audit checks that nothing stays allocated).
  kstd::Atomic<int> ran{0};
  unsigned failures = 0;
  for (uint64_t n = 1; n < 16; ++n) {
    sched::kstack_drain();  // so the stack comes from the page allocator
    fault_inject::fail_nth(n);
    auto t = kernel_thread("doomed", set_flag, &ran);
    fault_inject::fail_nth(0);
    if (t.ok()) {
      sched::thread_join(*t.value());
      break;
    }
    ST_CHECK_EQ(t.error(), KERN_RESOURCE_SHORTAGE);
    ST_CHECK_EQ(ran.load(), 0);
    ++failures;
  }
  ST_CHECK(failures >= 2);  // at least the thread object and its stack
  ST_CHECK_EQ(ran.load(), 1);
  ST_CHECK_EQ(kernel_thread("bad", set_flag, &ran, 50).error(), KERN_INVALID_ARGUMENT);
}

}  // namespace umach

namespace umach {
namespace {
struct Bound {
  unsigned cpu;
  kstd::Atomic<int> strays{0};
  int first_stray_at = -1;
  unsigned first_stray_cpu = 0;
};
void stay_on_cpu(void* arg) {
  auto* b = static_cast<Bound*>(arg);
  for (int i = 0; i < 50; ++i) {
    if (this_cpu().id != b->cpu && b->strays.fetch_add(1) == 0) {
      b->first_stray_at = i;
      b->first_stray_cpu = this_cpu().id;
    }
    if (i % 10 == 9)
      sched::sleep_ns(100'000);
    else
      sched::thread_yield();
  }
}
}  // namespace

UMACH_SELFTEST(sched_bound_thread_stays_on_its_cpu) {
  Bound b{sched::cpu_count() - 1};
  auto t = kernel_thread("bound", stay_on_cpu, &b, sched::kPriorityKernel, static_cast<int>(b.cpu));
  ST_CHECK(t.ok());
  if (!t.ok()) return;
  sched::thread_join(*t.value());
  ST_CHECK_EQ(b.strays.load(), 0);
  if (b.strays.load()) klog("  bound to CPU %u, ran on CPU %u at step %d\n", b.cpu, b.first_stray_cpu, b.first_stray_at);
  ST_CHECK_EQ(kernel_thread("nowhere", stay_on_cpu, &b, sched::kPriorityKernel, 64).error(), KERN_INVALID_ARGUMENT);
}

}  // namespace umach
