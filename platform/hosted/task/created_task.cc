// platform/hosted/task/created_task.cc: the runners of tasks made by
// task_create (test_task.h, "Tasks made by task_create"): kernel-owned
// TestTasks with no program, and the TaskRunnerFactory that makes them.
#include <mutex>

#include "core/kstd/utility.h"
#include "core/sched/config.h"
#include <umach/backend.h>
#include "platform/hosted/memory/commpage.h"
#include "platform/hosted/task/test_task.h"

namespace umach::hosted {

kern_return_t TestTask::attach_created(RefPtr<Task> task) {
  if (!task->map()) return KERN_SUCCESS;  // an IPC-only parent's child: IPC only, no threads
  std::unique_ptr<TestTask> t(new TestTask);
  t->kernel_owned_ = true;
  t->priority_ = sched::kPriorityUser;
  t->map_ = RefPtr<vm::VmMap>::share(task->map());
  t->range_ = &t->map_->pmap().range();
  t->range_->retain();
  t->task_ = kstd::move(task);
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
  // and the runner frees itself.
  t->task_->set_thread_factory(t.get());
  t.release();
  return KERN_SUCCESS;
}

void TestTask::task_terminated() {
  if (!kernel_owned_) return;
  bool free_now;
  {
    std::lock_guard<std::mutex> hold(threads_lock_);
    task_ended_ = true;
    free_now = threads_.empty() || loops_ended_;
  }
  if (free_now) delete this;
}

void TestTask::created_loop_ended(UserThread& t) {
  bool free_now;
  {
    std::lock_guard<std::mutex> hold(threads_lock_);
    if (threads_[0].get() != &t) return;  // only the first: it joined the others
    loops_ended_ = true;
    free_now = task_ended_;
  }
  // The first thread's kernel thread runs on, on its own stack, until it
  // returns; freeing its UserThread (its frame, its reference to the
  // kernel thread) is safe now that its loop is over.
  if (free_now) delete this;
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
