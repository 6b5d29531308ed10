// vm/pageout.h: pageout: keeping physical pages free by moving the least
// recently used ones out: to the swap area (anonymous memory: the kernel's
// default pager, vm/swap.h) or back to their pager (vm/pager.h).
//
// Queues (vm/page.h): a page enters the active queue when it is made or
// faulted; pageout moves the oldest active pages to the inactive queue,
// clearing the referenced bit of each of their mappings as it does (the
// pmap's, Platform::pmap_test_and_clear_referenced; the mappings stay). A
// page used again sets it, through the pmap alone: the hardware's accessed
// bit on bare metal (or, where the hardware does not set it, a fault into
// vm_fault, which enters the page again and activates it), the hosted
// pmap's emulation (a fault the pmap resolves itself, hosted/memory/
// pmap.h); copyin and copyout go through the pmap too. The VM's own use
// of a page (a fault, map_read, map_write) activates it at once. When
// pageout reaches an inactive page it tests and
// clears the bits of its mappings: one set, and the page goes back to the
// active queue; none, and it was not used since: its mappings are removed
// and it leaves:
//   - a page of an object with no pager is written to its swap slot
//     (unless it is clean and its slot holds it already) and its memory
//     freed; the page keeps its place in its object (pa 0) and the next
//     use reads it back (page_resident). While a user default memory
//     manager is installed, anonymous memory's object goes to it first
//     and becomes a pager's (vm/pager.h);
//   - a pager's page: dirty or precious, it goes back with
//     memory_object_data_return (the pager keeps it from now on); clean,
//     it is dropped (the pager has it); a default manager's object's page
//     always goes (data_initialize the first time);
//   - wired pages never leave.
// A page that cannot leave at once (the swap area is full, no memory to
// queue its return) stays inactive with no mappings; its next use
// faults it back.
//
// When: a fault (and every VM operation run through with_pager_waits)
// that finds memory short frees pages and tries again; and after a fault,
// when the allocator's free pages fall under the low target, the faulting
// thread frees pages up to the high target (there is no pageout thread:
// the thread that needs memory pays for it).
#pragma once

#include <stddef.h>

#include "vm/vm_lock.h"

namespace umach::vm {

struct VmPage;

struct PageoutTargets {
  size_t low = 0;   // free pages under which a fault frees some
  size_t high = 0;  // what it frees up to
};
PageoutTargets pageout_targets();

// Frees up to `want` pages; returns how many it freed.
size_t pageout(size_t want) UMACH_EXCLUDES(g_vm_lock);
// After a fault: frees pages up to the high target if free pages are under
// the low one. Cheap when they are not.
void pageout_if_low() UMACH_EXCLUDES(g_vm_lock);
// Pageout's first step on one page: to the inactive queue, the referenced
// bits of its mappings cleared. Self-tests use it to stage a page.
void pageout_deactivate(VmPage* page) UMACH_REQUIRES(g_vm_lock);

}  // namespace umach::vm
