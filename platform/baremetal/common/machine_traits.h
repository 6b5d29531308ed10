// platform/baremetal/common/machine_traits.h: the parts of the platform
// contract that both bare-metal ISAs meet the same way; each ISA's Backend
// inherits them.
//
// The direct map is the identity (each ISA's early boot maps RAM at its
// physical address), so zones' slab alignment in virtual space is the same
// alignment in physical space. There is no memory checker on bare metal.
// Pmaps are page tables on both, declared here and defined once
// (common/page_table_pmaps.cc) over the shared code of common/pmap.h with
// the ISA's entries.
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

struct Pmap;  // common/pmap.h

struct PageTablePmaps {
  using Pmap = baremetal::Pmap;
  // `parent` is ignored: every bare-metal pmap has the same user range.
  static Pmap* pmap_create(Pmap* parent);
  static void pmap_destroy(Pmap* p);
  static uint64_t pmap_min(const Pmap& p);
  static uint64_t pmap_max(const Pmap& p);
  static bool pmap_enter(Pmap& p, uint64_t va, paddr_t pa, unsigned prot, unsigned access);
  static void pmap_protect(Pmap& p, uint64_t va, size_t size, unsigned prot);
  static void pmap_remove(Pmap& p, uint64_t va, size_t size);
  static paddr_t pmap_extract(const Pmap& p, uint64_t va);
  static bool pmap_test_and_clear_referenced(Pmap& p, uint64_t va);
  static void pmap_activate(const Pmap* p);
};

}  // namespace umach::baremetal
