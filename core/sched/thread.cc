// core/sched/thread.cc: creating and destroying thread objects (see thread.h).
#include "core/sched/thread.h"

#include "core/sched/kstack.h"
#include "core/zone.h"

namespace umach::sched {
namespace {
// Kernel zones live as long as the machine: never destroyed at host exit.
[[clang::no_destroy]] constinit TypedZone<Thread> g_threads("sched.thread");
kstd::Atomic<uint64_t> g_next_id{1};

void register_thread(Thread* t) {
  SpinlockGuard guard(g_all_threads_lock);
  g_all_threads.push_back(*t);
}
}  // namespace

constinit Spinlock g_all_threads_lock{LockRank::kThreadList};
constinit ThreadList g_all_threads;

Thread::Thread(const char* name, int priority)
    : name_(name), id_(g_next_id.fetch_add(1, kstd::MemoryOrder::relaxed)), priority_(priority) {}

Thread::~Thread() {
  kassert(!run_link_.is_linked() && !wait_link_.is_linked() && !timeout_.link.is_linked());
  kassert(stack_ == nullptr);
}

Result<RefPtr<Thread>> Thread::create(const char* name, Entry entry, void* arg, int priority) {
  if (priority < kPriorityHighest || priority > kPriorityLowest) return Error{KERN_INVALID_ARGUMENT};
  Thread* t = g_threads.create(name, priority);
  if (!t) return Error{KERN_RESOURCE_SHORTAGE};
  t->stack_ = kstack_alloc();
  if (!t->stack_) {
    g_threads.destroy(t);
    return Error{KERN_RESOURCE_SHORTAGE};
  }
  t->entry_ = entry;
  t->arg_ = arg;
  register_thread(t);
  // The thread's own reference, dropped when it is reaped after it exits.
  t->ref();
  return RefPtr<Thread>::adopt(t);
}

RefPtr<Thread> Thread::create_for_boot_context(const char* name) {
  Thread* t = g_threads.create(name, kPriorityIdle);
  kassert(t);  // at CPU bring-up: nothing to recover to
  t->is_idle_ = true;
  {
    SpinlockGuard guard(t->lock);
    t->state_ = ThreadState::kRunning;
  }
  t->on_cpu_.store(true);
  register_thread(t);
  return RefPtr<Thread>::adopt(t);
}

void Thread::last_reference_dropped(Thread* t) {
  {
    SpinlockGuard guard(g_all_threads_lock);
    g_all_threads.remove(*t);
  }
  // A thread that ran is reaped (stack freed) before its own reference goes;
  // one that never started still has its stack.
  if (t->stack_) {
    Platform::context_destroy(t->context_);
    kstack_free(t->stack_);
    t->stack_ = nullptr;
  }
  g_threads.destroy(t);
}

ThreadState Thread::state() const {
  SpinlockGuard guard(lock);
  return state_;
}

void Thread::check_local() const {
  canary_.check();
  kassert(priority() >= kPriorityHighest && priority() <= kPriorityLowest);
}

}  // namespace umach::sched
