// platform/baremetal/common/bare_task.cc: see bare_task.h.
#include "platform/baremetal/common/bare_task.h"

#include <mach/vm_prot.h>
#include <umach/mmu.h>

#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/sched/config.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/zone.h"
#include "vm/vm_lock.h"

// The table platform/baremetal/CMakeLists.txt generates (embedded_programs.S).
extern "C" const umach::baremetal::EmbeddedProgram umach_embedded_programs[];

namespace umach::baremetal {
namespace {

constexpr uint64_t kCommpage = IsaMmu::kUserMin;  // one page below pmap_min (page_table_pmaps.cc)
constexpr program::Machine kMachine =
    host::kCpuType == CPU_TYPE_X86_64 ? program::Machine::kX86_64 : program::Machine::kRiscV64;

paddr_t g_commpage = kNoPhys;  // written once at boot

[[clang::no_destroy]] constinit TypedZone<BareTask> g_bare_tasks("baremetal.task");

class CreatedTaskRunner final : public TaskRunnerFactory {
 public:
  kern_return_t attach(RefPtr<Task> task) override { return BareTask::attach_created(kstd::move(task)); }
};
CreatedTaskRunner g_created_task_runner;

}  // namespace

const EmbeddedProgram* embedded_programs() { return umach_embedded_programs; }

const EmbeddedProgram* find_program(const char* name) {
  for (const EmbeddedProgram* p = umach_embedded_programs; p->name; ++p) {
    size_t i = 0;
    while (p->name[i] && p->name[i] == name[i]) ++i;
    if (p->name[i] == name[i]) return p;
  }
  return nullptr;
}

void bare_tasks_init() {
  auto page = page_allocator().alloc();
  if (!page.ok()) panic("no page for the commpage");
  g_commpage = page.value();
  fill_commpage(static_cast<uint8_t*>(Platform::phys_to_virt(g_commpage)));
  set_task_runner_factory(&g_created_task_runner);
}

BareTask::BareTask(RefPtr<Task> task, RefPtr<vm::VmMap> map) : UserTask(kstd::move(task), kstd::move(map)) {}

BareTask::~BareTask() {
  if (program_.pc) program::unload_task_program(map(), program_);
  // The commpage's entry goes with the pmap's tables.
}

kern_return_t BareTask::enter_commpage() {
  SpinlockGuard hold(vm::g_vm_lock);  // pmap calls are the VM's (contract.h)
  return Platform::pmap_enter(map().pmap(), kCommpage, g_commpage, VM_PROT_READ | VM_PROT_EXECUTE, VM_PROT_READ)
             ? KERN_SUCCESS
             : KERN_RESOURCE_SHORTAGE;
}

Result<BareTask*> BareTask::load(const EmbeddedProgram& program, const char* const* argv, size_t argc) {
  vm::VmMap* raw = vm::VmMap::create(nullptr);
  if (!raw) return Error{KERN_RESOURCE_SHORTAGE};
  auto map = RefPtr<vm::VmMap>::adopt(raw);
  RefPtr<Task> core_task = UMACH_TRY(Task::create(map));
  Task& core = *core_task;
  BareTask* t = g_bare_tasks.create(kstd::move(core_task), kstd::move(map));
  if (!t) {
    core.terminate();
    return Error{KERN_RESOURCE_SHORTAGE};
  }
  kern_return_t kr = t->enter_commpage();
  if (kr == KERN_SUCCESS) {
    const program::LoadStatus st =
        program::load_task_program(t->map(), program.data, program.size, kMachine, argv, argc, kCommpage, &t->program_);
    if (st != program::LoadStatus::kOk) {
      klog("umach: cannot load %s: %s\n", program.name, program::load_status_name(st));
      kr = st == program::LoadStatus::kNoMemory ? KERN_RESOURCE_SHORTAGE : KERN_INVALID_ARGUMENT;
    }
  }
  if (kr != KERN_SUCCESS) {
    t->release();
    return Error{kr};
  }
  return t;
}

const char* BareTask::run_to_end() {
  const program::LoadedProgram& p = program_;
  auto thread = start_thread(UserEntry{p.pc, p.sp, {p.argc, p.argv, p.commpage}}, sched::kPriorityUser);
  if (!thread.ok()) return "without a thread";
  sched::thread_join(*thread.value());  // the first thread ends after every other
  const char* why = end_reason();
  return why ? why : "still running";
}

void BareTask::release() {
  task().terminate();  // (idempotent: a task that ran has ended already)
  g_bare_tasks.destroy(this);
}

void BareTask::on_print(const char* text) {
  SpinlockGuard hold(output_lock_);
  for (; *text && output_len_ + 1 < kOutputMax; ++text) output_[output_len_++] = *text;
}

void BareTask::destroy() { g_bare_tasks.destroy(this); }

kern_return_t BareTask::attach_created(RefPtr<Task> task) {
  if (!task->map()) return KERN_SUCCESS;  // an IPC-only parent's child: IPC only, no threads
  auto map = RefPtr<vm::VmMap>::share(task->map());
  BareTask* t = g_bare_tasks.create(kstd::move(task), kstd::move(map));
  if (!t) return KERN_RESOURCE_SHORTAGE;
  if (kern_return_t kr = t->enter_commpage(); kr != KERN_SUCCESS) {
    g_bare_tasks.destroy(t);
    return kr;
  }
  // From here the Task tells the runner when it ends, and the runner frees
  // itself (user_task.h).
  t->make_kernel_owned();
  return KERN_SUCCESS;
}

}  // namespace umach::baremetal
