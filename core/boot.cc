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
#include "vm/swap.h"

namespace umach {

void kernel_bootstrap(const char* platform_name) {
  cpu_init(0);
  // The swap area: the platform's own, or the top of the largest RAM
  // range where it has none (if that range stays four times as large).
  const auto reported = Platform::phys_ranges();
  kassert(reported.size() <= PageAllocator::kMaxRanges);
  PhysRange usable[PageAllocator::kMaxRanges];
  size_t count = 0;
  for (const PhysRange& r : reported) usable[count++] = r;
  size_t swap_bytes = 0;
  void* swap = Platform::swap_area(&swap_bytes);
  if (!swap && Platform::kSwapFromRam) {
    PhysRange* largest = nullptr;
    for (size_t i = 0; i < count; ++i)
      if (!largest || usable[i].size > largest->size) largest = &usable[i];
    if (largest && largest->size >= 4 * Platform::kSwapFromRam) {
      largest->size -= Platform::kSwapFromRam;
      swap = Platform::phys_to_virt(largest->base + largest->size);
      swap_bytes = Platform::kSwapFromRam;
    }
  }
  const kstd::Span<const PhysRange> ranges(usable, count);
  page_allocator().init(ranges);
  klog("umach: Mach 3 microkernel (%s)\n", platform_name);
  for (const PhysRange& r : ranges)
    klog("umach: memory %#llx-%#llx (%llu KiB)\n", static_cast<unsigned long long>(r.base),
         static_cast<unsigned long long>(r.base + r.size - 1), static_cast<unsigned long long>(r.size / 1024));
  klog("umach: %zu pages free of %zu\n", page_allocator().free_pages(), page_allocator().total_pages());
  vm::swap_init(swap, swap_bytes);
  host::init(platform_name);
  device::init();
}

void kernel_bootstrap_cpus(unsigned cpus) {
  sched::bootstrap(cpus);
  if (!processor::init()) panic("no memory for the processors' ports");
}

}  // namespace umach
