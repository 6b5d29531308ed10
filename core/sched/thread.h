// core/sched/thread.h: the kernel's threads, as the scheduler sees them.
//
// A Thread owns a kernel stack and the platform's saved context for it. It
// is refcounted: the creator gets one reference, and a live thread holds one
// on itself, dropped when a later thread reaps it after its last switch
// (a thread cannot free the stack it runs on). Later issues hang the Mach
// thread (task, ports, user frame) on this object.
//
// State machine (guarded by `lock`):
//   kRunnable --(picked by a CPU)--> kRunning --(assert_wait)--> kWaiting
//   kWaiting --(wakeup, timeout, interruption)--> kRunnable
//   kRunning --(preempted or yields)--> kRunnable (requeued by the next thread)
//   kRunning --(thread_exit)--> kTerminated
// `on_cpu` is true from the moment a CPU picks the thread until its context
// is saved after it leaves the CPU; a CPU that picks it meanwhile waits.
#pragma once

#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/object.h"
#include "core/platform/platform.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/config.h"
#include "core/sched/timer.h"
#include "core/spinlock.h"

namespace umach {

struct Cpu;

namespace sched {

enum class ThreadState : uint8_t { kRunnable, kRunning, kWaiting, kTerminated };

// Why a wait ended (GNU Mach's THREAD_AWAKENED, THREAD_TIMED_OUT, THREAD_INTERRUPTED).
enum class WaitResult : uint8_t { kAwakened, kTimedOut, kInterrupted };

class WaitQueue;

class Thread : public RefCounted<Thread> {
 public:
  using Entry = void (*)(void*);

  // A new kernel thread that will run entry(arg) at `priority` once it has
  // a context and thread_setrun() makes it runnable (sched.h:
  // kernel_thread_prepare). KERN_RESOURCE_SHORTAGE if no memory for the
  // object or its stack.
  static Result<RefPtr<Thread>> create(const char* name, Entry entry, void* arg, int priority);
  // The object standing for a CPU's boot context (its idle thread).
  static RefPtr<Thread> create_for_boot_context(const char* name);

  static void last_reference_dropped(Thread* t);

  const char* name() const { return name_; }
  uint64_t id() const { return id_; }
  int priority() const { return priority_.load(kstd::MemoryOrder::relaxed); }
  // A new priority, set by the thread itself while it runs (a running
  // thread is on no run queue, whose lists are by priority): MachThread
  // applies thread_priority this way. Others may read it meanwhile.
  void set_own_priority(int priority) { priority_.store(priority, kstd::MemoryOrder::relaxed); }
  ThreadState state() const UMACH_EXCLUDES(lock);
  // Ticks this thread was on a CPU when a tick was processed (for fairness).
  uint64_t ticks_run() const { return ticks_run_.load(kstd::MemoryOrder::relaxed); }
  // The ticks of its quantum (kQuantumTicks; a POLICY_FIXEDPRI thread's
  // own, thread_policy), taken at its next dispatch.
  uint32_t quantum_ticks() const { return quantum_ticks_.load(kstd::MemoryOrder::relaxed); }
  void set_quantum_ticks(uint32_t ticks) { quantum_ticks_.store(ticks ? ticks : 1, kstd::MemoryOrder::relaxed); }

  void check_local() const;

  // The address space the thread's code runs in (a task's pmap), or null
  // for a kernel thread, which runs in whatever the CPU has loaded (every
  // pmap maps the kernel). The scheduler activates it when it switches to
  // the thread (Platform::pmap_activate). Set while the thread is not
  // running, or by the thread itself; whoever destroys the pmap clears it
  // first.
  void set_address_space(const Platform::Pmap* pmap) { address_space_.store(pmap, kstd::MemoryOrder::relaxed); }
  const Platform::Pmap* address_space() const { return address_space_.load(kstd::MemoryOrder::relaxed); }

  // A message buffer set aside for this thread's next message from the
  // kernel whose own buffer cannot be had (ipc::KmsgReserve); touched only
  // by the thread itself.
  void* kmsg_reserve = nullptr;

  // ---- scheduler internals (sched.cc, wait_queue.cc) ----
  mutable Spinlock lock{LockRank::kThread};
  ThreadState state_ UMACH_GUARDED_BY(lock) = ThreadState::kRunnable;
  WaitQueue* wait_queue_ UMACH_GUARDED_BY(lock) = nullptr;
  WaitResult wait_result_ UMACH_GUARDED_BY(lock) = WaitResult::kAwakened;
  bool wait_interruptible_ UMACH_GUARDED_BY(lock) = false;
  // interrupt_waits: every interruptible wait ends at once, interrupted.
  bool interrupt_pending_ UMACH_GUARDED_BY(lock) = false;
  // interrupt_next_wait: the next interruptible wait ends at once (taken
  // under the lock by assert_wait_locked); cleared without the lock by
  // whoever knows it no longer applies (MachThread::enter_user).
  kstd::Atomic<bool> abort_pending_{false};
  uint64_t wait_seq_ UMACH_GUARDED_BY(lock) = 0;  // which wait a pending timeout belongs to
  // What the thread waits for, as its waiter told assert_wait_locked: for
  // the queue's wakers, guarded by the lock of the queue it waits on
  // (WaitQueue::front_locked).
  void* wait_data_ = nullptr;
  // Set when a waiting thread commits to leaving its CPU (thread_block).
  // A waker that ends the wait before that only marks it kRunnable, and the
  // thread, still running, sees it and carries on; after it, the waker must
  // put it on a run queue.
  bool blocking_ UMACH_GUARDED_BY(lock) = false;
  TimerEntry timeout_;
  // The current wait set timeout_ (a wait without a deadline never touches
  // the timer queue, neither to arm nor to cancel: its global lock stays
  // off the IPC path). Guarded by lock.
  bool timeout_armed_ UMACH_GUARDED_BY(lock) = false;
  ListNode run_link_;   // on a RunQueue, guarded by its lock
  ListNode wait_link_;  // on a WaitQueue, guarded by its lock
  ListNode all_link_;   // on g_all_threads, guarded by g_all_threads_lock
  kstd::Atomic<bool> on_cpu_{false};
  kstd::Atomic<bool> reaped_{false};  // its stack is freed; joiners may go
  Cpu* last_cpu_ = nullptr;     // written by the CPU that runs it
  int bound_cpu_ = -1;          // >= 0: runs only there (set before it starts)
  uint32_t quantum_left_ = 0;   // ticks; touched only by the CPU running it
  kstd::Atomic<uint64_t> ticks_run_{0};
  Platform::Context context_{};
  void* stack_ = nullptr;
  bool is_idle_ = false;
  kstd::Atomic<const Platform::Pmap*> address_space_{nullptr};
  kstd::Atomic<uint32_t> quantum_ticks_{kQuantumTicks};
  Entry entry_ = nullptr;
  void* arg_ = nullptr;

  // Use create(); public only so the thread zone can construct it.
  Thread(const char* name, int priority);
  ~Thread();

 private:
  Canary<0x54485244> canary_;  // "THRD"
  const char* name_;
  uint64_t id_;
  kstd::Atomic<int> priority_;
};

// Every thread object alive, for debuggers (tools/gdb/umach.py walks it)
// and, later, task_threads/processor_set_threads.
using ThreadList = List<Thread, &Thread::all_link_>;
extern Spinlock g_all_threads_lock;
extern ThreadList g_all_threads UMACH_GUARDED_BY(g_all_threads_lock);

}  // namespace sched
}  // namespace umach
