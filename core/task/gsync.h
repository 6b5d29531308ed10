// core/task/gsync.h: GNU Mach's gsync, the kernel half of user-space locks
// (futexes): gsync_wait sleeps while a 32-bit word of the task's memory
// holds an expected value, gsync_wake wakes sleepers on an address,
// gsync_requeue moves them to another (gnumach.defs; flags in
// <mach/gsync.h>).
//
// A sleeper is keyed by where its word lives: (the map, the address) for a
// task's private word, (the VM object, the offset) with GSYNC_SHARED, so
// tasks sharing the memory (vm_map of one object, VM_INHERIT_SHARE) meet on
// it whatever address each maps it at. Keys hash into buckets, each a lock
// and a list. gsync_wait faults the word in, then reads it again under
// its bucket's lock (never waiting there) and queues itself there; a waker that stored a new value (itself with
// GSYNC_MUTATE, or the user before calling) then takes the same lock, so a
// wakeup between the check and the sleep is never lost.
//
// Errors, as GNU Mach's: KERN_INVALID_ADDRESS for an unaligned address (4
// bytes; 8 with GSYNC_QUAD) or one the task cannot read (write, for
// GSYNC_MUTATE; KERN_PROTECTION_FAILURE when the entry forbids it);
// gsync_wake and gsync_requeue answer KERN_INVALID_ARGUMENT when nobody
// sleeps on the (source) address, as GNU Mach's do.
// gsync_wait answers KERN_INVALID_ARGUMENT when the word differs (no
// sleep), KERN_TIMEDOUT after msec milliseconds with GSYNC_TIMED, and
// KERN_INTERRUPTED when thread_abort ends the sleep.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <mach/kern_return.h>

namespace umach::vm {
class VmMap;
}  // namespace umach::vm

namespace umach::gsync {

kern_return_t wait(vm::VmMap& map, uint64_t addr, uint32_t val1, uint32_t val2, uint32_t msec, int flags);
kern_return_t wake(vm::VmMap& map, uint64_t addr, uint32_t val, int flags);
kern_return_t requeue(vm::VmMap& map, uint64_t src, uint64_t dst, bool wake_one, int flags);

// Sleepers queued now, on every key (tests).
size_t waiters();

}  // namespace umach::gsync
