// core/task/task.h: a task: its name space and its kernel port, its
// address space, its special ports, and the factory its platform gives it
// for thread_create (issue 7 adds task suspension).
//
// Special ports (task_get/set_special_port, <mach/task_special_ports.h>):
// send rights the task holds, each a reference counted in its port's
// srights_, released when the task terminates: TASK_EXCEPTION_PORT (where
// its threads' exceptions go when a thread has no port of its own),
// TASK_BOOTSTRAP_PORT, and TASK_KERNEL_PORT (what others get back as the
// task's port; by default a new send right to self_).
//
// The task port's receive right is the kernel's: the Task holds it (self_)
// and the port's kobject points back at the Task. terminate() cuts that
// link under the port's lock before the port dies, so a conversion that
// holds the port's lock never sees a Task that is going away.
#pragma once

#include "core/refptr.h"
#include "core/result.h"
#include "core/spinlock.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "vm/map.h"

namespace umach {

class MachThread;

// What makes a task's threads: the platform code that runs its user mode
// (hosted: TestTask). A new thread has a zeroed register state and is
// suspended once. The Task borrows it until terminate() or until its owner
// clears it.
class TaskThreadFactory {
 public:
  virtual Result<RefPtr<MachThread>> create_thread() = 0;

 protected:
  ~TaskThreadFactory() = default;
};

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

  // task_set_special_port: `right` (a send right, or null; consumed on
  // success) replaces the one kept for `which`, which is released.
  // KERN_INVALID_ARGUMENT for another `which`; KERN_INVALID_TASK once the
  // task ended.
  kern_return_t set_special_port(int which, ipc::Port* right);
  // task_get_special_port: a new send right (copied from the one kept;
  // null if none, kDeadPort if its port died) in *right.
  kern_return_t get_special_port(int which, ipc::Port** right);

  // thread_create's maker (null: this task cannot have threads made).
  void set_thread_factory(TaskThreadFactory* factory);
  // thread_create: a new thread, suspended; KERN_INVALID_ARGUMENT once the
  // task ended, KERN_FAILURE for a task no platform runs.
  [[nodiscard]] Result<RefPtr<MachThread>> create_thread();

  // Ends the task's IPC: the port dies (every name for it becomes a dead
  // name), the special ports are released and the space destroys every
  // right it holds. Idempotent.
  void terminate();

 private:
  ipc::Port** special_slot_locked(int which) UMACH_REQUIRES(special_lock_);

  Spinlock special_lock_{LockRank::kTaskSpecial};
  ipc::Port* kernel_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;     // null: self_
  ipc::Port* exception_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // send rights
  ipc::Port* bootstrap_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;
  bool ended_ UMACH_GUARDED_BY(special_lock_) = false;
  TaskThreadFactory* factory_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // borrowed
  RefPtr<ipc::IpcSpace> space_;
  RefPtr<ipc::Port> self_;
  RefPtr<vm::VmMap> map_;
  Canary<0x5441534bu> canary_;  // "TASK"
};

size_t live_tasks();

// The task a task port stands for (a reference), or null.
RefPtr<Task> task_from_port(ipc::Port* port);

// Releases a send right kept as a special port (null and dead: nothing).
void release_send_right(ipc::Port* right);

}  // namespace umach
