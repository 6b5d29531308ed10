// core/task/task.h: a task, as far as IPC needs one: its name space and
// its kernel port (issue 7 gives it threads, an address space, suspension
// and special ports).
//
// The task port's receive right is the kernel's: the Task holds it (self_)
// and the port's kobject points back at the Task. terminate() cuts that
// link under the port's lock before the port dies, so a conversion that
// holds the port's lock never sees a Task that is going away.
#pragma once

#include "core/refptr.h"
#include "core/result.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "vm/map.h"

namespace umach {

class Task : public RefCounted<Task> {
 public:
  // A task with `map` as its address space (none: IPC-only tasks of tests).
  [[nodiscard]] static Result<RefPtr<Task>> create(RefPtr<vm::VmMap> map = {});
  static void last_reference_dropped(Task* task);
  Task() = default;  // use create()
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  ipc::IpcSpace& space() { return *space_; }
  ipc::Port* port() { return self_.get(); }
  // Its address space (set at creation, kept until the task goes), or null.
  vm::VmMap* map() { return map_.get(); }

  // mach_task_self: a send right to the task's port in its own space (one
  // more user reference each call), or MACH_PORT_NULL when the task ended.
  mach_port_name_t self_name();
  // A send right to the task port in transit, for another space.
  ipc::TransitRight make_send();

  // Ends the task's IPC: the port dies (every name for it becomes a dead
  // name) and the space destroys every right it holds. Idempotent.
  void terminate();

 private:
  RefPtr<ipc::IpcSpace> space_;
  RefPtr<ipc::Port> self_;
  RefPtr<vm::VmMap> map_;
  Canary<0x5441534bu> canary_;  // "TASK"
};

size_t live_tasks();

}  // namespace umach
