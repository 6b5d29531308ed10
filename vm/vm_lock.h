// vm/vm_lock.h: the VM's one lock.
//
// Every map, object, page, pv entry, copy, pager record and swap slot of
// the VM is guarded by one lock, g_vm_lock. Why one: the VM's correctness
// must be beyond doubt, and nothing holding it ever waits, so finer locks
// would buy only parallelism between faults of different tasks, at the
// price of Mach's object-lock dance (busy pages, paging_in_progress,
// lock-ordered shadow walks).
//
// Faults that need a pager (vm/pager.h) do wait, but never holding it:
// the fault records its request under the lock, drops it, sends
// memory_object_data_request, sleeps on the pagers' wait queue (a sequence
// number read under the lock says whether anything changed meanwhile: the
// lock ranks after every wait queue, so wakers bump the number under it
// and wake after dropping it), and starts over (with_pager_waits,
// vm/fault.h). Pageout (vm/pageout.h) writes to the swap under it (a copy:
// no waiting) and queues data_returns to pagers, sent once it is dropped.
//
// It is a spinlock (rank kVm, core/lock_order.h): the longest hold is a
// copy of the pages of one region or a pageout pass, and the leak audits
// and boot code take it outside any thread. It nests outside the pmap's
// lock, the zones and the page allocator, and inside the IPC locks: a
// message destroyed as its port dies (under the space's lock) discards
// its out-of-line copies there. Nothing under it takes an IPC lock or a
// wait queue's lock, so the kernel never sends a message or wakes a thread
// holding it. A known cost: a huge queued region torn down by a port's
// death holds the space's lock as long as the teardown takes.
#pragma once

#include "core/spinlock.h"

namespace umach::vm {

extern Spinlock g_vm_lock;

}  // namespace umach::vm
