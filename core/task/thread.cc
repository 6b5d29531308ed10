// core/task/thread.cc: threads' IPC side (core/task/thread.h), and the
// thread routines of mach.defs the kernel serves so far.
#include "core/task/thread.h"

#include <mach/thread_special_ports.h>

#include "core/kstd/utility.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/task/processor.h"
#include "core/zone.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_kserver.h"

namespace umach {
namespace {
[[clang::no_destroy]] constinit TypedZone<MachThread> g_threads("thread");
[[clang::no_destroy]] constinit KernelList<MachThread, &MachThread::all_threads_link> g_all_threads;
}  // namespace

Result<RefPtr<MachThread>> MachThread::create(RefPtr<Task> task, RefPtr<sched::Thread> thread) {
  MachThread* t = g_threads.create();
  if (!t) return Error{KERN_RESOURCE_SHORTAGE};
  RefPtr<MachThread> mt = RefPtr<MachThread>::adopt(t);
  auto port = ipc::kobject_port_create(ipc::KObjectType::kThread, t);
  if (!port.ok()) return Error{port.error()};
  mt->task_ = kstd::move(task);
  mt->thread_ = kstd::move(thread);
  {
    SpinlockGuard g(mt->special_lock_);  // (nobody else sees it yet)
    mt->self_ = port.value();
  }
  mt->init_priorities();
  // The processor set's maximum caps a new thread's (GNU Mach's
  // thread_create; processor_set_max_priority).
  if (const int set_max = processor::max_priority(); mt->max_priority() < set_max)
    (void)mt->set_max_priority(set_max);
  // On the list before its task has it: a terminate() from the task's
  // side (task_terminate) comes after, and takes it off.
  g_all_threads.add(*mt);
  if (!mt->task_->add_thread(*mt)) return Error{KERN_INVALID_ARGUMENT};  // its task ended
  return mt;
}

void MachThread::last_reference_dropped(MachThread* thread) {
  thread->terminate();
  g_threads.destroy(thread);
}

MachThread::~MachThread() { canary_.check(); }

size_t live_mach_threads() { return g_threads.live(); }

kern_return_t all_threads(RefSnapshot<MachThread>* out) { return g_all_threads.snapshot(out); }

// self_ is read under the lock (with a reference): terminate takes it away
// under the lock while another thread may ask for it (mach_thread_self,
// thread_self's send rights).
RefPtr<ipc::Port> MachThread::self_port() {
  SpinlockGuard g(special_lock_);
  return self_;
}

mach_port_name_t MachThread::self_name() { return ipc::kobject_send_name(self_port().get(), task_->space()); }

// The manual: the kernel call the thread is in returns interrupted,
// "whether or not the thread ... is currently suspended": a wait it is in
// ends, and one it is on its way into (it is in the kernel, not waiting
// yet) ends at once. In user mode there is nothing to abort: the mark is
// taken back, and a thread on its way to user mode drops it itself
// (enter_user), so a later call never sees it. (The caller's own thread
// is in the kernel for this very call: KERN_INVALID_ARGUMENT, as GNU
// Mach's thread_abort answers.)
kern_return_t MachThread::abort() {
  if (thread_.get() == sched::current_thread()) return KERN_INVALID_ARGUMENT;
  sched::interrupt_next_wait(*thread_);
  if (in_user_.load()) (void)sched::cancel_interrupt_next_wait(*thread_);  // seq_cst: see enter_user
  (void)depress_abort();  // and a priority depression ends (GNU Mach's thread_abort)
  return KERN_SUCCESS;
}

ipc::TransitRight MachThread::make_send() { return ipc::kobject_make_send(self_port().get()); }

kern_return_t MachThread::suspend() {
  SpinlockGuard g(stop_.lock);
  if (ended()) return KERN_INVALID_ARGUMENT;
  suspend_count_.store(suspend_count_.load(kstd::MemoryOrder::relaxed) + 1);  // seq_cst: see enter_user
  return KERN_SUCCESS;
}

kern_return_t MachThread::suspend_and_wait() {
  const kern_return_t kr = suspend();
  if (kr == KERN_SUCCESS && thread_.get() != sched::current_thread()) wait_out_of_user();
  return kr;
}

kern_return_t MachThread::resume() {
  {
    SpinlockGuard g(stop_.lock);
    if (ended()) return KERN_INVALID_ARGUMENT;
    const int count = suspend_count_.load(kstd::MemoryOrder::relaxed);
    if (count == 0) return KERN_FAILURE;  // the manual's: it may not go negative
    suspend_count_.store(count - 1);
    if (count > 1) return KERN_SUCCESS;
  }
  stop_.wakeup_all();
  return KERN_SUCCESS;
}

int MachThread::suspend_count() { return suspend_count_.load(kstd::MemoryOrder::relaxed); }

// Without a lock on the way (every trap comes here): the thread says it
// is in user mode, then looks whether it may be; whoever stops it (a
// suspension of it or its task, terminate) stores its count or flag, then
// looks whether the thread is in user mode (wait_out_of_user). All four
// are seq_cst, so of two such store-then-load pairs at least one load
// sees the other's store: a stopper that finds the thread out of user
// mode is seen here, and the thread stays out.
bool MachThread::enter_user() {
  for (;;) {
    in_user_.store(true);
    // A thread_abort that came too late to end a wait of this trip into
    // the kernel ends none of the next (seq_cst load: see abort).
    if (thread_->abort_pending_.load()) (void)sched::cancel_interrupt_next_wait(*thread_);
    if (may_enter_user()) return true;
    in_user_.store(false, kstd::MemoryOrder::release);
    if (ended()) return false;
    {
      // Asserted under stop_.lock, which resume (of the thread, or its
      // task's wake_stopped) takes after its store and terminate() for
      // its wakeup: a wakeup is never missed.
      SpinlockGuard g(stop_.lock);
      if (ended() || (suspend_count_.load() == 0 && holds_.load() == 0 && task_->suspend_count() == 0)) continue;
      stop_.assert_wait_locked(/*interruptible=*/true);
    }
    (void)sched::thread_block();
  }
}

void MachThread::leave_user(uint32_t user_ticks) {
  // Release: a stopper that sees it out of user mode sees its frame.
  in_user_.store(false, kstd::MemoryOrder::release);
  // One writer (the thread itself): no locked add on the trap path.
  if (user_ticks != 0)
    user_ns_.store(user_ns_.load(kstd::MemoryOrder::relaxed) + uint64_t{user_ticks} * sched::kTickNs,
                   kstd::MemoryOrder::relaxed);
}

// A hold of its own, apart from the suspend count: thread_resume cannot
// undo it, nor thread_info show it.
bool MachThread::hold_stopped() {
  {
    SpinlockGuard g(stop_.lock);
    if (ended()) return false;
    holds_.store(holds_.load(kstd::MemoryOrder::relaxed) + 1);  // seq_cst: see enter_user
  }
  wait_out_of_user();  // then enter_user keeps it
  return true;
}

void MachThread::release_hold() {
  {
    SpinlockGuard g(stop_.lock);
    holds_.store(holds_.load(kstd::MemoryOrder::relaxed) - 1);
  }
  stop_.wakeup_all();
}

// It leaves user mode at its next trap or tick (a few ms at most).
void MachThread::wait_out_of_user() {
  for (;;) {
    if (!in_user_.load()) return;  // seq_cst: see enter_user
    sched::sleep_ns(20'000);
  }
}

void MachThread::terminate_and_wait() {
  terminate();
  if (thread_.get() != sched::current_thread()) wait_out_of_user();
}

kern_return_t MachThread::get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) {
  if (!machine_ || sched::current_thread() == thread_.get()) return KERN_INVALID_ARGUMENT;
  if (!hold_stopped()) return KERN_INVALID_ARGUMENT;
  const kern_return_t kr = machine_->get_state(flavor, state, count);
  release_hold();
  return kr;
}

kern_return_t MachThread::set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) {
  if (!machine_ || sched::current_thread() == thread_.get()) return KERN_INVALID_ARGUMENT;
  if (!hold_stopped()) return KERN_INVALID_ARGUMENT;
  const kern_return_t kr = machine_->set_state(flavor, state, count);
  release_hold();
  return kr;
}

void MachThread::terminate() {
  terminated_.store(true);  // seq_cst: see enter_user
  stop_.wakeup_all();
  // A wait in mach_msg ends (interrupted), and so does any it is about to
  // begin; the runner sees ended() next.
  if (thread_ && thread_.get() != sched::current_thread()) sched::interrupt_waits(*thread_);
  ipc::Port* kept[2];
  RefPtr<ipc::Port> port;  // taken under the lock: two sides may end the thread at once
  {
    SpinlockGuard g(special_lock_);
    ended_ = true;
    kept[0] = kstd::exchange(kernel_port_, nullptr);
    kept[1] = kstd::exchange(exception_port_, nullptr);
    port = kstd::move(self_);
  }
  g_all_threads.remove(*this);
  for (ipc::Port* p : kept) release_send_right(p);
  ipc::kobject_port_destroy(kstd::move(port));
  if (task_) task_->remove_thread(*this);
}

ipc::Port** MachThread::special_slot_locked(int which) {
  switch (which) {
    case THREAD_KERNEL_PORT: return &kernel_port_;
    case THREAD_EXCEPTION_PORT: return &exception_port_;
    default: return nullptr;
  }
}

kern_return_t MachThread::set_special_port(int which, ipc::Port* right) {
  ipc::Port* old;
  {
    SpinlockGuard g(special_lock_);
    ipc::Port** slot = special_slot_locked(which);
    if (!slot || ended_) return KERN_INVALID_ARGUMENT;
    old = kstd::exchange(*slot, right == ipc::kDeadPort ? nullptr : right);
  }
  release_send_right(old);
  return KERN_SUCCESS;
}

kern_return_t MachThread::get_special_port(int which, ipc::Port** right) {
  SpinlockGuard g(special_lock_);
  ipc::Port** slot = special_slot_locked(which);
  if (!slot || ended_) return KERN_INVALID_ARGUMENT;
  // (self_ under the lock held here: make_send would take it again)
  *right = which == THREAD_KERNEL_PORT && !*slot ? ipc::kobject_make_send(self_.get()).port : ipc::copy_send(*slot);
  return KERN_SUCCESS;
}

}  // namespace umach

// The dispatch's conversion (ipc/kserver.h) and the thread routines of
// mach.defs the kernel serves so far (thread_create, thread_terminate,
// thread_get/set_state, thread_suspend/resume, thread_abort, the special ports).
thread_ref_t convert_port_to_thread(ipc_port_t port) {
  void* t = umach::ipc::kobject_of(port, umach::ipc::KObjectType::kThread,
                                   [](void* thread) { return static_cast<umach::MachThread*>(thread)->try_ref(); });
  return static_cast<thread_ref_t>(t);
}

void thread_deallocate(thread_ref_t thread) {
  if (thread) thread->unref();
}

namespace umach::kserver {

kern_return_t thread_abort(thread_ref_t thread) { return thread ? thread->abort() : KERN_INVALID_ARGUMENT; }

// The manual: no more user instructions once it returns (another thread
// is out of user mode by then, as after GNU Mach's thread_dowait).
kern_return_t thread_suspend(thread_ref_t thread) {
  return thread ? thread->suspend_and_wait() : KERN_INVALID_ARGUMENT;
}

kern_return_t thread_resume(thread_ref_t thread) { return thread ? thread->resume() : KERN_INVALID_ARGUMENT; }

kern_return_t thread_terminate(thread_ref_t thread) {
  if (!thread) return KERN_INVALID_ARGUMENT;
  thread->terminate_and_wait();  // as GNU Mach's thread_halt: another thread has stopped when this returns
  return KERN_SUCCESS;
}

kern_return_t thread_get_state(thread_ref_t thread, int flavor, thread_state_t state,
                               mach_msg_type_number_t* count) {
  return thread ? thread->get_state(flavor, state, count) : KERN_INVALID_ARGUMENT;
}

kern_return_t thread_set_state(thread_ref_t thread, int flavor, thread_state_t state,
                               mach_msg_type_number_t count) {
  return thread ? thread->set_state(flavor, state, count) : KERN_INVALID_ARGUMENT;
}

// thread_create: the task's runner (Task::create_thread) makes it, with a
// zeroed register state and suspended once.
kern_return_t thread_create(ipc_port_t task_port, ipc_port_t* child) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  auto thread = task->create_thread();
  if (!thread.ok()) return thread.error();
  *child = thread.value()->make_send().port;  // a right in transit (ipc/kserver.h)
  return KERN_SUCCESS;
}

kern_return_t thread_get_special_port(thread_ref_t thread, int which, ipc_port_t* port) {
  return thread ? thread->get_special_port(which, port) : KERN_INVALID_ARGUMENT;
}

kern_return_t thread_set_special_port(thread_ref_t thread, int which, ipc_port_t port) {
  return thread ? thread->set_special_port(which, port) : KERN_INVALID_ARGUMENT;
}

}  // namespace umach::kserver
