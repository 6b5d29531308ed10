// core/task/task.cc: tasks' IPC side (core/task/task.h).
#include "core/task/task.h"

#include "core/zone.h"

namespace umach {
namespace {
[[clang::no_destroy]] constinit TypedZone<Task> g_tasks("task");
}  // namespace

Result<RefPtr<Task>> Task::create() {
  Task* t = g_tasks.create();
  if (!t) return Error{KERN_RESOURCE_SHORTAGE};
  RefPtr<Task> task = RefPtr<Task>::adopt(t);
  auto space = ipc::IpcSpace::create();
  if (!space.ok()) return Error{space.error()};
  auto port = ipc::Port::create();
  if (!port.ok()) return Error{port.error()};
  task->space_ = space.value();
  task->self_ = port.value();
  {
    SpinlockGuard g(task->self_->lock);
    task->self_->kobject_type_ = ipc::KObjectType::kTask;
    task->self_->kobject_ = t;
  }
  return task;
}

void Task::last_reference_dropped(Task* task) {
  task->terminate();
  g_tasks.destroy(task);
}

Task::~Task() { canary_.check(); }

size_t live_tasks() { return g_tasks.live(); }

ipc::TransitRight Task::make_send() {
  if (!self_) return {};
  SpinlockGuard g(self_->lock);
  if (!self_->active_) return ipc::TransitRight{nullptr, 0, true};
  ++self_->mscount_;
  ++self_->srights_;
  self_->ref();
  return ipc::TransitRight{self_.get(), MACH_MSG_TYPE_PORT_SEND, false};
}

mach_port_name_t Task::self_name() {
  ipc::TransitRight right = make_send();
  mach_port_name_t name = MACH_PORT_NULL;
  if (space_->copyout_right(right, &name) != KERN_SUCCESS) return MACH_PORT_NULL;
  return name;
}

void Task::terminate() {
  if (!self_) return;  // half-built by create(), or already ended
  {
    SpinlockGuard g(self_->lock);
    self_->kobject_type_ = ipc::KObjectType::kNone;
    self_->kobject_ = nullptr;
  }
  ipc::destroy_receive_right(self_.leak_ref());  // the kernel's receive right
  space_->terminate();
}

}  // namespace umach
