// platform/hosted/bootstrap_task.h: the bootstrap task, the first task
// program the kernel starts (`umach run`, each example of the default
// demo), as GNU Mach's kern/bootstrap.c starts the one its boot script
// names.
//
// Before it runs, the task gets its send rights (core/task/bootstrap.h:
// host-privileged and device master, names kHostPortName and
// kDevicePortName), and its arguments are the boot script's: every
// `${host-port}` and `${device-port}` in them becomes that name in
// decimal.
//
// A TestTask (task/test_task.h) is the task; it must be loaded on a host
// thread (its loader reads the file through a large stack buffer), and
// run from a kernel thread.
#pragma once

#include <mach/port.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/task/bootstrap.h"
#include "platform/hosted/task/test_task.h"

namespace umach::hosted {

using ::umach::kDevicePortName;
using ::umach::kHostPortName;

// `args` with the boot script's variables replaced (see above).
std::vector<std::string> substitute_boot_variables(std::vector<std::string> args);

// Loads the program at `path` with argv `args` (substituted) and gives it
// the two send rights. KERN_INVALID_ARGUMENT if it cannot be loaded.
Result<std::unique_ptr<TestTask>> load_bootstrap_task(const std::string& path, const std::vector<std::string>& args);

// Runs the task until its last thread has ended (from a kernel thread);
// how it ended, as TestTask::end_reason says it ("terminated" for a
// normal end), or "without a thread" if it could not start.
std::string run_to_end(TestTask& task);

// The line reporting that end: "NAME terminated normally" or
// "NAME ended: REASON".
std::string end_report(const std::string& name, const std::string& reason);

}  // namespace umach::hosted
