// vm/page.h: the page database: resident pages, their queues, and the
// record of where each page is mapped (pv entries).
//
// A VmPage describes one physical page the VM owns: it sits in exactly one
// object at one offset (vm/object.h), or on the free queue. Queues, as in
// Mach: active (in an object, recently used), inactive (in an object,
// candidates for pageout, vm/pageout.h), free (a
// small cache of free pages kept off the page allocator, so a fault takes
// a page without touching the allocator's bitmap; drained by vm::drain()).
//
// Pv entries record every pmap_enter the VM made: (map, va) -> page, in a
// list per page and a tree per map. They make pmap_page_protect (lower
// the protection of every mapping of a page, in every map: copy-on-write
// needs it) and range removal exact without asking the platform for
// reverse maps, so each backend's pmap stays a plain page table.
//
// Everything here is guarded by g_vm_lock (vm/vm_lock.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/avl_tree.h"
#include "core/kassert.h"
#include "core/list.h"
#include "core/platform/platform.h"
#include "core/result.h"
#include "mach/vm_prot.h"
#include "vm/vm_lock.h"

namespace umach::vm {

class VmObject;
class VmMap;
struct VmPage;

inline constexpr size_t kPageSize = Platform::kPageSize;
inline constexpr uint64_t page_trunc(uint64_t v) { return v & ~uint64_t{kPageSize - 1}; }
inline constexpr uint64_t page_round(uint64_t v) { return (v + kPageSize - 1) & ~uint64_t{kPageSize - 1}; }

// One mapping of a page: the page is entered at `va` in `map`'s pmap with
// `prot`.
struct PvEntry {
  VmPage* page = nullptr;
  VmMap* map = nullptr;
  uint64_t va = 0;
  unsigned prot = 0;
  PvEntry* next = nullptr;  // the page's next mapping
  AvlNode by_va;            // in the map's tree of mappings
  struct Key {
    static uint64_t key(const PvEntry& p) { return p.va; }
  };
};

enum class PageQueue : uint8_t { kNone, kActive, kInactive, kFree };

struct VmPage {
  paddr_t pa = 0;  // 0: paged out (its contents in swap_slot): see page_resident
  VmObject* object = nullptr;
  uint64_t offset = 0;  // in object; the key of by_offset
  AvlNode by_offset;
  ListNode queue_link;
  PageQueue queue = PageQueue::kNone;
  uint32_t wire_count = 0;  // wired mappings: the page may not leave
  PvEntry* mappings = nullptr;
  // For a pager's pages (vm/pager.h): entered writable or written by the
  // kernel since its pager last had it; the pager keeps no copy (returned
  // before it is dropped, dirty or not); the accesses its pager locked
  // (data_supply's lock_value, lock_request): a fault wanting one of
  // them asks memory_object_data_unlock first.
  bool dirty = false;
  bool precious = false;
  uint8_t page_lock = VM_PROT_NONE;
  // For anonymous memory (vm/pageout.h): its copy in the swap area (0:
  // none). A page paged out keeps its place in its object with pa 0; one
  // paged in keeps its slot while clean (its next pageout writes nothing).
  uint32_t swap_slot = 0;

  void* data() const {
    kassert(pa != 0);  // paged out: page_resident first
    return Platform::phys_to_virt(pa);
  }
  struct Key {
    static uint64_t key(const VmPage& p) { return p.offset; }
  };
};

// A page for an object: from the free queue, else the allocator. Zeroed if
// `zero`. Null (with nothing changed) when memory is short.
VmPage* page_grab(bool zero) UMACH_REQUIRES(g_vm_lock);
// Gives a page back (it must be out of every object and unmapped), with
// its swap slot.
void page_release(VmPage* page) UMACH_REQUIRES(g_vm_lock);
// Makes a page's contents resident (a page paged out is read back from
// its slot, which it keeps, clean). False when memory is short. Every use
// of page->data() or page->pa on a page found in an object comes after it.
[[nodiscard]] bool page_resident(VmPage* page) UMACH_REQUIRES(g_vm_lock);
// Pages out `page` (resident, unmapped, unwired, of an object with no
// pager): writes it to a slot unless its slot already holds it, and
// frees its memory. False if the swap area is full.
[[nodiscard]] bool page_evict(VmPage* page) UMACH_REQUIRES(g_vm_lock);
void page_activate(VmPage* page) UMACH_REQUIRES(g_vm_lock);

// Enters `page` at va in map's pmap with prot (replacing whatever mapping
// was there, and its pv entry). False when memory is short.
[[nodiscard]] bool page_enter(VmMap& map, uint64_t va, VmPage* page, unsigned prot, unsigned access)
    UMACH_REQUIRES(g_vm_lock);
// Lowers every mapping of `page` to `prot` (VM_PROT_NONE removes them).
void page_protect(VmPage* page, unsigned prot) UMACH_REQUIRES(g_vm_lock);
// Removes the mappings of `page` that show it through a shadow chain (the
// map entry's object is not the page's): after an object above it gained
// its own page at that offset, those maps must fault and find the new one.
// A wired entry's mapping and wiring move to that page at once (if it is
// resident). Its own object's mappings (wired ones included) stay.
void page_unmap_borrowed(VmPage* page) UMACH_REQUIRES(g_vm_lock);
// Removes map's mappings in [start, end) (and their pv entries).
void map_unmap(VmMap& map, uint64_t start, uint64_t end) UMACH_REQUIRES(g_vm_lock);
// Lowers map's mappings in [start, end) to at most `prot`.
void map_protect_mappings(VmMap& map, uint64_t start, uint64_t end, unsigned prot) UMACH_REQUIRES(g_vm_lock);

struct PageCounts {
  size_t active = 0, inactive = 0, free = 0, wired = 0, pv = 0;
  size_t paged_out = 0;  // pages of objects whose contents are in swap only
};
// The page queues, oldest first, for pageout (vm/pageout.cc).
VmPage* active_front() UMACH_REQUIRES(g_vm_lock);
VmPage* inactive_front() UMACH_REQUIRES(g_vm_lock);
VmPage* queue_next(const VmPage& page) UMACH_REQUIRES(g_vm_lock);
void page_deactivate(VmPage* page) UMACH_REQUIRES(g_vm_lock);
size_t active_count() UMACH_REQUIRES(g_vm_lock);
size_t inactive_count() UMACH_REQUIRES(g_vm_lock);
PageCounts page_counts() UMACH_EXCLUDES(g_vm_lock);

// Returns the free queue's pages to the allocator (leak audits, pageout).
void drain() UMACH_EXCLUDES(g_vm_lock);

// Statistics for vm_statistics (vm/vm_user.cc): counted under g_vm_lock.
struct VmCounters {
  uint64_t faults = 0, zero_fill = 0, cow_faults = 0, reactivations = 0, lookups = 0, hits = 0;
  uint64_t pageins = 0, pageouts = 0;
  uint64_t returns_unsent = 0;  // returns whose message found no memory (pager.cc's return_unsent)
};
extern VmCounters g_counters UMACH_GUARDED_BY(g_vm_lock);

}  // namespace umach::vm
