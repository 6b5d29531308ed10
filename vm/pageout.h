// vm/pageout.h: pageout: keeping physical pages free by moving the least
// recently used ones out: to the swap area (anonymous memory: the kernel's
// default pager, vm/swap.h) or back to their pager (vm/pager.h).
//
// Queues (vm/page.h): a page enters the active queue when it is made or
// faulted; pageout moves the oldest active pages to the inactive queue,
// removing their mappings as it does. That is the referenced bit: a page
// used again faults (a soft fault: it is still resident), which puts it
// back on the active queue; a page still inactive when pageout reaches it
// was not used since and leaves:
//   - a page of an object with no pager is written to its swap slot
//     (unless it is clean and its slot holds it already) and its memory
//     freed; the page keeps its place in its object (pa 0) and the next
//     use reads it back (page_resident);
//   - a pager's page: dirty or precious, it goes back with
//     memory_object_data_return (the pager keeps it from now on); clean,
//     it is dropped (the pager has it);
//   - wired pages never leave.
// Umach's pmaps have no referenced bits the VM reads: unmapping stands
// for clearing one, on every platform alike.
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

}  // namespace umach::vm
