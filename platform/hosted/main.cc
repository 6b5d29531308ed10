// platform/hosted/main.cc: the `umach` executable: boots the kernel as a
// Linux process.
//
//   umach                  boot, run the self-test table quietly, report, power off
//   umach --selftest       run the self-test table, one line per test
//   umach --selftest=NAME  only the tests whose name contains NAME
//   umach --memory=MiB     physical memory size (default 256)
//   umach --vcpus N        simulated CPUs, 1 to 64 (default 1); also --vcpus=N.
//                          Stored in BootOptions; the scheduler starts them.
//   umach --address-model=window|shared
//                          each task in its own host address window (default),
//                          or every task in one range (full Mach fidelity, a
//                          mapping swap per task switch); see
//                          platform/hosted/memory/address_window.h.
//   umach --run PROGRAM [ARG...]
//                          instead of the self-test table, run one task
//                          program (a test task, platform/hosted/task/
//                          test_task.h) with argv PROGRAM ARG...; the exit
//                          status says whether it terminated normally.
//                          Every option must come before --run.
//   umach --vm-dot=FILE    with --run: when the program's thread has ended,
//                          write its map and object graph (vm/dot.h) to FILE
//                          as Graphviz dot, before the task is torn down.
//
// The default demo grows with the kernel: later issues boot a bootstrap task.
#include <fmt/core.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memory>
#include <string>
#include <vector>

#include "core/boot.h"
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/task/test_task.h"
#include "vm/dot.h"

namespace {

struct Options {
  umach::hosted::BootOptions boot;
  bool selftest = false;
  std::string filter;
  std::vector<std::string> run;  // --run: the program and its arguments
  std::string vm_dot;            // --vm-dot: where its map's graph goes
};

[[noreturn]] void usage(int status) {
  fmt::print(status ? stderr : stdout,
             "usage: umach [--selftest[=NAME]] [--memory=MiB] [--vcpus N] [--precise-fp] [--address-model=window|shared]\n"
             "             [--vm-dot=FILE] [--run PROGRAM [ARG...]]\n"
             "  --selftest[=NAME]  run the in-kernel self-test table (tests matching NAME)\n"
             "  --memory=MiB       physical memory, 16 to 65536 MiB (default 256)\n"
             "  --vcpus N          simulated CPUs (host threads), 1 to {} (default 1)\n"
             "  --precise-fp       save the whole FP/vector state at every trap call\n"
             "  --address-model=M  window: a host address window per task (default);\n"
             "                     shared: every task in one range, swapped at each switch\n"
             "  --run PROGRAM ...  run a task program (argv: PROGRAM ...) instead of the self-tests\n"
             "  --vm-dot=FILE      with --run: write the program's VM map as Graphviz dot to FILE\n"
             "                     when its thread has ended\n",
             umach::Platform::kMaxCpus);
  exit(status);
}

unsigned parse_vcpus(const std::string& value) {
  char* end = nullptr;
  unsigned long n = strtoul(value.c_str(), &end, 10);
  if (value.empty() || *end || n < 1 || n > umach::Platform::kMaxCpus) {
    fmt::print(stderr, "umach: --vcpus takes 1 to {}, not '{}'\n", umach::Platform::kMaxCpus, value);
    exit(2);
  }
  return static_cast<unsigned>(n);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--selftest") {
      o.selftest = true;
    } else if (a.rfind("--selftest=", 0) == 0) {
      o.selftest = true;
      o.filter = a.substr(11);
    } else if (a.rfind("--memory=", 0) == 0) {
      char* end = nullptr;
      unsigned long mib = strtoul(a.c_str() + 9, &end, 10);
      if (*end || mib < 16 || mib > 65536) {
        fmt::print(stderr, "umach: --memory takes 16 to 65536 (MiB), not '{}'\n", a.substr(9));
        exit(2);
      }
      o.boot.memory_bytes = mib << 20;
    } else if (a == "--vcpus") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "umach: --vcpus needs a count\n");
        usage(2);
      }
      o.boot.vcpus = parse_vcpus(argv[++i]);
    } else if (a.rfind("--vcpus=", 0) == 0) {
      o.boot.vcpus = parse_vcpus(a.substr(8));
    } else if (a == "--precise-fp") {
      o.boot.precise_fp = true;
    } else if (a.rfind("--address-model=", 0) == 0) {
      std::string model = a.substr(16);
      if (model != "window" && model != "shared") {
        fmt::print(stderr, "umach: --address-model takes window or shared, not '{}'\n", model);
        exit(2);
      }
      umach::hosted::set_address_model(model == "shared" ? umach::hosted::AddressModel::kShared
                                                         : umach::hosted::AddressModel::kWindowPerTask);
    } else if (a == "--run") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "umach: --run needs a program\n");
        usage(2);
      }
      o.run.assign(argv + i + 1, argv + argc);  // the rest is the program's argv
      break;
    } else if (a.rfind("--vm-dot=", 0) == 0 && a.size() > 9) {
      o.vm_dot = a.substr(9);
    } else if (a == "--help" || a == "-h") {
      usage(0);
    } else {
      fmt::print(stderr, "umach: unknown option '{}'\n", a);
      usage(2);
    }
  }
  if (!o.vm_dot.empty() && o.run.empty()) {
    fmt::print(stderr, "umach: --vm-dot draws the map of the program --run runs\n");
    exit(2);
  }
  return o;
}

}  // namespace

// The map of the program --run runs, while it is loaded (for the gdb
// helper's mach-vm-dot, which reads it by name).
umach::vm::VmMap* g_umach_run_map = nullptr;

namespace {

// Writes the map's graph to `path`; false (with a console line) if it cannot.
bool write_vm_dot(umach::vm::VmMap& map, const std::string& path) {
  // Sized first (the program has ended: the map no longer changes).
  std::string dot(umach::vm::dump_dot(map, nullptr, 0) + 1, '\0');
  dot.resize(umach::vm::dump_dot(map, dot.data(), dot.size()));
  FILE* f = fopen(path.c_str(), "w");
  bool ok = f && fwrite(dot.data(), 1, dot.size(), f) == dot.size();
  if (f && fclose(f) != 0) ok = false;
  if (!ok) umach::klog("umach: cannot write the VM graph to %s\n", path.c_str());
  return ok;
}

// --run's task, loaded by main() on the host thread before the machine
// runs: TestTask::load reads the file through a 64 KiB stack buffer, more
// than a kernel stack holds.
std::unique_ptr<umach::hosted::TestTask> g_run_task;

void load_program(const Options& o) {
  auto loaded = umach::hosted::TestTask::load(o.run[0], o.run);
  if (!loaded.ok()) {
    fmt::print(stderr, "umach: cannot load {} (error {})\n", o.run[0], loaded.error());
    exit(1);
  }
  g_run_task = std::move(loaded.value());
  g_umach_run_map = &g_run_task->map();
}

// --run: runs the loaded program's thread to its end, draws its map if
// asked; true if it terminated normally (and the graph was written).
bool run_program(const Options& o) {
  umach::hosted::TestTask& task = *g_run_task;
  auto thread = task.start_thread(umach::sched::kPriorityUser);
  if (thread.ok()) umach::sched::thread_join(*thread.value());
  bool ok = thread.ok() && task.end_reason() == "terminated";
  if (!ok) {
    umach::klog("umach: %s ended: %s\n", o.run[0].c_str(),
                thread.ok() ? task.end_reason().c_str() : "without a thread");
  }
  if (!o.vm_dot.empty() && !write_vm_dot(task.map(), o.vm_dot)) ok = false;
  g_umach_run_map = nullptr;
  g_run_task.reset();
  return ok;
}

}  // namespace

// The first kernel thread: today's demo runs the self-test table, or the
// program --run names.
static void kernel_main_thread(void* arg) {
  const Options& o = *static_cast<const Options*>(arg);
  if (!o.run.empty()) umach::Platform::poweroff(run_program(o) ? 0 : 1);
  auto sum = umach::run_selftests(o.selftest, o.filter.empty() ? nullptr : o.filter.c_str());
  if (!o.selftest) umach::klog("umach: no bootstrap task yet; powering off\n");
  umach::Platform::poweroff(sum.failed == 0 ? 0 : 1);
}

int main(int argc, char** argv) {
  static Options o = parse(argc, argv);
  umach::hosted::boot(o.boot);
  umach::kernel_bootstrap("hosted");
  umach::kernel_bootstrap_cpus(o.boot.vcpus);
  if (!o.run.empty()) load_program(o);
  auto first = umach::sched::kernel_thread("main", kernel_main_thread, &o);
  if (!first.ok()) umach::panic("cannot create the first kernel thread (%d)", first.error());
  // This host thread is CPU 0; the others start on their own threads.
  umach::hosted::start_vcpus(o.boot.vcpus, umach::sched::cpu_run);
  umach::sched::cpu_run(0);
}
