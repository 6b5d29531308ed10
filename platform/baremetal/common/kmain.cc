// platform/baremetal/common/kmain.cc: what a bare-metal image does once its
// ISA-specific entry has a stack, a console, the memory map and its timer:
// run the global constructors, bring up the core and the scheduler, and run
// the self-test table (the same one hosted runs) in the first kernel thread,
// then power off with the verdict. The boot stack becomes CPU 0's idle
// thread. The test command reads the closing line "N passed, N failed" from
// the serial console.
#include "core/boot.h"
#include "core/kassert.h"
#include "core/sched/sched.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "platform/baremetal/common/bare_task.h"
#include "platform/baremetal/common/kmain.h"

extern "C" {
using InitFn = void (*)();
extern InitFn __init_array_start[];
extern InitFn __init_array_end[];
}

namespace umach::baremetal {
namespace {

void selftest_main(void*) {
  SelfTestSummary sum = run_selftests(true);
  Platform::poweroff(sum.failed == 0 && sum.passed > 0 ? 0 : 1);
}

}  // namespace

void kernel_main(const char* platform_name) {
  for (InitFn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
  kernel_bootstrap(platform_name);
  kernel_bootstrap_cpus(1);  // one CPU until SMP bring-up lands
  bare_tasks_init();         // the commpage, task_create's runner
  auto first = sched::kernel_thread("selftest", selftest_main, nullptr);
  if (!first.ok()) panic("cannot create the first kernel thread (%d)", first.error());
  sched::cpu_run(0);
}

}  // namespace umach::baremetal
