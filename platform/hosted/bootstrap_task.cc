// platform/hosted/bootstrap_task.cc: the bootstrap task (bootstrap_task.h).
#include "platform/hosted/bootstrap_task.h"

#include "core/sched/sched.h"
#include "core/task/host.h"
#include "device/devices.h"
#include "ipc/kobject.h"

namespace umach::hosted {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// A new send right to the kernel port `port` under `name` in `space`.
kern_return_t give_send_right(ipc::IpcSpace& space, ipc::Port* port, mach_port_name_t name) {
  ipc::TransitRight right = ipc::kobject_make_send(port);
  const kern_return_t kr = space.insert_right(name, right);
  if (kr != KERN_SUCCESS) ipc::release_transit_right(right);
  return kr;
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
  ipc::IpcSpace& space = task->task().space();
  if (kern_return_t kr = give_send_right(space, host::priv_port(), kHostPortName); kr != KERN_SUCCESS) return Error{kr};
  if (kern_return_t kr = give_send_right(space, device::master_port(), kDevicePortName); kr != KERN_SUCCESS)
    return Error{kr};
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
