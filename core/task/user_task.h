// core/task/user_task.h: a task whose threads run user code, and the loop
// each of them runs: the kernel's side of user mode, on every platform.
//
// A UserTask is the running side of a core Task (its name space, its
// port) and its address space (a VmMap). Each of its threads is a kernel
// thread whose body is the user loop: Platform::run_user(frame), then
// handle what brought the thread back, then run_user again (GNU Mach's
// thread_syscall_return / exception path, as a loop the kernel thread
// owns; core/platform/user_mode.h).
//
// Threads. The first thread starts at an entry the platform's runner gives
// (a loaded task program's). thread_create (this class is the Task's
// TaskThreadFactory) makes more: each a kernel thread running the loop,
// with its own user frame, message buffer and MachThread (its thread
// port), sharing the task's map and space; it starts suspended with a
// zeroed register state until thread_set_state and thread_resume. The
// loop asks its MachThread before each return to user mode, so a
// suspended thread waits in the kernel and a terminated one never goes
// back. The task ends when its last thread ends ("terminated"), or at once
// for all of them on task_terminate, stop(), or an exception nobody
// handles. The first thread's kernel thread ends last: it joins every
// other's, so joining it joins the task.
//
// Address space. Each kernel thread carries the map's pmap as its address
// space (sched::Thread::set_address_space), so the scheduler switches page
// tables with the thread (bare metal); the kernel's reads and writes of
// task memory (copyin/copyout) then go through the task's own mappings.
//
// What the loop serves:
//   - traps (ABI.md's table): mach_print (30); mach_msg_trap (25) through
//     ipc/msg.h; mach_reply_port (26); mach_thread_self (27),
//     mach_task_self (28), mach_host_self (29); the syscall_* fast paths and
//     the scheduling traps (core/task/traps.h; arguments past the
//     platform's register arguments from the user stack);
//     thread_set_self_state (77), checked as thread_set_state. Numbers in
//     the table without a trap answer KERN_INVALID_ARGUMENT (10-13, 55, 56:
//     MACH_PORT_NULL); a number outside it is an invalid instruction;
//   - page faults: the platform's own first (hosted: a run its pmap
//     forgot), then vm_fault within the map; an access the map does not
//     allow raises EXC_BAD_ACCESS (KERN_INVALID_ADDRESS or
//     KERN_PROTECTION_FAILURE, subcode the address);
//   - the other machine faults become exceptions with the codes the
//     platform gives in TrapInfo (EXC_BAD_INSTRUCTION, EXC_ARITHMETIC,
//     EXC_BREAKPOINT);
//   - exceptions: an exception_raise RPC (ipc/kclient) to the thread's
//     exception port, then the task's; KERN_SUCCESS resumes the thread in
//     whatever state the handler set; with no handler left the task ends,
//     saying why on the console;
//   - the kernel's reads and writes of task memory use Platform::copyin /
//     copyout and, if a page is not mapped yet, fault the range in as the
//     task's own access would and retry once;
//   - preemption: the loop's preemption point runs before each run_user.
//
// A platform's runner derives from UserTask for what only it knows: how
// programs are loaded, and the hooks below (hosted: recording for tests,
// its address ranges shared between tasks).
//
// Tasks made by task_create get a kernel-owned UserTask through the
// TaskRunnerFactory the platform registers; it frees itself once its Task
// ended and its threads' loops ended (task_terminated and the first
// thread's loop, whichever is last).
//
// Locking: threads_lock_ (LockRank::kUserTask, taken alone) guards the
// thread list and the lifetime flags; nothing blocks while it is held.
#pragma once

#include <mach/exception.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/platform/platform.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/config.h"
#include "core/sched/thread.h"
#include "core/spinlock.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "core/task/traps.h"
#include "ipc/kmsg.h"
#include "vm/map.h"

namespace umach {

// Where a first thread starts: pc, stack, and its first three arguments
// (a task program's argc, argv and commpage).
struct UserEntry {
  uint64_t pc = 0;
  uint64_t sp = 0;
  uint64_t arg[3] = {0, 0, 0};
};

class UserTask : private TaskThreadFactory, private traps::UserMemory {
 public:
  UserTask(const UserTask&) = delete;
  UserTask& operator=(const UserTask&) = delete;

  // Starts the first thread at `entry` with `priority` (on `cpu`, if >= 0).
  // It ends after every other thread of the task ended.
  Result<RefPtr<sched::Thread>> start_thread(const UserEntry& entry, int priority, int cpu = -1);
  // Asks every thread to end at its next return to the kernel.
  void stop() { stop_.store(true, kstd::MemoryOrder::relaxed); }

  Task& task() { return *task_; }
  vm::VmMap& map() { return *map_; }
  // Its first thread as Mach sees it (null until start_thread).
  MachThread* thread();
  size_t thread_count() const;  // how many threads it ever had
  uint64_t preemptions() const { return preemptions_.load(kstd::MemoryOrder::relaxed); }
  uint64_t trap_calls() const { return trap_calls_.load(kstd::MemoryOrder::relaxed); }
  // Why the task ended (null while it runs): "terminated" (task_terminate,
  // or its last thread ended), "stopped", or the exception nobody handled.
  const char* end_reason() const;

  // Makes a kernel-owned runner the platform's factory builds for a task
  // from task_create: it frees itself when its task and threads have ended.
  void make_kernel_owned() { kernel_owned_ = true; }

  using Frame = Platform::UserFrame;
  struct PendingException {
    int exception = 0;  // 0: none
    kern_return_t code = 0;
    uint64_t subcode = 0;
  };
  // One Mach thread of the task and the kernel thread running it; kept
  // until the UserTask goes (its MachThread borrows it as its machine).
  class UserThread final : public ThreadMachine {
   public:
    UserThread(UserTask* t, Platform::UserFrame* f);
    ~UserThread();
    kern_return_t get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) override;
    kern_return_t set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) override;
    ListNode link;
    UserTask* task;
    Frame* frame;  // the user state, written by its loop alone while it runs
    RefPtr<MachThread> mach;
    RefPtr<sched::Thread> kernel;
    // A message buffer mach_msg_trap keeps between calls: a received one
    // becomes the next send's.
    ipc::Kmsg* spare = nullptr;
    PendingException pending;
    // Trap calls the platform serves from inside run_user (TrapCallHook):
    // the hook, the before_run token of the current run, and whether the
    // thread goes on after the last one served (false: it ends).
    struct ServeHook : TrapCallHook {
      UserThread* thread;
    } serve_hook;
    int run_token = 0;
    bool served_go_on = true;
  };

 protected:
  // `task`'s address space is `map`; the runner becomes the task's thread
  // factory (and stops being it in ~UserTask).
  UserTask(RefPtr<Task> task, RefPtr<vm::VmMap> map);
  // The first thread must have ended (join it), or never started.
  // (Every virtual function here is inline or pure, so no core file is
  // the class's key function: hosted runners, built with RTTI, emit its
  // type information themselves.)
  virtual ~UserTask() { teardown(); }

  // ---- the platform runner's hooks (defaults: nothing to do) ----
  virtual void on_print(const char* /*text*/) {}                  // mach_print's text
  virtual void on_fault(uint64_t /*address*/, Access /*access*/) {}  // each user page fault
  virtual void on_end(const char* /*why*/) {}                     // the task ends (once)
  // Before each run_user: false to wait and try again (the loop leaves
  // user mode and goes round). `token` is the runner's, handed to the two
  // calls after the run.
  virtual bool before_run(int& /*token*/) { return true; }
  // After run_user returned `trap`, before it is handled; and after.
  virtual void after_run(int /*token*/, const TrapInfo& /*trap*/) {}
  virtual void after_handle(int /*token*/, const TrapInfo& /*trap*/) {}
  // A fault only the platform's mappings know (a page its pmap dropped):
  // true if resolved.
  virtual bool machine_fault_in(uint64_t /*page*/, bool /*write*/) { return false; }
  // True when the task's mappings may not be the ones the CPU sees
  // (hosted ranges shared by tasks): copies then go through the VM.
  virtual bool copy_through_vm() { return false; }
  // Frees a kernel-owned runner (make_kernel_owned), once its task and
  // threads have ended; called from the first thread's loop or from the
  // task's end, never with a lock held.
  virtual void destroy() = 0;

 private:
  Result<RefPtr<MachThread>> create_thread() override { return make_thread(); }
  void task_terminated() override { terminated(); }
  bool copyin(void* dst, uint64_t user_src, size_t n) override { return copy_in(dst, user_src, n); }
  bool copyout(uint64_t user_dst, const void* src, size_t n) override { return copy_out(user_dst, src, n); }
  void teardown();
  Result<RefPtr<MachThread>> make_thread();
  void terminated();
  bool copy_in(void* dst, uint64_t user_src, size_t n);
  bool copy_out(uint64_t user_dst, const void* src, size_t n);
  Result<UserThread*> add_thread(const UserEntry* entry, int priority, int cpu);
  static void user_loop(void* self);
  void run_thread(UserThread& t);
  // The loop's work between two runs: what brought the thread back
  // (`trap`) is handled, then the way back in is prepared. True: user
  // mode goes on with the frame. False: the loop takes over, and
  // t.served_go_on says whether the thread goes on.
  bool between_runs(UserThread& t, const TrapInfo& trap);
  bool back_to_user(UserThread& t);
  static bool serve_trap_call(TrapCallHook* hook);
  void thread_ended(UserThread& t);
  void loop_ended(UserThread& t);
  bool handle(UserThread& t, const TrapInfo& trap);
  bool handle_trap_call(UserThread& t);
  kern_return_t fault_in(uint64_t address, Access access);
  bool resolve_range(uint64_t address, size_t n, Access access);
  bool deliver_exception(UserThread& t);
  mach_msg_return_t mach_msg_trap(UserThread& t);
  ipc::Kmsg* take_spare(UserThread& t, mach_msg_size_t size);
  void keep_spare(UserThread& t, ipc::Kmsg* kmsg);
  // The whole task ends, saying why (the first reason stays).
  void end(const char* why);
  UserThread* first_thread_locked() const UMACH_REQUIRES(threads_lock_);

  RefPtr<Task> task_;
  RefPtr<vm::VmMap> map_;
  int priority_ = sched::kPriorityUser;  // the first thread's; new threads get it too
  mutable Spinlock threads_lock_{LockRank::kUserTask};
  List<UserThread, &UserThread::link> threads_ UMACH_GUARDED_BY(threads_lock_);  // first: the first thread
  size_t thread_count_ UMACH_GUARDED_BY(threads_lock_) = 0;
  int live_threads_ UMACH_GUARDED_BY(threads_lock_) = 0;  // loops not yet ended, threads being made
  bool threads_ended_ UMACH_GUARDED_BY(threads_lock_) = false;  // the last one ended
  bool task_ended_ UMACH_GUARDED_BY(threads_lock_) = false;     // kernel-owned: the Task ended
  bool loops_ended_ UMACH_GUARDED_BY(threads_lock_) = false;    // kernel-owned: the first loop ended
  bool kernel_owned_ = false;  // set before any thread runs
  bool reason_set_ UMACH_GUARDED_BY(threads_lock_) = false;
  char end_reason_[160] = {};  // written once, under threads_lock_, before reason_set_
  kstd::Atomic<bool> stop_{false};
  kstd::Atomic<uint64_t> preemptions_{0};
  kstd::Atomic<uint64_t> trap_calls_{0};

};

}  // namespace umach
