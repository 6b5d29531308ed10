// core/task/task.cc: tasks' IPC side (core/task/task.h), and the kernel
// routines task_get_special_port and task_set_special_port.
#include "core/task/task.h"

#include <mach/task_special_ports.h>

#include "core/kstd/utility.h"
#include "core/task/thread.h"
#include "core/zone.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_kserver.h"

namespace umach {
namespace {
[[clang::no_destroy]] constinit TypedZone<Task> g_tasks("task");
}  // namespace

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
  task->self_ = port.value();
  return task;
}

void Task::last_reference_dropped(Task* task) {
  task->terminate();
  g_tasks.destroy(task);
}

Task::~Task() { canary_.check(); }

size_t live_tasks() { return g_tasks.live(); }

ipc::TransitRight Task::make_send() { return ipc::kobject_make_send(self_.get()); }

mach_port_name_t Task::self_name() { return ipc::kobject_send_name(self_.get(), *space_); }

void Task::terminate() {
  if (!self_) return;  // half-built by create(), or already ended
  ipc::Port* kept[3];
  {
    SpinlockGuard g(special_lock_);
    ended_ = true;
    kept[0] = kstd::exchange(kernel_port_, nullptr);
    kept[1] = kstd::exchange(exception_port_, nullptr);
    kept[2] = kstd::exchange(bootstrap_port_, nullptr);
    factory_ = nullptr;
  }
  for (ipc::Port* p : kept) release_send_right(p);
  ipc::kobject_port_destroy(kstd::move(self_));
  space_->terminate();
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
  }
  if (!factory) return Error{KERN_FAILURE};
  return factory->create_thread();
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
    *right = make_send().port;  // (a task not ended still has self_)
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

void release_send_right(ipc::Port* right) {
  if (!right || right == ipc::kDeadPort) return;
  ipc::TransitRight r{right, MACH_MSG_TYPE_PORT_SEND, false};
  ipc::release_transit_right(r);
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
