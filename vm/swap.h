// vm/swap.h: the swap area: the backing store of the kernel's default
// pager (vm/pageout.h), in page-sized slots.
//
// The platform gives the area (contract.h, BootMemory: a memfd of its own
// on hosted, a slice of RAM on bare metal), apart from the physical pool
// the page allocator owns. Its first pages hold the slots' bitmap (one bit
// a slot, set = in use); the slots follow. Slot numbers start at 1, so a
// page's swap_slot of 0 means it has none. Reads and writes are copies
// through the kernel's mapping of the area: they never wait.
//
// Guarded by g_vm_lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vm/vm_lock.h"

namespace umach::vm {

// Once at boot, before any fault; base null or bytes too small: no swap.
void swap_init(void* base, size_t bytes);

// A free slot, or 0 when the area is full (or there is none).
uint32_t swap_alloc() UMACH_REQUIRES(g_vm_lock);
void swap_free(uint32_t slot) UMACH_REQUIRES(g_vm_lock);
// One page to or from a slot.
void swap_write(uint32_t slot, const void* page) UMACH_REQUIRES(g_vm_lock);
void swap_read(uint32_t slot, void* page) UMACH_REQUIRES(g_vm_lock);

struct SwapCounts {
  size_t total = 0;  // slots
  size_t used = 0;
  uint64_t writes = 0, reads = 0;  // pageouts and pageins so far
};
SwapCounts swap_counts() UMACH_EXCLUDES(g_vm_lock);

}  // namespace umach::vm
