// platform/baremetal/common/machine_traits.h: the parts of the platform
// contract that both bare-metal ISAs meet the same way; each ISA's Backend
// inherits them.
//
// The direct map is the identity (each ISA's early boot maps RAM at its
// physical address), so zones' slab alignment in virtual space is the same
// alignment in physical space. There is no memory checker on bare metal.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"

namespace umach::baremetal {

struct IdentityDirectMap {
  static constexpr size_t kPageSize = 4096;
  // Firmware and boot loaders leave RAM as they please: zero it on use.
  static constexpr bool kRamZeroAtBoot = false;
  static void* phys_to_virt(paddr_t pa) { return reinterpret_cast<void*>(static_cast<uintptr_t>(pa)); }
  static paddr_t virt_to_phys(const void* va) { return reinterpret_cast<uintptr_t>(va); }
};

struct NoMemoryChecker {
  static constexpr bool kMemoryChecker = false;
  static void poison(const void*, size_t) {}
  static void unpoison(const void*, size_t) {}
};

}  // namespace umach::baremetal
