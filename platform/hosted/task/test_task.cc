// platform/hosted/task/test_task.cc: see test_task.h.
#include "platform/hosted/task/test_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cstddef>
#include <new>

#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/task/host.h"
#include "core/task/thread.h"
#include "core/sched/sched.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/vm_user.h"
#include "platform/hosted/memory/commpage.h"
#include "exc_kuser.h"
#include <mach/exception.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>

namespace umach::hosted {
namespace {

constexpr size_t kPage = Platform::kPageSize;

bool read_file(const std::string& path, std::vector<uint8_t>& out) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return false;
  // On the heap: load() may run on a kernel thread, whose stack is small.
  std::vector<uint8_t> buf(65536);
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
  fclose(f);
  return true;
}

}  // namespace

// The loaded programs, for the gdb helper's mach-load-symbols (it reads
// these two symbols by name). Plain data, so gdb can walk it.
struct LoadedProgramRecord {
  const char* path;
  uint64_t base;
};
constexpr unsigned kMaxLoadedPrograms = 256;
LoadedProgramRecord g_loaded_programs[kMaxLoadedPrograms];
unsigned g_loaded_program_count = 0;
namespace {
std::mutex g_loaded_lock;

void note_loaded(const std::string& path, uint64_t base) {
  std::lock_guard<std::mutex> hold(g_loaded_lock);
  if (g_loaded_program_count < kMaxLoadedPrograms)
    g_loaded_programs[g_loaded_program_count++] = {strdup(path.c_str()), base};
}

void note_unloaded(uint64_t base) {
  std::lock_guard<std::mutex> hold(g_loaded_lock);
  for (unsigned i = 0; i < g_loaded_program_count; ++i) {
    if (g_loaded_programs[i].base != base) continue;
    free(const_cast<char*>(g_loaded_programs[i].path));
    g_loaded_programs[i] = g_loaded_programs[--g_loaded_program_count];
    return;
  }
}
}  // namespace

std::atomic<int> TestTask::g_shared_in_user{0};
std::atomic<int> TestTask::g_shared_most{0};
std::atomic<int> TestTask::g_shared_waiting{0};

TestTask::TestTask(RefPtr<Task> task, RefPtr<vm::VmMap> map) : UserTask(kstd::move(task), kstd::move(map)) {
  range_ = &pmap().range();
  range_->retain();
}

Result<std::unique_ptr<TestTask>> TestTask::load(const std::string& path, const std::vector<std::string>& args) {
  std::vector<uint8_t> file;
  if (!read_file(path, file)) return Error{KERN_INVALID_ARGUMENT};
  vm::VmMap* raw_map = vm::VmMap::create(nullptr);
  if (!raw_map) return Error{KERN_RESOURCE_SHORTAGE};
  auto map = RefPtr<vm::VmMap>::adopt(raw_map);
  RefPtr<Task> core_task = UMACH_TRY(Task::create(map));
  std::unique_ptr<TestTask> task(new TestTask(kstd::move(core_task), kstd::move(map)));
  task->commpage_ = UMACH_TRY(commpage_create(reinterpret_cast<uintptr_t>(umach_hosted_trap_entry)));
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  // The image and the stack become VM memory of the task's map (text
  // shared with every task running the same file, data copy-on-write;
  // core/task/program/loader.h).
  const vaddr_t commpage = task->range_->commpage();
  program::LoadStatus st = program::load_task_program(task->map(), file.data(), file.size(),
                                                      program::Machine::kX86_64, argv.data(), argv.size(), commpage,
                                                      &task->program_);
  if (st != program::LoadStatus::kOk)
    return Error{st == program::LoadStatus::kNoMemory ? KERN_RESOURCE_SHORTAGE : KERN_INVALID_ARGUMENT};
  // The commpage is one physical page shared by every task, entered in the
  // pmap alone: it lies below the map's vm_min, so no VM entry can land on
  // it and the task's fault path asks the pmap (Pmap::fault_in).
  if (!task->pmap().enter(commpage, task->commpage_, kPage, kProtRead | kProtExecute).ok())
    return Error{KERN_RESOURCE_SHORTAGE};
  // Faults and ticks in this window are the task's (the signal entry asks).
  AddressRange& r = *task->range_;
  if (!register_user_range(r.base(), r.end() - r.base())) return Error{KERN_RESOURCE_SHORTAGE};
  task->registered_ = true;
  note_loaded(path, task->program_.load_bias);
  return task;
}

TestTask::~TestTask() {
  if (program_.pc) {
    note_unloaded(program_.load_bias);
    program::unload_task_program(map(), program_);  // its memory leaves the map; its use of the image ends
    pmap().remove(range_->commpage(), kPage);         // entered by load
  }
  if (created_commpage_) pmap().remove(created_commpage_, kPage);
  if (registered_) unregister_user_range(range_->base());
  // The map (and its pmap) go with the last reference to it: the
  // UserTask's, the Task's.
  if (commpage_) commpage_free(commpage_);
  if (range_) range_->release_ref();
}

Result<RefPtr<sched::Thread>> TestTask::start_thread(int priority, int cpu) {
  const LoadedProgram& p = program_;
  return UserTask::start_thread(UserEntry{p.pc, p.sp, {p.argc, p.argv, p.commpage}}, priority, cpu);
}

std::string TestTask::output() const {
  std::lock_guard<std::mutex> hold(record_lock_);
  return output_;
}

std::vector<TestTask::Fault> TestTask::faults() const {
  std::lock_guard<std::mutex> hold(record_lock_);
  return faults_;
}

std::string TestTask::end_reason() const {
  const char* why = UserTask::end_reason();
  return why ? why : "";
}

void TestTask::on_print(const char* text) {
  std::lock_guard<std::mutex> hold(record_lock_);
  output_ += text;
}

void TestTask::on_fault(uint64_t address, Access access) {
  std::lock_guard<std::mutex> hold(record_lock_);
  faults_.push_back({address, access});
}

// Tasks that share a range (--address-model=shared, or a child in its
// parent's range) never run on two CPUs at once: claim the range for this
// CPU and make this task's mappings the resident ones. The thread cannot
// leave the CPU inside run_user, so the claim covers the run. The token:
// 1 while this run holds the claim, 2 when it released it, 0 unshared.
bool TestTask::before_run(int& token) {
  if (!range_shared()) return true;
  AddressRange& range = *range_;
  if (!range.try_claim(this_cpu().id)) {
    // Another CPU runs a task of this range: wait a little, and let the
    // holder know someone waits, so it backs off after its run.
    g_shared_waiting.fetch_add(1);
    sched::sleep_ns(50'000);
    g_shared_waiting.fetch_sub(1);
    return false;
  }
  range.activate(pmap());
  token = 1;
  int now = g_shared_in_user.fetch_add(1) + 1;
  for (int seen = g_shared_most.load(); now > seen && !g_shared_most.compare_exchange_weak(seen, now);) {
  }
  return true;
}

// A page fault is handled with the claim still held: the pmap sees this
// task's mappings, not another task's of the same range. A trap call may
// block (mach_msg) and wake on another CPU, so the claim goes first; its
// copyin/copyout then go through the VM, not the mappings.
void TestTask::after_run(int token, const TrapInfo& trap) {
  if (token == 0) return;
  g_shared_in_user.fetch_sub(1);
  if (trap.kind != TrapKind::kPageFault) range_->release(this_cpu().id);
}

void TestTask::after_handle(int token, const TrapInfo& trap) {
  if (token == 0) return;
  if (trap.kind == TrapKind::kPageFault) range_->release(this_cpu().id);
  // Best-effort fairness: a holder that would re-claim at once would
  // starve waiters polling from other CPUs.
  if (g_shared_waiting.load() > 0) sched::sleep_ns(200'000);
}

// A run the pmap forgot, or a referenced/modified upgrade: anywhere in the
// window, the commpage included (it is in the pmap, not the map).
bool TestTask::machine_fault_in(uint64_t page, bool write) {
  return page >= range_->base() && page < range_->end() && pmap().fault_in(page, write) == FaultOutcome::kResolved;
}

// In a shared range the task's mappings may not be the resident ones
// (before_run releases the claim around trap calls): through the VM then.
// Another address space lives in the range, or did: when the others have
// gone, the one left may still be the non-resident one (the last to be
// active went), and only the claimed path makes it resident again.
bool TestTask::range_shared() { return range_->pmap_count() > 1 || !pmap().resident(); }

}  // namespace umach::hosted
