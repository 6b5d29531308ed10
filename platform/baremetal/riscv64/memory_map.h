// platform/baremetal/riscv64/memory_map.h: the usable RAM the platform
// reports through Platform::phys_ranges().
#pragma once

#include "platform/baremetal/riscv64/boot_info.h"

namespace umach::riscv64 {

// RAM from `info` minus its reserved regions, minus everything below the end
// of the kernel image (OpenSBI lives below the image), minus the device
// tree blob at [dtb, dtb + dtb_size) and minus everything from the end of
// the identity map (pmap.h: the direct map must reach every page); page
// aligned, sorted, disjoint. Called once at boot, before phys_ranges().
void memory_map_init(const BootInfo& info, uint64_t dtb, uint64_t dtb_size);

}  // namespace umach::riscv64
