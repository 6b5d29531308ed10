// core/task/thread.h: a thread as Mach sees it, as far as IPC needs one:
// the scheduler's thread that runs it, the task it belongs to, and its
// kernel port (issue 7 adds register state, suspension, special ports and
// exceptions).
//
// Like a task's, the thread's port holds the kernel's receive right and
// stands for the MachThread until terminate() (ipc/kobject.h).
#pragma once

#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/thread.h"
#include "core/task/task.h"

namespace umach {

class MachThread : public RefCounted<MachThread> {
 public:
  [[nodiscard]] static Result<RefPtr<MachThread>> create(RefPtr<Task> task, RefPtr<sched::Thread> thread);
  static void last_reference_dropped(MachThread* thread);
  MachThread() = default;  // use create()
  ~MachThread();
  MachThread(const MachThread&) = delete;
  MachThread& operator=(const MachThread&) = delete;

  Task& task() { return *task_; }
  sched::Thread& sched_thread() { return *thread_; }
  ipc::Port* port() { return self_.get(); }

  // mach_thread_self: a send right to the thread's port in its task's
  // space, or MACH_PORT_NULL once the thread ended.
  mach_port_name_t self_name();

  // thread_abort, as far as IPC goes: a wait in mach_msg (send or receive)
  // ends now with MACH_SEND_INTERRUPTED or MACH_RCV_INTERRUPTED (libmach
  // retries unless the caller asked for MACH_SEND_INTERRUPT or
  // MACH_RCV_INTERRUPT). A thread not waiting is left as it is.
  kern_return_t abort();

  // The thread's port dies (sends to it fail with MACH_SEND_INVALID_DEST).
  // Idempotent.
  void terminate();

 private:
  RefPtr<Task> task_;
  RefPtr<sched::Thread> thread_;
  RefPtr<ipc::Port> self_;
  Canary<0x54485244u> canary_;  // "THRD"
};

size_t live_mach_threads();

}  // namespace umach
