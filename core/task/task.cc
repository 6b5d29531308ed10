// core/task/task.cc: tasks' IPC side and lifetime (core/task/task.h): the
// special ports, the thread list, task_create's children and task_terminate,
// and the kernel routines task_get_special_port and task_set_special_port.
// (Suspension, priorities, names, task_info and the other task routines:
// task_control.cc.)
#include "core/task/task.h"

#include <mach/task_special_ports.h>

#include "core/kalloc.h"
#include "core/kstd/utility.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/task/thread.h"
#include "core/zone.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_kserver.h"

namespace umach {
namespace {
[[clang::no_destroy]] constinit TypedZone<Task> g_tasks("task");
[[clang::no_destroy]] constinit KernelList<Task, &Task::all_tasks_link> g_all_tasks;
kstd::Atomic<TaskRunnerFactory*> g_runner_factory{nullptr};
}  // namespace

void set_task_runner_factory(TaskRunnerFactory* factory) {
  g_runner_factory.store(factory, kstd::MemoryOrder::release);
}

Result<RefPtr<Task>> Task::create(RefPtr<vm::VmMap> map) {
  Task* t = g_tasks.create();
  if (!t) return Error{KERN_RESOURCE_SHORTAGE};
  RefPtr<Task> task = RefPtr<Task>::adopt(t);
  auto space = ipc::IpcSpace::create();
  if (!space.ok()) return Error{space.error()};
  auto port = ipc::kobject_port_create(ipc::KObjectType::kTask, t);
  if (!port.ok()) return Error{port.error()};
  task->space_ = space.value();
  task->space_->set_map(map.get());
  task->map_ = kstd::move(map);
  {
    SpinlockGuard g(task->special_lock_);  // (nobody else sees it yet)
    task->self_ = port.value();
  }
  task->creation_ns_ = host::time_of_day_ns();
  g_all_tasks.add(*task);  // whole now: terminate() takes it off
  return task;
}

void Task::last_reference_dropped(Task* task) {
  task->terminate();
  g_tasks.destroy(task);
}

Task::~Task() { canary_.check(); }

size_t live_tasks() { return g_tasks.live(); }

kern_return_t all_tasks(RefSnapshot<Task>* out) { return g_all_tasks.snapshot(out); }

// self_ is read under the lock (with a reference): terminate takes it away
// under the lock while another thread of the task may ask for it
// (mach_task_self).
RefPtr<ipc::Port> Task::self_port() {
  SpinlockGuard g(special_lock_);
  return self_;
}

ipc::TransitRight Task::make_send() { return ipc::kobject_make_send(self_port().get()); }

mach_port_name_t Task::self_name() { return ipc::kobject_send_name(self_port().get(), *space_); }

void Task::terminate() {
  // A task_create'd task's reference to itself goes last (it may be the
  // last one: nothing below touches `this` after the scope ends).
  RefPtr<Task> self_ref;
  RefPtr<ipc::Port> port;
  ipc::Port* kept[3];
  TaskThreadFactory* tell = nullptr;
  {
    // The first caller does it all (the task may end from two sides at
    // once: task_terminate and its last thread's end).
    SpinlockGuard g(special_lock_);
    if (ended_ || !self_) return;  // already ended, or half-built by create()
    ended_ = true;
    self_ref = kstd::move(created_self_);
    port = kstd::move(self_);
    kept[0] = kstd::exchange(kernel_port_, nullptr);
    kept[1] = kstd::exchange(exception_port_, nullptr);
    kept[2] = kstd::exchange(bootstrap_port_, nullptr);
    // The factory hears of the end once no create_thread call is running
    // (else from the last of them).
    TaskThreadFactory* f = kstd::exchange(factory_, nullptr);
    if (factory_calls_ == 0) tell = f;
    else factory_ending_ = f;
  }
  g_all_tasks.remove(*this);
  for (ipc::Port* p : kept) release_send_right(p);
  ipc::kobject_port_destroy(kstd::move(port));
  space_->terminate();
  if (tell) tell->task_terminated();
}

void Task::set_thread_factory(TaskThreadFactory* factory) {
  SpinlockGuard g(special_lock_);
  factory_ = ended_ ? nullptr : factory;
}

Result<RefPtr<MachThread>> Task::create_thread() {
  TaskThreadFactory* factory;
  {
    SpinlockGuard g(special_lock_);
    if (ended_) return Error{KERN_INVALID_ARGUMENT};
    factory = factory_;
    if (!factory) return Error{KERN_FAILURE};
    ++factory_calls_;
  }
  auto thread = factory->create_thread();
  TaskThreadFactory* tell = nullptr;
  {
    SpinlockGuard g(special_lock_);
    if (--factory_calls_ == 0) tell = kstd::exchange(factory_ending_, nullptr);
  }
  if (tell) tell->task_terminated();
  return thread;
}

Result<RefPtr<Task>> Task::create_child(bool inherit_memory) {
  RefPtr<vm::VmMap> map;
  if (map_) {
    vm::VmMap* m = inherit_memory ? vm::map_fork(*map_) : vm::VmMap::create(map_.get());
    if (!m) return Error{KERN_RESOURCE_SHORTAGE};
    map = RefPtr<vm::VmMap>::adopt(m);
  }
  RefPtr<Task> child = UMACH_TRY(Task::create(kstd::move(map)));
  // GNU Mach: the child inherits the parent's bootstrap and exception ports.
  {
    ipc::Port* bootstrap = nullptr;
    ipc::Port* exception = nullptr;
    (void)get_special_port(TASK_BOOTSTRAP_PORT, &bootstrap);
    (void)get_special_port(TASK_EXCEPTION_PORT, &exception);
    SpinlockGuard g(child->special_lock_);
    child->bootstrap_port_ = bootstrap == ipc::kDeadPort ? nullptr : bootstrap;
    child->exception_port_ = exception == ipc::kDeadPort ? nullptr : exception;
  }
  child->priority_.store(priority_.load(kstd::MemoryOrder::relaxed), kstd::MemoryOrder::relaxed);
  child->created_self_ = child;
  if (TaskRunnerFactory* f = g_runner_factory.load(kstd::MemoryOrder::acquire)) {
    if (kern_return_t kr = f->attach(child); kr != KERN_SUCCESS) {
      child->terminate();
      return Error{kr};
    }
  }
  return child;
}

void Task::terminate_all() {
  terminate();
  Threads threads;
  // Short of memory for the snapshot: threads still end, one at a time.
  while (this->threads(&threads) != KERN_SUCCESS) {
    MachThread* first;
    {
      SpinlockGuard g(special_lock_);
      TaskThreadLink* l = threads_.front();
      first = l ? l->thread : nullptr;
      if (first && !first->try_ref()) first = nullptr;
    }
    if (!first) return;
    first->terminate_and_wait();
    first->unref();
  }
  for (size_t i = 0; i < threads.size(); ++i) threads[i].terminate();
  for (size_t i = 0; i < threads.size(); ++i)
    if (&threads[i].sched_thread() != sched::current_thread()) threads[i].wait_stopped();
}

bool Task::add_thread(MachThread& thread) {
  SpinlockGuard g(special_lock_);
  if (ended_) return false;
  thread.task_link.thread = &thread;
  threads_.push_back(thread.task_link);
  return true;
}

void Task::remove_thread(MachThread& thread) {
  SpinlockGuard g(special_lock_);
  if (!thread.task_link.node.is_linked()) return;
  threads_.remove(thread.task_link);
  dead_user_ns_ += thread.user_ns();
  dead_system_ns_ += thread.system_ns();
  dead_messages_sent_ += thread.messages_sent();
  dead_messages_received_ += thread.messages_received();
}

kern_return_t Task::threads(Threads* out) {
  return out->fill([this](MachThread** array, size_t capacity, size_t* n) {
    SpinlockGuard g(special_lock_);
    *n = threads_.size();
    if (!array || *n > capacity) return false;
    *n = 0;
    for (TaskThreadLink& l : threads_)
      if (l.thread->try_ref()) array[(*n)++] = l.thread;  // (one dying drops out)
    return true;
  });
}

ipc::Port** Task::special_slot_locked(int which) {
  switch (which) {
    case TASK_KERNEL_PORT: return &kernel_port_;
    case TASK_EXCEPTION_PORT: return &exception_port_;
    case TASK_BOOTSTRAP_PORT: return &bootstrap_port_;
    default: return nullptr;
  }
}

kern_return_t Task::set_special_port(int which, ipc::Port* right) {
  ipc::Port* old;
  {
    SpinlockGuard g(special_lock_);
    ipc::Port** slot = special_slot_locked(which);
    if (!slot) return KERN_INVALID_ARGUMENT;
    if (ended_) return KERN_INVALID_TASK;
    old = kstd::exchange(*slot, right == ipc::kDeadPort ? nullptr : right);
  }
  release_send_right(old);
  return KERN_SUCCESS;
}

kern_return_t Task::get_special_port(int which, ipc::Port** right) {
  SpinlockGuard g(special_lock_);
  ipc::Port** slot = special_slot_locked(which);
  if (!slot) return KERN_INVALID_ARGUMENT;
  if (ended_) return KERN_INVALID_TASK;
  if (which == TASK_KERNEL_PORT && !*slot) {
    *right = ipc::kobject_make_send(self_.get()).port;  // (a task not ended still has self_; the lock is held)
    return KERN_SUCCESS;
  }
  *right = ipc::copy_send(*slot);
  return KERN_SUCCESS;
}

RefPtr<Task> task_from_port(ipc::Port* port) {
  void* t = ipc::kobject_of(port, ipc::KObjectType::kTask,
                            [](void* task) { return static_cast<Task*>(task)->try_ref(); });
  return RefPtr<Task>::adopt(static_cast<Task*>(t));
}

}  // namespace umach

// The kernel routines (mach.defs). task_t has no kernel translation in
// defs/ yet, so the task comes as its port. The manual's error for a
// port that is not a task's, or an unknown `which`: KERN_INVALID_ARGUMENT.
namespace umach::kserver {

kern_return_t task_get_special_port(ipc_port_t task_port, int which, ipc_port_t* port) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  return task->get_special_port(which, port);
}

kern_return_t task_set_special_port(ipc_port_t task_port, int which, ipc_port_t port) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  return task->set_special_port(which, port);  // on success the right is the task's
}

}  // namespace umach::kserver
