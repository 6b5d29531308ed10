// vm/vm_lock.h: the VM's one lock.
//
// Every map, object, page, pv entry and copy of the VM is guarded by one
// sleeping lock, g_vm_lock. Why one: the VM's correctness must be beyond
// doubt, and with no pager to wait for yet (external pagers come with the
// pagers issue) no VM operation blocks while holding it, so finer locks
// would buy only parallelism between faults of different tasks, at the
// price of Mach's object-lock dance (busy pages, paging_in_progress,
// lock-ordered shadow walks). The pagers issue, whose faults wait for
// data_request replies, is where the lock gets split, and DESIGN notes in
// vm/object.h say which fields would move under which lock.
//
// It is a spinlock (rank kVm, core/lock_order.h): nothing under it waits,
// the longest hold is a copy of the pages of one region, and the leak
// audits and boot code take it outside any thread. It nests outside the
// pmap's lock, the zones and the page allocator, and inside the IPC locks:
// a message destroyed as its port dies (under the space's lock) discards
// its out-of-line copies there. Nothing under it takes an IPC lock, so
// the kernel never sends a message holding it (the pagers issue must drop
// it to talk to a pager). When faults wait for pagers, the waiting
// happens with the lock dropped, on busy pages. A known cost: a huge
// queued region torn down by a port's death holds the space's lock as
// long as the teardown takes.
#pragma once

#include "core/spinlock.h"

namespace umach::vm {

extern Spinlock g_vm_lock;

}  // namespace umach::vm
