// vm/fault.h: resolving a fault (Mach's vm_fault).
//
// vm_fault(map, va, access): the page at va is made present in map's pmap
// with at most the entry's protection, so that `access` succeeds:
//   - the entry's object is made if it has none (zero-fill memory);
//   - a write to an entry with needs_copy first puts a shadow object over
//     its object (vm/map.h);
//   - the shadow chain is walked from the entry's object; a page found in
//     the top object is entered as it is; one found further down is
//     entered read-only for a read, and copied up into the top object for
//     a write (copy-on-write); a page found nowhere is zero-filled in the
//     top object;
//   - before the top object's page at that offset changes (a write, or a
//     copy landing over what showed through), the copy-object push gives
//     the object's copy (COPY_DELAY) the old contents;
//   - a page is entered writable only if the write needs nothing more: no
//     needs_copy, and the object's copy already has its own page there.
// Errors: KERN_INVALID_ADDRESS (no entry), KERN_PROTECTION_FAILURE (the
// entry forbids the access), KERN_RESOURCE_SHORTAGE (no memory; nothing
// changed that matters: the fault can be retried).
#pragma once

#include <stdint.h>

#include "mach/kern_return.h"
#include "vm/map.h"
#include "vm/pageout.h"
#include "vm/pager.h"

namespace umach::vm {

kern_return_t vm_fault(VmMap& map, uint64_t va, unsigned access) UMACH_EXCLUDES(g_vm_lock);

// The same under the lock. `enter`: map the page (a user fault); without
// it the kernel only wants the page (to read or write it through the
// direct map: vm_write, copies into a task that is not resident).
// `wire`: the page gains a wiring. The page is stored in *out if given.
// A page a pager must give first: kFaultMustWait, with *wait saying what
// to wait for (with_pager_waits); KERN_MEMORY_ERROR if wait is null.
kern_return_t fault_locked(VmMap& map, uint64_t va, unsigned access, bool enter, bool wire, VmPage** out,
                           PagerWait* wait) UMACH_REQUIRES(g_vm_lock);
// Wires e's pages (faulting them in, as fault_locked with `wait`); the
// entry counts once (vm_user.cc).
kern_return_t wire_entry(VmMap& map, VmMapEntry* e, PagerWait* wait) UMACH_REQUIRES(g_vm_lock);

// Runs op(PagerWait*), which takes the VM lock itself and may answer
// kFaultMustWait (from fault_locked), until it answers anything else:
// each time it waits for the pager with the lock dropped and runs op
// again (op must be able to start over). KERN_ABORTED if a wait was
// interrupted (thread_abort).
// Memory short (KERN_RESOURCE_SHORTAGE): pages are paged out and op runs
// again, while pageout frees some (vm/pageout.h); after a success, pages
// are paged out if free memory is under its low target.
// A copy that needs pager records for COPY_CALL copies (kNeedCopyPagers,
// vm/copy.h): they are made and op runs again.
template <class Op>
kern_return_t with_pager_waits(Op&& op) UMACH_EXCLUDES(g_vm_lock) {
  CopyPagers copies;
  CopyScan scan;
  for (unsigned short_tries = 0;;) {
    PagerWait wait;
    wait.copies = &copies;
    wait.scan = &scan;
    kern_return_t kr = op(&wait);
    if (kr == KERN_RESOURCE_SHORTAGE && short_tries++ < 8 && pageout(pageout_targets().high) > 0) continue;
    if (kr == kNeedCopyPagers) {
      if (copies.make(copies.wanted)) continue;
      kr = KERN_RESOURCE_SHORTAGE;
    }
    if (kr != kFaultMustWait) {
      reap_pagers();
      if (kr == KERN_SUCCESS) pageout_if_low();
      return kr;
    }
    kr = pager_wait(wait);
    if (kr != KERN_SUCCESS) return kr;
  }
}

// Kernel access to a map's memory through its physical pages, page by
// page (faulting them in as a user access would, never through the
// task's mappings). KERN_* as vm_fault.
kern_return_t map_read(VmMap& map, uint64_t va, void* buf, size_t n) UMACH_EXCLUDES(g_vm_lock);
// map_read that never waits (for a pager, or for memory), for a caller
// holding a spinlock: a page a pager has not given is KERN_MEMORY_ERROR,
// no memory for a zero-fill or copy-on-write page KERN_RESOURCE_SHORTAGE.
// Such a caller reads with map_read first, unlocked, and looks again.
kern_return_t map_read_now(VmMap& map, uint64_t va, void* buf, size_t n) UMACH_EXCLUDES(g_vm_lock);
kern_return_t map_write(VmMap& map, uint64_t va, const void* buf, size_t n) UMACH_EXCLUDES(g_vm_lock);

}  // namespace umach::vm
