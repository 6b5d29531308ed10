// platform/baremetal/amd64/boot_memory.h: physical memory at boot, from the
// PVH start info (boot_memory.cc).
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Reads the memory map from the hvm_start_info at physical `start_info`
// (boot.S passes the loader's %ebx) and records the RAM the page allocator
// may own: Backend::phys_ranges() returns it. Panics if the start info is
// not one or has no memory map. Call once, before kernel_main.
void boot_memory_init(uint32_t start_info);

}  // namespace umach::amd64
