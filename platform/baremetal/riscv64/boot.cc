// platform/baremetal/riscv64/boot.cc: the boot hart's first C++.
//
// entry.S arrives here with a stack, a clear .bss, paging on (identity) and
// the trap vector installed. This records the boot root for pmaps, reads
// the device tree for RAM and the clock rate, starts the timer (which turns
// interrupts on: the trap vector is ready), then hands over to the common
// bare-metal boot. A missing or corrupt device tree is fatal: without it
// the kernel knows no RAM.
#include "core/kassert.h"
#include "core/log.h"
#include "platform/baremetal/common/kmain.h"
#include "platform/baremetal/riscv64/boot_info.h"
#include "platform/baremetal/riscv64/clock.h"
#include "platform/baremetal/riscv64/fdt.h"
#include "platform/baremetal/riscv64/memory_map.h"
#include "platform/baremetal/riscv64/pmap.h"
#include "platform/baremetal/riscv64/timer.h"

namespace umach::riscv64 {
namespace {

// Large enough to keep off the boot stack; read only during boot.
BootInfo g_boot_info;

void log_boot_info(const BootInfo& info, uint64_t dtb, uint32_t dtb_size) {
  klog("riscv64: device tree at %#llx (%u bytes), timebase %llu Hz\n", static_cast<unsigned long long>(dtb), dtb_size,
       static_cast<unsigned long long>(info.timebase_hz));
  for (unsigned i = 0; i < info.reserved_count; ++i)
    klog("riscv64: reserved %#llx-%#llx\n", static_cast<unsigned long long>(info.reserved[i].base),
         static_cast<unsigned long long>(info.reserved[i].base + info.reserved[i].size - 1));
  if (info.truncated) klog("riscv64: device tree lists more regions than %u; some are ignored\n", BootInfo::kMaxRegions);
}

}  // namespace
}  // namespace umach::riscv64

extern "C" [[noreturn]] void riscv64_boot(uint64_t hart_id, uint64_t dtb) {
  using namespace umach::riscv64;
  umach::klog("riscv64: boot hart %llu\n", static_cast<unsigned long long>(hart_id));
  pmap_init();

  Fdt fdt(reinterpret_cast<const void*>(static_cast<uintptr_t>(dtb)));
  if (!fdt.valid()) umach::panic("riscv64: no valid device tree at %#llx", static_cast<unsigned long long>(dtb));
  if (!read_boot_info(fdt, g_boot_info)) umach::panic("riscv64: malformed device tree at %#llx", static_cast<unsigned long long>(dtb));
  if (g_boot_info.memory_count == 0) umach::panic("riscv64: the device tree lists no memory");
  if (g_boot_info.timebase_hz == 0) umach::panic("riscv64: the device tree gives no timebase-frequency");
  log_boot_info(g_boot_info, dtb, fdt.total_size());

  memory_map_init(g_boot_info, dtb, fdt.total_size());
  clock_init(g_boot_info.timebase_hz);
  clock_set_rtc(g_boot_info.rtc_base);
  timer_init();
  umach::baremetal::kernel_main("riscv64");
}
