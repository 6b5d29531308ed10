// core/task/task.cc: tasks' IPC side (core/task/task.h).
#include "core/task/task.h"

#include "core/kstd/utility.h"
#include "core/zone.h"
#include "ipc/kobject.h"

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
  ipc::kobject_port_destroy(kstd::move(self_));
  space_->terminate();
}

}  // namespace umach
