// platform/hosted/task/created_task.cc: the runners of tasks made by
// task_create (test_task.h, "Tasks made by task_create"): kernel-owned
// TestTasks with no program, and the TaskRunnerFactory that makes them.
// Their lifetime is the core's (user_task.h).
#include "core/kstd/utility.h"
#include "core/sched/config.h"
#include <umach/backend.h>
#include "platform/hosted/memory/commpage.h"
#include "platform/hosted/task/test_task.h"

namespace umach::hosted {

kern_return_t TestTask::attach_created(RefPtr<Task> task) {
  if (!task->map()) return KERN_SUCCESS;  // an IPC-only parent's child: IPC only, no threads
  auto map = RefPtr<vm::VmMap>::share(task->map());
  std::unique_ptr<TestTask> t(new TestTask(kstd::move(task), kstd::move(map)));
  auto commpage = commpage_create(reinterpret_cast<uintptr_t>(umach_hosted_trap_entry));
  if (!commpage.ok()) return commpage.error();
  t->commpage_ = commpage.value();
  const uint64_t va = t->range_->commpage();
  if (!t->pmap().enter(va, t->commpage_, Platform::kPageSize, kProtRead | kProtExecute).ok()) return KERN_RESOURCE_SHORTAGE;
  t->created_commpage_ = va;
  // Faults and ticks in this window are the task's (a child in its
  // parent's range registers the range once more; each unregisters one).
  AddressRange& r = *t->range_;
  if (!register_user_range(r.base(), r.end() - r.base())) return KERN_RESOURCE_SHORTAGE;
  t->registered_ = true;
  // From here the Task tells the runner when it ends (task_terminated),
  // and the runner frees itself (user_task.h).
  t->make_kernel_owned();
  t.release();
  return KERN_SUCCESS;
}

namespace {

class CreatedTaskRunner final : public TaskRunnerFactory {
 public:
  kern_return_t attach(RefPtr<Task> task) override { return TestTask::attach_created(kstd::move(task)); }
};

CreatedTaskRunner g_created_task_runner;

}  // namespace

void TestTask::install_created_task_runner() { set_task_runner_factory(&g_created_task_runner); }

}  // namespace umach::hosted
