// platform/hosted/bootstrap_task.cc: the bootstrap task (bootstrap_task.h).
#include "platform/hosted/bootstrap_task.h"

#include "core/sched/sched.h"
#include "core/task/bootstrap.h"

namespace umach::hosted {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

}  // namespace

std::vector<std::string> substitute_boot_variables(std::vector<std::string> args) {
  for (std::string& a : args) {
    replace_all(a, "${host-port}", std::to_string(kHostPortName));
    replace_all(a, "${device-port}", std::to_string(kDevicePortName));
  }
  return args;
}

Result<std::unique_ptr<TestTask>> load_bootstrap_task(const std::string& path, const std::vector<std::string>& args) {
  auto loaded = TestTask::load(path, substitute_boot_variables(args));
  if (!loaded.ok()) return Error{loaded.error()};
  std::unique_ptr<TestTask> task = std::move(loaded).take();
  if (kern_return_t kr = give_bootstrap_ports(task->task()); kr != KERN_SUCCESS) return Error{kr};
  return task;
}

std::string run_to_end(TestTask& task) {
  auto thread = task.start_thread(sched::kPriorityUser);
  if (!thread.ok()) return "without a thread";
  sched::thread_join(*thread.value());  // the first thread ends after every other
  return task.end_reason();
}

std::string end_report(const std::string& name, const std::string& reason) {
  return reason == "terminated" ? name + " terminated normally" : name + " ended: " + reason;
}

}  // namespace umach::hosted
