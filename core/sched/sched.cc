// core/sched/sched.cc: the scheduler (see sched.h).
#include "core/sched/sched.h"

#include "core/cpu.h"
#include "core/log.h"
#include "core/sched/kstack.h"
#include "core/sched/run_queue.h"
#include "core/sched/timer.h"
#include "core/sched/wait_queue.h"

namespace umach::sched {
namespace {

// The scheduler's part of a CPU. `active`, `prev` and `tick_deadline` are
// touched only by the CPU itself; the rest is shared as noted.
struct SchedCpu {
  RunQueue runq;
  Thread* active = nullptr;        // the thread running here
  kstd::Atomic<int> active_priority{kPriorityIdle};  // read by other CPUs' wakeups
  Thread* prev = nullptr;          // the thread a switch is leaving, for finish_switch
  bool prev_blocked = false;       // and it left to wait (thread_block, thread_handoff)
  Thread* idle = nullptr;          // holds a reference (taken in bootstrap)
  uint64_t tick_deadline = 0;      // when the programmed tick fires (0: none)
  uint32_t switches = 0;           // counts switches, to pace the lost-tick check
  kstd::Atomic<bool> online{false};
  kstd::Atomic<bool> idle_waiting{false};  // in cpu_idle_wait or about to be
  kstd::Atomic<bool> need_resched{false};  // set by other CPUs (a better thread came)
};

constinit SchedCpu g_cpus[Platform::kMaxCpus];
unsigned g_cpu_count = 0;
constinit WaitQueue g_exit_waiters;  // joiners, woken on every reaping

SchedCpu& sched_of(Cpu& c) { return g_cpus[c.id]; }

void sample_load(uint64_t now);  // load averages, below cpu_count()
kstd::Atomic<void (*)()> g_clock_hook{nullptr};

void run_clock_hook() {
  if (void (*hook)() = g_clock_hook.load(kstd::MemoryOrder::acquire)) hook();
}

Cpu* current_cpu_or_null() { return Platform::current_cpu(); }

void arm_tick(SchedCpu& sc, uint64_t now) {
  uint64_t deadline = now + kTickNs;
  uint64_t next_timeout = timer_next_deadline();
  if (next_timeout < deadline) deadline = next_timeout;
  Platform::timer_arm(deadline);
  sc.tick_deadline = deadline;
}

// Takes the best thread no worse than `worst` from this CPU's queue, else
// steals one from another CPU.
Thread* choose_next(Cpu& c, int worst) {
  SchedCpu& sc = sched_of(c);
  {
    SpinlockGuard guard(sc.runq.lock);
    if (Thread* t = sc.runq.dequeue_locked(worst)) return t;
  }
  for (unsigned i = 1; i < g_cpu_count; ++i) {
    SchedCpu& other = g_cpus[(c.id + i) % g_cpu_count];
    if (other.runq.count_hint() == 0) continue;
    SpinlockGuard guard(other.runq.lock);
    if (Thread* t = other.runq.dequeue_locked(worst, /*thief=*/true)) return t;
  }
  return nullptr;
}

void reap(Thread* dead) {
  Platform::context_destroy(dead->context_);
  kstack_free(dead->stack_);
  dead->stack_ = nullptr;
  // Under the joiners' lock, so a joiner that sees `reaped_` also sees the
  // thread's own reference gone (and holds its own, keeping the object).
  SpinlockGuard guard(g_exit_waiters.lock);
  dead->reaped_.store(true, kstd::MemoryOrder::release);
  dead->unref();  // may free it: only if nobody, so no joiner, holds it
  g_exit_waiters.wakeup_all_locked();
}

// Runs on the incoming thread, right after a switch, on whatever CPU it is.
void finish_switch() {
  SchedCpu& sc = sched_of(this_cpu());
  Thread* prev = kstd::exchange(sc.prev, nullptr);
  if (!prev) return;
  if (sc.prev_blocked) {
    // It left to wait: it is waiting, or was woken meanwhile by a waker
    // that saw it blocking and now waits for on_cpu_ to put it on a queue
    // (thread_setrun). Neither needs its state here, so not its lock
    // either (two locked instructions an RPC).
    prev->on_cpu_.store(false, kstd::MemoryOrder::release);
    return;
  }
  ThreadState st;
  {
    SpinlockGuard guard(prev->lock);
    st = prev->state_;
    if (st == ThreadState::kRunning && !prev->is_idle_) prev->state_ = ThreadState::kRunnable;
  }
  // Its context is saved: it may run elsewhere from here on. Cleared before
  // it goes back on a queue, so a queued thread is never still on a CPU.
  prev->on_cpu_.store(false, kstd::MemoryOrder::release);
  if (st == ThreadState::kRunning && !prev->is_idle_) {
    // Preempted or yielded: back on this CPU's queue, behind its peers.
    SpinlockGuard guard(sc.runq.lock);
    sc.runq.enqueue_locked(*prev);
  }
  if (st == ThreadState::kTerminated) reap(prev);
}

// Why the running thread leaves its CPU.
enum class Leaving { kRunnable, kBlocked, kExiting };

// kExiting: self is ending (thread_exit) and never comes back; kBlocked: it
// waits (its blocking_ set: a waker requeues it).
void switch_to(Thread* self, Thread* next, Leaving why = Leaving::kRunnable) {
  Cpu& c = this_cpu();
  SchedCpu& sc = sched_of(c);
  kassert(sc.active == self && next != self);
  // Queued and handed-off threads have left their last CPU (thread_setrun
  // and thread_handoff wait for that); a CPU that waited here, in the middle
  // of its own switch, could wait in a ring with others doing the same.
  kassert(!next->on_cpu_.load(kstd::MemoryOrder::acquire));
  next->on_cpu_.store(true, kstd::MemoryOrder::relaxed);
  next->last_cpu_ = &c;
  next->quantum_left_ = next->quantum_ticks();
  if (!next->is_idle_) {
    {
      SpinlockGuard guard(next->lock);
      next->state_ = ThreadState::kRunning;
      next->blocking_ = false;
    }
    // A tick must be coming: re-arm if none is. Whether the programmed one
    // should have fired already (a lost timer) is checked only every 64th
    // switch: reading the clock costs a fair part of a switch (hosted:
    // ~30 ns, two per RPC), and an armed tick does come.
    if (sc.tick_deadline == 0) {
      arm_tick(sc, Platform::clock_ns());
    } else if ((++sc.switches & 63) == 0) {
      const uint64_t now = Platform::clock_ns();
      if (sc.tick_deadline <= now) arm_tick(sc, now);
    }
  }
  sc.active = next;
  sc.active_priority.store(next->priority(), kstd::MemoryOrder::relaxed);
  sc.prev = self;
  sc.prev_blocked = why == Leaving::kBlocked;
  // The page tables follow the thread (GNU Mach's PMAP_ACTIVATE_USER in
  // the switch); kernel threads keep whatever is loaded.
  if (const Platform::Pmap* space = next->address_space()) Platform::pmap_activate(space);
  if (why == Leaving::kExiting) {
    Platform::context_exit(next->context_);
    __builtin_unreachable();
  }
  Platform::context_switch(self->context_, next->context_);
  finish_switch();  // back on `self`, maybe on another CPU
}

// Where every new thread starts, on its own stack.
void thread_trampoline(void* arg) {
  finish_switch();
  auto* self = static_cast<Thread*>(arg);
  self->entry_(self->arg_);
  thread_exit();
}

// Counts processed ticks and fires due timeouts; returns true if the
// running thread's quantum ran out.
bool process_ticks(Cpu& c, SchedCpu& sc) {
  // A plain load first: most calls find nothing, and an exchange is a
  // locked instruction.
  if (c.timer_fired.load(kstd::MemoryOrder::relaxed) == 0) return false;
  uint32_t ticks = c.timer_fired.exchange(0, kstd::MemoryOrder::relaxed);
  if (ticks == 0) return false;
  uint64_t now = Platform::clock_ns();
  timer_expire(now);
  sc.tick_deadline = 0;
  Thread* self = sc.active;
  if (self->is_idle_) return false;
  sample_load(now);
  run_clock_hook();
  arm_tick(sc, now);
  self->ticks_run_.fetch_add(ticks, kstd::MemoryOrder::relaxed);
  self->quantum_left_ = self->quantum_left_ > ticks ? self->quantum_left_ - ticks : 0;
  return self->quantum_left_ == 0;
}

[[noreturn]] void idle_loop() {
  for (;;) {
    Cpu& c = this_cpu();
    SchedCpu& sc = sched_of(c);
    // `seen` first: a tick or a wakeup after this line makes the sleep below
    // return at once.
    uint32_t seen = c.wake_seq.load(kstd::MemoryOrder::acquire);
    process_ticks(c, sc);
    // Announce the sleep, then look at the queues: a waker enqueues, then
    // looks at the flag (thread_setrun), so one of the two sees the other.
    sc.idle_waiting.store(true);
    kstd::atomic_thread_fence(kstd::MemoryOrder::seq_cst);
    if (Thread* next = choose_next(c, kPriorityLowest)) {
      sc.idle_waiting.store(false);
      run_clock_hook();  // no tick ran while every CPU idled: catch the clock up
      switch_to(sc.active, next);
      continue;
    }
    // Sleep until work comes or the next timeout is due. A tick still
    // armed from the last thread is left to fire once (at most kTickNs
    // away) rather than cancelled: on hosted each arm or disarm is a host
    // system call, and a CPU that idles between two wakeups of an RPC
    // would pay two of them per round trip.
    uint64_t next_timeout = timer_next_deadline();
    bool tick_pending = sc.tick_deadline != 0 && sc.tick_deadline > Platform::clock_ns();
    if (next_timeout != ~uint64_t{0} && (!tick_pending || next_timeout < sc.tick_deadline)) {
      Platform::timer_arm(next_timeout);
      sc.tick_deadline = next_timeout;
    }
    Platform::cpu_idle_wait(c, seen);
    sc.idle_waiting.store(false);
  }
}

void kick(unsigned id) {
  Cpu& target = cpu(id);
  target.wake_seq.fetch_add(1, kstd::MemoryOrder::release);
  Platform::cpu_kick(target);
}

}  // namespace

void bootstrap(unsigned cpus) {
  kassert(cpus >= 1 && cpus <= Platform::kMaxCpus && g_cpu_count == 0);
  g_cpu_count = cpus;
  cpu_prepare(cpus);  // ids valid before any CPU comes up: wakeups name CPUs
  // Every CPU's idle thread now, before anything runs: the set of kernel
  // objects is then the same whenever the CPUs come up.
  for (unsigned id = 0; id < cpus; ++id) {
    RefPtr<Thread> idle = Thread::create_for_boot_context("idle");
    idle->last_cpu_ = &cpu(id);
    g_cpus[id].idle = idle.leak_ref();
  }
}

unsigned cpu_count() { return g_cpu_count; }

namespace {

constexpr uint64_t kLoadPeriodNs = 5'000'000'000;
// exp(-5/5), exp(-5/30), exp(-5/60), scaled: each sample's weight decays so.
constexpr int64_t kLoadDecay[3] = {368, 846, 920};
kstd::Atomic<uint64_t> g_next_load_sample{0};
kstd::Atomic<int32_t> g_load[3] = {}, g_mach_factor[3] = {};

unsigned runnable_threads() {
  unsigned n = 0;
  for (unsigned i = 0; i < g_cpu_count; ++i) {
    if (!g_cpus[i].online.load(kstd::MemoryOrder::relaxed)) continue;
    n += static_cast<unsigned>(g_cpus[i].runq.count_hint());
    if (g_cpus[i].active_priority.load(kstd::MemoryOrder::relaxed) != kPriorityIdle) ++n;
  }
  return n;
}

void fold_load_sample(unsigned nrun) {
  const int64_t cpus = g_cpu_count ? g_cpu_count : 1;
  const int64_t load_now = nrun * int64_t{kLoadScale} / cpus;
  const int64_t factor_now =
      cpus > nrun ? (cpus - nrun) * int64_t{kLoadScale} : cpus * int64_t{kLoadScale} / (nrun + 1);
  for (int i = 0; i < 3; ++i) {
    const int64_t d = kLoadDecay[i];
    g_load[i].store(static_cast<int32_t>((g_load[i].load(kstd::MemoryOrder::relaxed) * d + load_now * (kLoadScale - d)) /
                                         kLoadScale),
                    kstd::MemoryOrder::relaxed);
    g_mach_factor[i].store(
        static_cast<int32_t>((g_mach_factor[i].load(kstd::MemoryOrder::relaxed) * d + factor_now * (kLoadScale - d)) /
                             kLoadScale),
        kstd::MemoryOrder::relaxed);
  }
}

// One CPU at a time folds in the samples that are due: the periods that
// passed without any tick (every CPU idle: no thread ran), then now.
void sample_load(uint64_t now) {
  uint64_t due = g_next_load_sample.load(kstd::MemoryOrder::relaxed);
  if (now < due) return;
  const uint64_t missed = due == 0 ? 0 : (now - due) / kLoadPeriodNs;
  if (!g_next_load_sample.compare_exchange(due, now + kLoadPeriodNs)) return;
  const unsigned idle_periods = due == 0 ? 0 : static_cast<unsigned>(missed < 64 ? missed : 64);
  for (unsigned i = 0; i < idle_periods; ++i) fold_load_sample(0);
  fold_load_sample(runnable_threads());
}

}  // namespace

void set_clock_hook(void (*hook)()) { g_clock_hook.store(hook, kstd::MemoryOrder::release); }

LoadAverages load_averages() {
  sample_load(Platform::clock_ns());
  LoadAverages a;
  for (int i = 0; i < 3; ++i) {
    a.load[i] = g_load[i].load(kstd::MemoryOrder::relaxed);
    a.mach_factor[i] = g_mach_factor[i].load(kstd::MemoryOrder::relaxed);
  }
  return a;
}

void cpu_run(unsigned id) {
  Cpu& c = this_cpu();
  kassert(c.id == id && id < g_cpu_count);
  SchedCpu& sc = sched_of(c);
  sc.active = sc.idle;
  sc.online.store(true);
  idle_loop();
}

Thread* current_thread() {
  Cpu* c = current_cpu_or_null();
  return c ? sched_of(*c).active : nullptr;
}

Result<RefPtr<Thread>> kernel_thread_prepare(const char* name, Thread::Entry entry, void* arg, int priority,
                                             int bound_cpu) {
  if (bound_cpu >= static_cast<int>(g_cpu_count)) return Error{KERN_INVALID_ARGUMENT};
  RefPtr<Thread> t = UMACH_TRY(Thread::create(name, entry, arg, priority));
  Platform::context_init(t->context_, t->stack_, Platform::kKernelStackSize, thread_trampoline, t.get());
  if (bound_cpu >= 0) {
    t->bound_cpu_ = bound_cpu;
    t->last_cpu_ = &cpu(static_cast<unsigned>(bound_cpu));
  }
  return t;
}

Result<RefPtr<Thread>> kernel_thread(const char* name, Thread::Entry entry, void* arg, int priority,
                                     int bound_cpu) {
  RefPtr<Thread> t = UMACH_TRY(kernel_thread_prepare(name, entry, arg, priority, bound_cpu));
  thread_setrun(*t);
  return t;
}

// A CPU that sleeps in the idle loop, other than `except`, or -1.
int find_idle_cpu(unsigned except) {
  for (unsigned i = 0; i < g_cpu_count; ++i)
    if (i != except && g_cpus[i].online.load() && g_cpus[i].idle_waiting.load()) return static_cast<int>(i);
  return -1;
}

void thread_setrun(Thread& t) {
  // A woken thread may still be leaving its CPU (its context not yet saved):
  // wait here, in the waker, which is not itself leaving a CPU, so nobody
  // waits on it and no ring of waiting CPUs can form.
  while (t.on_cpu_.load(kstd::MemoryOrder::acquire)) Platform::cpu_relax();
  Cpu* here = current_cpu_or_null();
  unsigned target;
  if (t.last_cpu_) {
    target = t.last_cpu_->id;  // its cache is there (or it is bound there)
  } else {
    // A new thread: an idle CPU if there is one, else this one.
    int idle = find_idle_cpu(~0u);
    target = idle >= 0 ? static_cast<unsigned>(idle) : here ? here->id : 0;
  }
  SchedCpu& ts = g_cpus[target];
  size_t queued;
  {
    SpinlockGuard guard(ts.runq.lock);
    ts.runq.enqueue_locked(t);
    queued = ts.runq.count_locked();
  }
  kstd::atomic_thread_fence(kstd::MemoryOrder::seq_cst);  // see idle_loop
  // Someone must notice. A sleeping target is kicked. A running target
  // notices at its next scheduling point, sooner if the new thread outranks
  // what it runs. A sleeping CPU is kicked to steal the thread when the
  // target is another, busy CPU, or this CPU with more queued than the one
  // thread it will run when the waker blocks: a lone wakeup on the waker's
  // own CPU (an RPC) costs no host futex wake.
  if (ts.idle_waiting.load()) {
    kick(target);
    return;
  }
  if (t.priority() < ts.active_priority.load(kstd::MemoryOrder::relaxed))
    ts.need_resched.store(true, kstd::MemoryOrder::relaxed);
  if (t.bound_cpu_ >= 0) return;
  if (here && here->id == target && queued < 2) return;
  int idle = find_idle_cpu(target);
  if (idle >= 0) kick(static_cast<unsigned>(idle));
}

// How the wait of a thread that runs again ended, read without its lock:
// the waker wrote the result under that lock before making the thread
// runnable, the switch back to it ordered that write before this read,
// and nobody writes it again until the thread itself waits again (a lock
// pair saved on every block: twice per RPC).
static WaitResult resumed_wait_result(Thread* self) UMACH_NO_THREAD_SAFETY_ANALYSIS { return self->wait_result_; }

WaitResult thread_block() {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_);
  Cpu& c = this_cpu();
  process_ticks(c, sched_of(c));
  {
    SpinlockGuard guard(self->lock);
    if (self->state_ != ThreadState::kWaiting) {
      self->state_ = ThreadState::kRunning;  // woken before it left: carry on
      return self->wait_result_;
    }
    self->blocking_ = true;  // from here a waker must requeue us
  }
  Thread* next = choose_next(c, kPriorityLowest);
  if (next == self) {
    // Woken meanwhile and queued here: keep running.
    SpinlockGuard guard(self->lock);
    self->state_ = ThreadState::kRunning;
    self->blocking_ = false;
    return self->wait_result_;
  }
  switch_to(self, next ? next : sched_of(c).idle, Leaving::kBlocked);
  return resumed_wait_result(self);
}

WaitResult thread_handoff(Thread* next) {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_ && next);
  const bool elsewhere = next->bound_cpu_ >= 0 && static_cast<unsigned>(next->bound_cpu_) != this_cpu().id;
  if (elsewhere || next->on_cpu_.load(kstd::MemoryOrder::acquire)) {
    // Bound to another CPU, or still leaving its CPU (see switch_to): no
    // direct switch; wake it the ordinary way before committing to our
    // own sleep, then sleep.
    thread_setrun(*next);
    return thread_block();
  }
  bool waiting;
  {
    SpinlockGuard guard(self->lock);
    waiting = self->state_ == ThreadState::kWaiting;
    if (waiting)
      self->blocking_ = true;
    else
      self->state_ = ThreadState::kRunning;
  }
  if (!waiting) {
    thread_setrun(*next);  // our wait already ended: both stay runnable
    SpinlockGuard guard(self->lock);
    return self->wait_result_;
  }
  // `next` lives on through its own reference until it is reaped, which
  // cannot happen before it has run.
  switch_to(self, next, Leaving::kBlocked);
  return resumed_wait_result(self);
}

void thread_yield() {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_);
  Cpu& c = this_cpu();
  // Every pass through the scheduler processes pending ticks: threads that
  // only yield to each other must still let timeouts fire.
  process_ticks(c, sched_of(c));
  sched_of(c).need_resched.store(false, kstd::MemoryOrder::relaxed);
  Thread* next = choose_next(c, self->priority());
  if (!next) {
    self->quantum_left_ = self->quantum_ticks();
    return;
  }
  switch_to(self, next);  // finish_switch requeues us behind our peers
}

void thread_yield_to(Thread& next) {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_);
  Cpu& c = this_cpu();
  const bool movable = &next != self && (next.bound_cpu_ < 0 || static_cast<unsigned>(next.bound_cpu_) == c.id);
  bool taken = false;
  for (unsigned i = 0; movable && !taken && i < g_cpu_count; ++i) {
    SchedCpu& sc = g_cpus[i];
    SpinlockGuard guard(sc.runq.lock);
    taken = sc.runq.remove_locked(next);
  }
  if (!taken) return thread_yield();
  process_ticks(c, sched_of(c));
  sched_of(c).need_resched.store(false, kstd::MemoryOrder::relaxed);
  switch_to(self, &next);  // finish_switch requeues us, as after a yield
}

// Every run queue is held (in CPU order, the one order two are ever held
// in): a thread found on none cannot be put on one before its priority is
// stored, since enqueueing takes the queue's lock and reads the priority.
void thread_set_priority(Thread& t, int priority) UMACH_NO_THREAD_SAFETY_ANALYSIS {
  kassert(priority >= kPriorityHighest && priority <= kPriorityLowest);
  for (unsigned i = 0; i < g_cpu_count; ++i) g_cpus[i].runq.lock.lock();
  RunQueue* home = nullptr;
  for (unsigned i = 0; i < g_cpu_count && !home; ++i)
    if (g_cpus[i].runq.remove_locked(t)) home = &g_cpus[i].runq;
  t.set_own_priority(priority);
  if (home) home->enqueue_locked(t);
  for (unsigned i = g_cpu_count; i-- > 0;) g_cpus[i].runq.lock.unlock();
}

bool others_runnable() {
  for (unsigned i = 0; i < g_cpu_count; ++i)
    if (g_cpus[i].runq.count_hint() > 0) return true;
  return false;
}

void preemption_point() {
  Cpu* c = current_cpu_or_null();
  if (!c) return;
  SchedCpu& sc = sched_of(*c);
  bool expired = process_ticks(*c, sc);
  bool outranked = sc.need_resched.load(kstd::MemoryOrder::relaxed) &&
                   sc.need_resched.exchange(false, kstd::MemoryOrder::relaxed);
  if ((expired || outranked) && !sc.active->is_idle_) thread_yield();
}

void thread_exit() {
  Thread* self = current_thread();
  kassert(self && !self->is_idle_);
  {
    SpinlockGuard guard(self->lock);
    self->state_ = ThreadState::kTerminated;
  }
  Cpu& c = this_cpu();
  Thread* next = choose_next(c, kPriorityLowest);
  switch_to(self, next ? next : sched_of(c).idle, Leaving::kExiting);
  __builtin_unreachable();
}

void thread_join(Thread& t) {
  for (;;) {
    {
      // reap() sets the flag before it takes this lock to wake us.
      SpinlockGuard guard(g_exit_waiters.lock);
      if (t.reaped_.load(kstd::MemoryOrder::acquire)) return;
      g_exit_waiters.assert_wait_locked(false);
    }
    thread_block();
  }
}

void check_invariants() {
  for (unsigned i = 0; i < g_cpu_count; ++i) g_cpus[i].runq.check_invariants();
  SpinlockGuard guard(g_all_threads_lock);
  g_all_threads.check_invariants();
  for (const Thread& t : g_all_threads) t.check_local();
}

namespace {
WaitResult sleep_for(uint64_t ns, bool interruptible) {
  WaitQueue never;
  {
    SpinlockGuard guard(never.lock);
    never.assert_wait_locked(interruptible, Platform::clock_ns() + ns);
  }
  return thread_block();
}
}  // namespace

void sleep_ns(uint64_t ns) {
  WaitResult r = sleep_for(ns, false);
  kassert(r == WaitResult::kTimedOut);
}

WaitResult sleep_interruptible_ns(uint64_t ns) { return sleep_for(ns, true); }

}  // namespace umach::sched
