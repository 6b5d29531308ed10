// platform/hosted/task/test_task.h: a minimal kernel-internal task, for tests
// and benchmarks until Mach tasks arrive (the tasks issue).
//
// A TestTask is an address space (a VmMap, with its pmap and window), a
// commpage and one loaded task program: its image and stack are VM memory
// of the map (loader.h: text mapped shared from the program's image
// object, which every task running the same file uses, data
// copy-on-write, the stack vm_allocate'd); the commpage is in the pmap
// alone. start_thread() runs the program's first thread as a kernel thread
// whose body is the user loop: run_user(), then handle what brought it
// back, then run_user() again.
//
// A task may have several threads: thread_create (Task's factory, this
// class) makes one more, each with its own kernel thread running the user
// loop, its own user frame, message buffer and MachThread (its thread
// port), sharing the task's map, space and commpage. A new thread starts
// suspended with a zeroed register state; thread_set_state (flavor
// i386_THREAD_STATE, sanitised: pc and stack inside the window, only
// user flag bits, user selectors or zero) and thread_resume start it.
// The loop asks its MachThread before each return to user mode, so a
// suspended thread waits in the kernel and a terminated one
// (thread_terminate, also of itself) never returns to user mode. The task ends
// when its last thread ends ("terminated"), or at once for all its
// threads on task_terminate, stop(), an exception with no handler or a
// fatal trap in any thread. The first thread's kernel thread ends last:
// it joins every other thread's, so joining it joins the task.
//
// The loop serves only what these early programs use, and says so:
//   - traps: mach_print (30) prints through the kernel log (and is
//     recorded); the null slot 1 and every other number inside the table
//     that has no trap return KERN_INVALID_ARGUMENT
//     (10-13, 55, 56: MACH_PORT_NULL), as ABI.md says; the IPC traps run on
//     the task's core Task (core/task/task.h): mach_msg_trap (25) through
//     ipc/msg.h, mach_reply_port (26), mach_thread_self (27),
//     mach_task_self (28) and mach_host_self (29) with a send right to the
//     thread's, the task's or the host's kernel port; the syscall_* fast
//     paths 64-66 and 68-76 and the scheduling traps 59-61
//     (core/task/traps.h; arguments past the sixth from the user stack);
//     thread_set_self_state (77), checked as thread_set_state;
//   - page faults: a run the pmap forgot (anywhere in the window, the
//     commpage included) is faulted back in; anything else in the map's
//     range goes to the VM's vm_fault (the program's pages and
//     vm_allocate'd memory alike: zero fill, copy-on-write); both are
//     recorded; an access the map does not allow (a hole, a write to text)
//     raises EXC_BAD_ACCESS (code KERN_INVALID_ADDRESS or
//     KERN_PROTECTION_FAILURE, subcode the address): an exception_raise RPC
//     from the kernel (ipc/kclient.cc) to the thread's exception port, then
//     to the task's; a handler's KERN_SUCCESS runs the faulting instruction
//     again, and with no handler left (none set, another answer, a dead
//     port) the task ends with the reason "exception EXC_BAD_ACCESS
//     (KERN_INVALID_ADDRESS at 0x...) with no handler";
//   - the kernel's reads and writes of the task's memory (mach_print's
//     string, mach_msg_trap's message) use copyin/copyout, and fault in a
//     page that is not mapped yet the same way before retrying once;
//   - preemption: the loop's preemption point runs before each run_user;
//   - shared ranges: a task whose range holds other tasks' pmaps claims the
//     range for its CPU and makes its mappings resident around each
//     run_user, so such tasks never run on two CPUs at once;
//   - the other faults become exceptions delivered the same way, with
//     GNU Mach's i386 codes (the platform gives them in TrapInfo):
//     EXC_BAD_INSTRUCTION (EXC_I386_INVOP for an invalid opcode or a
//     trap number past the table, EXC_I386_GPFLT with the error code for
//     a general-protection fault), EXC_ARITHMETIC (EXC_I386_DIV, or
//     EXC_I386_EXTERR with the x87 status or MXCSR), EXC_BREAKPOINT
//     (EXC_I386_BPT after int3, EXC_I386_SGL). A handler may change the
//     thread's state (thread_set_state while the thread waits for its
//     reply) before answering KERN_SUCCESS: the thread resumes with it.
//     EXC_SOFTWARE has no hardware source on x86-64 (GNU Mach raises it
//     for BOUND, which 64-bit mode lacks).
//
// Tasks made by task_create get a TestTask too, with no program: the
// kernel owns it (attach_created, installed as the core's
// TaskRunnerFactory at boot). Its map came from task_create (empty, or a
// fork of the parent's in the parent's range); it enters the commpage and
// registers the range; thread_create makes every thread (the first one
// too: suspended, zeroed registers). It frees itself once its Task ended
// and its threads' loops ended: from the first thread's kernel thread
// after it joined the others, or on the Task's end if it never had one.
#pragma once

#include <stdint.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/platform/user_mode.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/sched/thread.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "core/task/traps.h"
#include "ipc/kmsg.h"
#include "vm/map.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/loader.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::hosted {

class TestTask final : private TaskThreadFactory, private traps::UserMemory {
 public:
  struct Fault {
    uint64_t address;
    Access access;
  };

  // Loads the static-PIE program at `path` with `args` as its argv.
  static Result<std::unique_ptr<TestTask>> load(const std::string& path, const std::vector<std::string>& args);
  ~TestTask();  // the first thread must have ended (join it first)

  // Starts the program's first thread at `priority` (on `cpu`, if >= 0).
  // It ends after every other thread of the task ended.
  Result<RefPtr<sched::Thread>> start_thread(int priority, int cpu = -1);
  // Asks the thread to end at its next return to the kernel (any trap or tick).
  void stop() { stop_.store(true); }

  std::string output() const;
  // The task's IPC side, e.g. to give it rights before it starts.
  Task& task() { return *task_; }
  // Its first thread as Mach sees it (null until start_thread).
  MachThread* thread();
  // How many threads it ever had.
  size_t thread_count() const;
  std::vector<Fault> faults() const;
  uint64_t preemptions() const { return preemptions_.load(); }
  uint64_t trap_calls() const { return trap_calls_.load(); }
  // Why the task ended ("" while it runs): "terminated" (task_terminate,
  // or its last thread ended), "stopped", or the trap or exception.
  std::string end_reason() const;
  const LoadedProgram& program() const { return program_; }
  // The most threads of range-sharing tasks ever seen in user mode at once
  // (the rule is one); tests reset it.
  static int shared_range_most_in_user() { return g_shared_most.load(); }
  static void reset_shared_range_stats() { g_shared_most.store(0); }
  AddressRange& range() { return *range_; }
  Pmap& pmap() { return map_->pmap(); }
  vm::VmMap& map() { return *map_; }

  // ---- tasks made by task_create (see the header) ----
  // A kernel-owned runner for `task` (a map, no program yet).
  static kern_return_t attach_created(RefPtr<Task> task);
  // Makes attach_created the core's TaskRunnerFactory (hosted boot).
  static void install_created_task_runner();

 private:
  using Frame = platform::Backend::UserFrame;
  // An exception the last trap raised, delivered by user_loop once the
  // range's claim is released (the handler may share the range).
  struct PendingException {
    int exception = 0;  // 0: none
    kern_return_t code = 0;
    uint64_t subcode = 0;
  };
  // One Mach thread of the task, and the kernel thread running it; kept
  // until the TestTask goes (its MachThread borrows it as its machine).
  struct UserThread final : ThreadMachine {
    explicit UserThread(TestTask* t);
    ~UserThread();
    kern_return_t get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) override;
    kern_return_t set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) override;
    TestTask* task;
    Frame* frame;  // the user state (64-byte aligned), written by its loop alone while it runs
    RefPtr<MachThread> mach;
    RefPtr<sched::Thread> kernel;
    // A message buffer mach_msg_trap keeps between calls: a received one
    // becomes the next send's.
    ipc::Kmsg* spare = nullptr;
    PendingException pending;
  };

  TestTask() = default;
  Result<RefPtr<MachThread>> create_thread() override;
  Result<UserThread*> add_thread(int priority, int cpu, int suspended);
  static void user_loop(void* self);
  void run_thread(UserThread& t);
  void thread_ended(UserThread& t);
  bool handle(UserThread& t, const TrapInfo& trap);
  bool handle_trap_call(UserThread& t);
  bool handle_page_fault(UserThread& t, const TrapInfo& trap);
  // What a user access to `address` needs, as the fault path resolves it
  // (pmap first, then vm_fault); false if the task may not access it.
  bool resolve_fault(uint64_t address, Access access);
  // The same saying why not (vm_fault's error; KERN_INVALID_ADDRESS
  // outside the map's range).
  kern_return_t fault_in(uint64_t address, Access access);
  bool deliver_exception(UserThread& t);
  bool resolve_range(uint64_t address, size_t n, Access access);
  // The kernel's access to the task's memory: Platform::copyin/copyout,
  // and if a page is not mapped yet (never touched, or its run forgotten)
  // the range is faulted in as the task's own access would and the copy
  // retried. False if the task's map does not allow the access.
  // Whether this task's range needs the claim and residency protocol
  // (more than one address space in it, or this one not resident).
  bool range_shared();
  bool copyin(void* dst, uint64_t user_src, size_t n) override;
  bool copyout(uint64_t user_dst, const void* src, size_t n) override;
  mach_msg_return_t mach_msg_trap(UserThread& t);
  // The whole task ends, saying why (the first reason stays).
  void end(const std::string& why);
  // Kernel-owned runners (task_create): the Task ended, or the first
  // thread's loop (which joined the rest) ended; whichever completes
  // "ended and no loop left" frees the runner.
  void task_terminated() override;
  void created_loop_ended(UserThread& t);

  RefPtr<Task> task_;  // the IPC side: name space and task port
  ipc::Kmsg* take_spare(UserThread& t, mach_msg_size_t size);
  void keep_spare(UserThread& t, ipc::Kmsg* kmsg);
  RefPtr<vm::VmMap> map_;  // its address space (the Task holds it too)
  AddressRange* range_ = nullptr;
  paddr_t commpage_ = 0;
  LoadedProgram program_;
  int priority_ = 0;  // the first thread's; new threads get it too
  mutable std::mutex threads_lock_;
  std::vector<std::unique_ptr<UserThread>> threads_;  // [0]: the first; guarded by threads_lock_
  int live_threads_ = 0;                              // loops not yet ended; guarded by threads_lock_
  bool threads_ended_ = false;                        // the last one ended; guarded by threads_lock_
  std::atomic<bool> stop_{false};
  bool kernel_owned_ = false;    // made by attach_created; set before it is seen
  bool registered_ = false;      // its range is registered (one registration of it is ours)
  bool task_ended_ = false;      // guarded by threads_lock_ (kernel-owned only)
  bool loops_ended_ = false;     // guarded by threads_lock_ (kernel-owned only)
  uint64_t created_commpage_ = 0;  // where attach_created entered the commpage
  std::atomic<uint64_t> preemptions_{0};
  std::atomic<uint64_t> trap_calls_{0};
  mutable std::mutex record_lock_;  // host-side records, read by tests
  std::string output_;
  std::vector<Fault> faults_;
  std::string end_reason_;
  static std::atomic<int> g_shared_in_user;
  static std::atomic<int> g_shared_most;
  static std::atomic<int> g_shared_waiting;
};

// thread_flavors.cc: thread_get_state/thread_set_state of the flavors
// besides the general registers (FP, XSAVE, FS/GS base, the flavor list),
// on a thread's frame while it is out of user mode.
kern_return_t get_other_flavor(const platform::Backend::UserFrame& frame, int flavor, natural_t* state,
                               mach_msg_type_number_t* count);
kern_return_t set_other_flavor(platform::Backend::UserFrame& frame, int flavor, const natural_t* state,
                               mach_msg_type_number_t count);

}  // namespace umach::hosted
