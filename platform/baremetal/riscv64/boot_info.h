// platform/baremetal/riscv64/boot_info.h: what the kernel learns from the
// device tree at boot: RAM, the regions the firmware keeps, the clock rate,
// the real-time clock.
#pragma once

#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/riscv64/fdt.h"

namespace umach::riscv64 {

struct BootInfo {
  static constexpr unsigned kMaxRegions = 32;

  PhysRange memory[kMaxRegions];    // /memory nodes' reg
  unsigned memory_count = 0;
  PhysRange reserved[kMaxRegions];  // the reservation block and /reserved-memory children
  unsigned reserved_count = 0;
  uint64_t timebase_hz = 0;         // /cpus (or a /cpus/cpu) timebase-frequency
  uint64_t rtc_base = 0;            // a "google,goldfish-rtc" node's registers (QEMU virt), or 0
  bool truncated = false;           // more regions than kMaxRegions: some were dropped
};

// Fills `info` from the tree; false if the tree is malformed.
bool read_boot_info(const Fdt& fdt, BootInfo& info);

}  // namespace umach::riscv64
