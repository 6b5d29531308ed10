// platform/baremetal/common/kmain.cc: what a bare-metal image does once its
// ISA-specific entry has a stack, a console and the memory map: run the
// global constructors, bring up the core, run the self-test table (the same
// one hosted runs) and power off with the verdict. The test command reads
// the closing line "N passed, N failed" from the serial console.
#include "core/boot.h"
#include "core/platform/platform.h"
#include "core/selftest.h"
#include "platform/baremetal/common/kmain.h"

extern "C" {
using InitFn = void (*)();
extern InitFn __init_array_start[];
extern InitFn __init_array_end[];
}

namespace umach::baremetal {

void kernel_main(const char* platform_name) {
  for (InitFn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
  kernel_bootstrap(platform_name);
  SelfTestSummary sum = run_selftests(true);
  Platform::poweroff(sum.failed == 0 && sum.passed > 0 ? 0 : 1);
}

}  // namespace umach::baremetal
