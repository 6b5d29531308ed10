// core/task/thread.h: a thread as Mach sees it, as far as IPC needs one:
// the scheduler's thread that runs it, the task it belongs to, and its
// kernel port and its special ports (issue 7 adds register state and
// suspension).
//
// Special ports (thread_get/set_special_port): THREAD_EXCEPTION_PORT, a
// send right where the thread's exceptions go first (before its task's),
// and THREAD_KERNEL_PORT (what others get back as the thread's port; by
// default a new send right to self_); released when the thread terminates.
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

  // thread_set/get_special_port, as Task's (core/task/task.h); a thread
  // that ended answers KERN_INVALID_ARGUMENT.
  kern_return_t set_special_port(int which, ipc::Port* right);
  kern_return_t get_special_port(int which, ipc::Port** right);

  // A send right to the thread's port in transit (exception messages).
  ipc::TransitRight make_send();

  // The thread's port dies (sends to it fail with MACH_SEND_INVALID_DEST)
  // and its special ports are released. Idempotent.
  void terminate();

 private:
  ipc::Port** special_slot_locked(int which) UMACH_REQUIRES(special_lock_);

  Spinlock special_lock_{LockRank::kTaskSpecial};
  ipc::Port* kernel_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // null: self_
  ipc::Port* exception_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;
  bool ended_ UMACH_GUARDED_BY(special_lock_) = false;
  RefPtr<Task> task_;
  RefPtr<sched::Thread> thread_;
  RefPtr<ipc::Port> self_;
  Canary<0x54485244u> canary_;  // "THRD"
};

size_t live_mach_threads();

}  // namespace umach
