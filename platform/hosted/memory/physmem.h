// platform/hosted/memory/physmem.h: host mappings of physical memory, the
// only place in platform/hosted/memory that calls mmap.
//
// Physical memory is the memfd machine.cc creates at boot (physical address
// = kPhysBase + offset in the memfd). A task page is that memfd mapped
// MAP_SHARED at the task's address, so the kernel's direct map and every
// task see the same bytes. Rules:
//   - a range of a task window is always either a mapping of the memfd or a
//     PROT_NONE reservation, never unreserved (another host allocation could
//     land there and a task would scribble on it);
//   - every range of physical memory mapped here is unpoisoned for ASan, and
//     the pmap unpoisons every run it unmaps (pmap_runs.cc): stale poison
//     from an earlier use of the range would make ASan report a task's
//     (or the kernel's) access to it. Reservations themselves are not
//     unpoisoned: only mapped ranges can have been poisoned, and
//     unpoisoning a whole window costs an eighth of its size in shadow
//     writes (seconds for 64 GiB).
// No locking here: the callers (Pmap, WindowAllocator) serialise.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"

namespace umach::hosted {

using vaddr_t = uintptr_t;  // a task (host) virtual address

// Mach protections as bits; the same values as VM_PROT_READ/WRITE/EXECUTE.
enum : unsigned { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExecute = 4 };

inline constexpr size_t kPageSize = 4096;

inline constexpr vaddr_t page_trunc(vaddr_t v) { return v & ~(kPageSize - 1); }
inline constexpr vaddr_t page_round(vaddr_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

// The memfd behind physical memory. Found once: machine.cc keeps the
// descriptor open but does not export it yet; until it does, this finds it
// by name in /proc/self/fd (the memfd is named "umach-physmem").
int physmem_fd();

// Maps [pa, pa + size) at va with `prot` (kProt* bits), replacing whatever
// was there. False on a host failure (errno says why).
[[nodiscard]] bool map_physical(vaddr_t va, paddr_t pa, size_t size, unsigned prot);

// Changes the host protection of [va, va + size).
[[nodiscard]] bool protect_host(vaddr_t va, size_t size, unsigned prot);

// Replaces [va, va + size) with a PROT_NONE reservation.
[[nodiscard]] bool reserve_host(vaddr_t va, size_t size);

// Reserves [va, va + size) only if nothing is mapped there (and, under
// TSan, only inside its application memory). False if anything is.
[[nodiscard]] bool reserve_host_if_free(vaddr_t va, size_t size);

// Gives a reservation back to the host.
void release_host(vaddr_t va, size_t size);

// Counts the lines of /proc/self/maps: the host's own count of mappings,
// which vm.max_map_count limits.
size_t host_map_count();

}  // namespace umach::hosted
