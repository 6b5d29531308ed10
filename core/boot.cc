// core/boot.cc: see boot.h.
#include "core/boot.h"

#include "core/cpu.h"
#include "core/kassert.h"
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/task/processor.h"
#include "device/devices.h"

namespace umach {

void kernel_bootstrap(const char* platform_name) {
  cpu_init(0);
  auto ranges = Platform::phys_ranges();
  page_allocator().init(ranges);
  klog("umach: Mach 3 microkernel (%s)\n", platform_name);
  for (const PhysRange& r : ranges)
    klog("umach: memory %#llx-%#llx (%llu KiB)\n", static_cast<unsigned long long>(r.base),
         static_cast<unsigned long long>(r.base + r.size - 1), static_cast<unsigned long long>(r.size / 1024));
  klog("umach: %zu pages free of %zu\n", page_allocator().free_pages(), page_allocator().total_pages());
  host::init(platform_name);
  device::init();
}

void kernel_bootstrap_cpus(unsigned cpus) {
  sched::bootstrap(cpus);
  if (!processor::init()) panic("no memory for the processors' ports");
}

}  // namespace umach
