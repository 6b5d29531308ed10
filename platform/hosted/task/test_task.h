// platform/hosted/task/test_task.h: the hosted runner of a task: a
// core UserTask (core/task/user_task.h: the threads, the user loop, traps,
// faults, exceptions) with what only hosted has.
//
// A TestTask is an address space (a VmMap, with its pmap and window), a
// commpage and one loaded task program: its image and stack are VM memory
// of the map (core/task/program's loader: text mapped shared from the
// program's image object, which every task running the same file uses,
// data copy-on-write, the stack vm_allocate'd); the commpage is in the pmap
// alone. start_thread() runs the program's first thread (the user loop of
// user_task.h); thread_create makes more.
//
// What hosted adds to the core's loop:
//   - programs are loaded from files (load(path, args)), and the gdb
//     helper's list of loaded programs is kept (g_loaded_programs);
//   - records for tests: what the program printed (mach_print), the page
//     faults it took, why it ended;
//   - page faults: a run the hosted pmap forgot (anywhere in the window,
//     the commpage included) is faulted back in before the VM is asked;
//   - shared ranges: a task whose range holds other tasks' pmaps
//     (--address-model=shared, or a child in its parent's range) claims
//     the range for its CPU and makes its mappings resident around each
//     run_user, so such tasks never run on two CPUs at once; a page fault
//     is handled with the claim still held (the pmap then sees this task's
//     mappings); a trap call may block and wake on another CPU, so the
//     claim goes first and its copies go through the VM.
//
// Tasks made by task_create get a TestTask too, with no program: the
// kernel owns it (attach_created, installed as the core's
// TaskRunnerFactory at boot). Its map came from task_create (empty, or a
// fork of the parent's in the parent's range); it enters the commpage and
// registers the range; thread_create makes every thread (the first one
// too: suspended, zeroed registers). It frees itself once its Task ended
// and its threads' loops ended (user_task.h).
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
#include "core/task/program/loader.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "core/task/traps.h"
#include "core/task/user_task.h"
#include "ipc/kmsg.h"
#include "vm/map.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::hosted {

using program::LoadedProgram;

class TestTask final : public UserTask {
 public:
  struct Fault {
    uint64_t address;
    Access access;
  };

  // Loads the static-PIE program at `path` with `args` as its argv.
  static Result<std::unique_ptr<TestTask>> load(const std::string& path, const std::vector<std::string>& args);
  ~TestTask() override;  // the first thread must have ended (join it first)

  // Starts the program's first thread at `priority` (on `cpu`, if >= 0).
  // It ends after every other thread of the task ended.
  Result<RefPtr<sched::Thread>> start_thread(int priority, int cpu = -1);

  std::string output() const;
  std::vector<Fault> faults() const;
  // Why the task ended ("" while it runs): user_task.h's end_reason.
  std::string end_reason() const;
  const LoadedProgram& program() const { return program_; }
  // The most threads of range-sharing tasks ever seen in user mode at once
  // (the rule is one); tests reset it.
  static int shared_range_most_in_user() { return g_shared_most.load(); }
  static void reset_shared_range_stats() { g_shared_most.store(0); }
  AddressRange& range() { return *range_; }
  Pmap& pmap() { return map().pmap(); }

  // ---- tasks made by task_create (see the header) ----
  // A kernel-owned runner for `task` (a map, no program yet).
  static kern_return_t attach_created(RefPtr<Task> task);
  // Makes attach_created the core's TaskRunnerFactory (hosted boot).
  static void install_created_task_runner();

 private:
  TestTask(RefPtr<Task> task, RefPtr<vm::VmMap> map);
  void on_print(const char* text) override;
  void on_fault(uint64_t address, Access access) override;
  bool before_run(int& token) override;
  void after_run(int token, const TrapInfo& trap) override;
  void after_handle(int token, const TrapInfo& trap) override;
  bool machine_fault_in(uint64_t page, bool write) override;
  bool copy_through_vm() override { return range_shared(); }
  void destroy() override { delete this; }
  // Whether this task's range needs the claim and residency protocol
  // (more than one address space in it, or this one not resident).
  bool range_shared();

  AddressRange* range_ = nullptr;
  paddr_t commpage_ = 0;
  program::LoadedProgram program_;
  bool registered_ = false;        // its range is registered (one registration of it is ours)
  uint64_t created_commpage_ = 0;  // where attach_created entered the commpage
  mutable std::mutex record_lock_;  // host-side records, read by tests
  std::string output_;
  std::vector<Fault> faults_;
  static std::atomic<int> g_shared_in_user;
  static std::atomic<int> g_shared_most;
  static std::atomic<int> g_shared_waiting;
};

}  // namespace umach::hosted
