// platform/baremetal/common/bare_task.h: the bare-metal runner of a task:
// a core UserTask (core/task/user_task.h: threads, the user loop, traps,
// faults, exceptions) running a task program embedded in the image, in
// real user mode (amd64: syscall/iretq; riscv64: ecall/sret) on the
// task's own page tables.
//
// Programs. The build embeds the examples, built for the image's ISA
// (examples/CMakeLists.txt, UMACH_TASK_ARCH), as ELF files in .rodata
// (platform/baremetal/CMakeLists.txt generates the table);
// find_program() looks one up by name. The core's loader
// (core/task/program/loader.h) puts it in the task's map: text shared
// from the image, data copy-on-write, the stack at the top.
//
// The commpage. One physical page of trap entries (the ISA's
// fill_commpage: amd64 `mov %rcx,%r10; mov $-N,%eax; syscall; ret`,
// riscv64 `li a7,-N; ecall; ret`, 16 bytes each) is entered read+execute
// in every task's pmap at kCommpage, the lowest user page, one page below
// the map's range (pmap_min), so no VM entry ever lands on it. libmach on
// x86-64 enters the kernel through it; riscv64's stubs execute ecall
// themselves, and the address is passed all the same.
//
// Tasks made by task_create get a kernel-owned BareTask with no program
// (the TaskRunnerFactory, installed at boot by bare_tasks_init): its map
// came from task_create; it enters the commpage.
//
// What the program prints (mach_print) goes to the console through the
// kernel log, and is kept (the first kOutputMax bytes) for self-tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "core/spinlock.h"
#include "core/task/program/loader.h"
#include "core/task/user_task.h"

namespace umach::baremetal {

struct EmbeddedProgram {
  const char* name;
  const uint8_t* data;
  uint64_t size;
};

// The program embedded under `name`, or null.
const EmbeddedProgram* find_program(const char* name);
// The embedded programs, ending with an entry whose name is null.
const EmbeddedProgram* embedded_programs();

// Makes the commpage and installs the runner of task_create's tasks; once,
// at boot, before any task.
void bare_tasks_init();

// Fills the commpage (each ISA's commpage.cc).
void fill_commpage(uint8_t* page);

class BareTask final : public UserTask {
 public:
  static constexpr size_t kOutputMax = 8192;

  // A new task running `program` with argv[0..argc). KERN_INVALID_ARGUMENT
  // for a file the loader refuses, KERN_RESOURCE_SHORTAGE without memory.
  static Result<BareTask*> load(const EmbeddedProgram& program, const char* const* argv, size_t argc);
  // Runs the program's first thread to the task's end (from a kernel
  // thread); how it ended (user_task.h's end_reason), "without a thread"
  // if none could start.
  const char* run_to_end();
  // Frees a task load() made, once it ended (run_to_end) or never ran.
  void release();
  // What it printed (the first kOutputMax - 1 bytes), once it ended.
  const char* output() const { return output_; }

  // task_create's tasks (see the header).
  static kern_return_t attach_created(RefPtr<Task> task);

  BareTask(RefPtr<Task> task, RefPtr<vm::VmMap> map);
  ~BareTask() override;

 private:
  void on_print(const char* text) override;
  void destroy() override;
  kern_return_t enter_commpage();

  program::LoadedProgram program_;
  Spinlock output_lock_{LockRank::kUserTask};  // taken alone, from the task's threads
  size_t output_len_ = 0;                      // guarded by output_lock_
  char output_[kOutputMax] = {};
};

}  // namespace umach::baremetal
