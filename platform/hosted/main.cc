// platform/hosted/main.cc: the `umach` executable: boots the kernel as a
// Linux process.
//
//   umach                  the default demo: boot, run the five examples
//                          (examples/, all but bootstrap) one after
//                          another, each under a heading and with how it
//                          ended, then the self-test table quietly; power
//                          off. The exit
//                          status is 0 if every example terminated normally
//                          and every self-test passed.
//   umach run PROGRAM [ARG...]
//                          boot with one task program as the bootstrap task
//                          (bootstrap_task.h: send rights to the host-priv
//                          and device master ports, ${host-port} and
//                          ${device-port} in ARGs replaced by their names):
//                          a built-in example by name (examples.h), or a
//                          path. Ends with a line saying how the program
//                          ended; the exit status is 0 if it terminated
//                          normally, 1 if not. Every option comes before
//                          `run`. `--run` is the same command.
//   umach list             the built-in examples, one line each
//   umach --selftest       run the self-test table, one line per test
//   umach --selftest=NAME  only the tests whose name contains NAME
//   umach --memory=MiB     physical memory size (default 256)
//   umach --swap=MiB       the default pager's swap area (default 1024)
//   umach --vcpus N        simulated CPUs, 1 to 64 (default 1); also --vcpus=N.
//                          Stored in BootOptions; the scheduler starts them.
//   umach --address-model=window|shared
//                          each task in its own host address window (default),
//                          or every task in one range (full Mach fidelity, a
//                          mapping swap per task switch); see
//                          platform/hosted/memory/address_window.h.
//   umach --trace ipc      print every message sent, by tasks and by the
//                          kernel (ipc/trace.h); also --trace=ipc.
//   umach --vm-dot=FILE    with run: when the program's thread has ended,
//                          write its map and object graph (vm/dot.h) to FILE
//                          as Graphviz dot, before the task is torn down.
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
#include "ipc/trace.h"
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/examples.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/task/test_task.h"
#include "vm/dot.h"

namespace {

using umach::hosted::TestTask;

struct Options {
  umach::hosted::BootOptions boot;
  bool selftest = false;
  std::string filter;
  std::vector<std::string> run;  // run: the program and its arguments
  std::string vm_dot;            // --vm-dot: where its map's graph goes
};

[[noreturn]] void usage(int status) {
  fmt::print(status ? stderr : stdout,
             "usage: umach [OPTION...]                     the default demo: the examples, then the self-tests\n"
             "       umach [OPTION...] run PROGRAM [ARG...]  boot with PROGRAM (an example's name, or a path)\n"
             "       umach list                            the built-in examples\n"
             "options: [--selftest[=NAME]] [--memory=MiB] [--swap=MiB] [--vcpus N] [--precise-fp] [--address-model=window|shared]\n"
             "         [--trace ipc] [--vm-dot=FILE]\n"
             "  --selftest[=NAME]  run the in-kernel self-test table (tests matching NAME)\n"
             "  --memory=MiB       physical memory, 16 to 65536 MiB (default 256)\n"
             "  --swap=MiB         the default pager's swap area (default 1024; 0: none)\n"
             "  --vcpus N          simulated CPUs (host threads), 1 to {} (default 1)\n"
             "  --precise-fp       save the whole FP/vector state at every trap call\n"
             "  --address-model=M  window: a host address window per task (default);\n"
             "                     shared: every task in one range, swapped at each switch\n"
             "  --trace ipc        print every message sent (id, routine, ports, size)\n"
             "  --run PROGRAM ...  the same as run PROGRAM ...\n"
             "  --vm-dot=FILE      with run: write the program's VM map as Graphviz dot to FILE\n"
             "                     when its thread has ended\n"
             "In PROGRAM's arguments ${{host-port}} and ${{device-port}} name its send rights to the\n"
             "host-privileged and device master ports.\n",
             umach::Platform::kMaxCpus);
  exit(status);
}

[[noreturn]] void list_examples() {
  for (const umach::hosted::Example& e : umach::hosted::builtin_examples())
    fmt::print("{:<18} {}{}\n", e.name, e.description, e.in_demo ? "" : " (not in the demo)");
  exit(0);
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

void parse_trace(const std::string& what) {
  if (what != "ipc") {
    fmt::print(stderr, "umach: --trace takes ipc, not '{}'\n", what);
    exit(2);
  }
  umach::ipc::g_trace_ipc = true;  // before any CPU runs (ipc/trace.h)
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
    } else if (a.rfind("--swap=", 0) == 0) {
      char* end = nullptr;
      unsigned long mib = strtoul(a.c_str() + 7, &end, 10);
      if (*end || a.size() == 7 || mib > 1048576) {
        fmt::print(stderr, "umach: --swap takes 0 to 1048576 (MiB), not '{}'\n", a.substr(7));
        exit(2);
      }
      o.boot.swap_bytes = mib << 20;
    } else if (a == "--vcpus" || a == "--trace") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "umach: {} needs a value\n", a);
        usage(2);
      }
      if (a == "--vcpus") o.boot.vcpus = parse_vcpus(argv[++i]);
      else parse_trace(argv[++i]);
    } else if (a.rfind("--vcpus=", 0) == 0) {
      o.boot.vcpus = parse_vcpus(a.substr(8));
    } else if (a.rfind("--trace=", 0) == 0) {
      parse_trace(a.substr(8));
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
    } else if (a == "run" || a == "--run") {
      if (i + 1 >= argc) {
        fmt::print(stderr, "umach: {} needs a program\n", a);
        usage(2);
      }
      o.run.assign(argv + i + 1, argv + argc);  // the rest is the program's argv
      break;
    } else if (a == "list") {
      list_examples();
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

// The map of the program `run` runs, while it is loaded (for the gdb
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

// A program to boot: its name in reports, and its task, loaded by main()
// on the host thread before the machine runs (TestTask::load reads the
// file through a 64 KiB stack buffer, more than a kernel stack holds).
struct Program {
  std::string name;
  const umach::hosted::Example* example = nullptr;  // a built-in one's entry
  std::unique_ptr<TestTask> task;
};
std::vector<Program> g_programs;

// Loads `argv` (argv[0]: an example's name or a path) as a bootstrap task.
Program load_program(std::vector<std::string> argv) {
  Program p{argv[0], umach::hosted::find_example(argv[0]), nullptr};
  std::string path = argv[0];
  if (p.example) {
    path = umach::hosted::example_path(p.example->name);
    if (path.empty()) {
      fmt::print(stderr, "umach: the example {} is not built (build the umach target)\n", p.name);
      exit(1);
    }
    if (argv.size() == 1 && *p.example->args) {
      std::string args = p.example->args;
      for (size_t at = 0; at < args.size();) {
        size_t space = args.find(' ', at);
        if (space == std::string::npos) space = args.size();
        argv.push_back(args.substr(at, space - at));
        at = space + 1;
      }
    }
  }
  auto loaded = umach::hosted::load_bootstrap_task(path, argv);
  if (!loaded.ok()) {
    fmt::print(stderr, "umach: cannot load {} (error {})\n", path, loaded.error());
    exit(1);
  }
  p.task = std::move(loaded).take();
  return p;
}

// run: runs the loaded program to its end, draws its map if asked,
// reports how it ended; true if it terminated normally (and the graph was
// written).
bool run_program(const Options& o) {
  Program& p = g_programs.front();
  g_umach_run_map = &p.task->map();
  const std::string reason = umach::hosted::run_to_end(*p.task);
  bool ok = reason == "terminated";
  if (!o.vm_dot.empty() && !write_vm_dot(p.task->map(), o.vm_dot)) ok = false;
  g_umach_run_map = nullptr;
  p.task.reset();
  umach::klog("umach: %s\n", umach::hosted::end_report(p.name, reason).c_str());
  return ok;
}

// The default demo: each example under a heading, with how it ended;
// true if all terminated normally.
bool run_demo() {
  bool ok = true;
  for (Program& p : g_programs) {
    umach::klog("\n=== %s: %s ===\n", p.name.c_str(), p.example->description);
    const std::string reason = umach::hosted::run_to_end(*p.task);
    p.task.reset();
    umach::klog("umach: %s\n", umach::hosted::end_report(p.name, reason).c_str());
    ok = ok && reason == "terminated";
  }
  umach::klog("\n=== the in-kernel self-test table ===\n");
  return ok;
}

}  // namespace

// The first kernel thread: the program `run` names, or the default demo.
static void kernel_main_thread(void* arg) {
  const Options& o = *static_cast<const Options*>(arg);
  if (!o.run.empty()) umach::Platform::poweroff(run_program(o) ? 0 : 1);
  const bool demo_ok = o.selftest || run_demo();
  auto sum = umach::run_selftests(o.selftest, o.filter.empty() ? nullptr : o.filter.c_str());
  umach::Platform::poweroff(demo_ok && sum.failed == 0 ? 0 : 1);
}

int main(int argc, char** argv) {
  static Options o = parse(argc, argv);
  umach::hosted::boot(o.boot);
  umach::kernel_bootstrap("hosted");
  umach::kernel_bootstrap_cpus(o.boot.vcpus);
  if (!o.run.empty()) {
    g_programs.push_back(load_program(o.run));
  } else if (!o.selftest) {
    for (const umach::hosted::Example& e : umach::hosted::builtin_examples())
      if (e.in_demo) g_programs.push_back(load_program({e.name}));
  }
  auto first = umach::sched::kernel_thread("main", kernel_main_thread, &o);
  if (!first.ok()) umach::panic("cannot create the first kernel thread (%d)", first.error());
  // This host thread is CPU 0; the others start on their own threads.
  umach::hosted::start_vcpus(o.boot.vcpus, umach::sched::cpu_run);
  umach::sched::cpu_run(0);
}
