// core/lock_order.h: THE lock order of umach, in one place.
//
// A thread holding a lock of rank R may take only locks of a higher rank.
// Two locks of the same rank are never held together, unless the rank's
// comment names the order between them (for example by address).
//
// Every Spinlock is constructed with its rank, so a reader sees at the
// declaration where the lock sits; later issues add the ranks of the IPC,
// VM and scheduler locks here, in the order they may nest, and a debug check
// of the order once per-CPU held-lock tracking arrives with the scheduler.
//
//   rank            what it guards                              taken inside
//   ----            --------------                              ------------
//   kSleepLock      a Mutex's owner and waiters                 (outermost)
//   kIpcSpace       one IPC space's names and entries            kSleepLock
//   kTaskSpecial    a task's or thread's special ports (send     kSleepLock; never
//                   rights; their ports' locks taken inside)     with kIpcSpace
//   kIpcObject      one port's or port set's state; two are      kIpcSpace, kTaskSpecial
//                   nested only in address order (a port and
//                   its set: the set after its member)
//   kIpcTransit     where queued receive rights are queued (one  kIpcObject
//                   lock for the kernel: Port::destination_)
//   kGsync          one bucket of gsync waiters (reads the       kSleepLock; never
//                   user's word through the VM inside it); two   with kIpcTransit
//                   nest only in address order (requeue)
//   kWaitQueue      a wait queue's waiters (a port's queues use  kIpcObject, kGsync
//                   the port's lock instead)
//   kThread         a thread's scheduling state (state, wait     kWaitQueue
//                   queue, wait result)
//   kTimerQueue     the pending timeouts                         kThread
//   kRunQueue       one CPU's run queue; all of them are held    kThread, kTimerQueue
//                   together only in CPU order (a queued
//                   thread's new priority)
//   kKernelStacks   the pool of free kernel stacks               (alone)
//   kThreadList     the list of all threads (debuggers walk it)  (alone)
//   kUserTask       one UserTask's thread list and lifetime      (alone)
//                   (core/task/user_task.h)
//   kAllObjects     one kernel-wide list of every task or every  (alone)
//                   MachThread (core/task/task.h's KernelList:
//                   processor_set_tasks/threads)
//   kVm             the VM: every map, object, page, pv entry and kIpcSpace (a dying port's
//                   copy (vm/vm_lock.h)                         messages), kGsync
//   kAddressWindows the hosted allocator of address windows      (alone)
//   kAddressRange   one hosted address range's residency         (outermost of the two)
//   kPmap           one pmap's entries, runs and LRU (makes      kAddressRange
//                   host system calls while held)
//   kZoneRegistry   the list of all zones                       anything above
//   kHostClock      the time of day's base and adjustment        (alone)
//   kZone           one zone's slabs, free lists and quarantine  kZoneRegistry
//   kPageAllocator  the physical page bitmap                     kZone (a zone
//                                                                grows or shrinks)
//   kTest           locks made by tests; never nests             anything
//   kConsole        console output (innermost: panic may print  anything
//                   while holding anything)
#pragma once

namespace umach {

enum class LockRank : unsigned {
  kSleepLock = 1,
  kIpcSpace = 2,
  kTaskSpecial = 2,  // the same rank as kIpcSpace: the two never nest
  kIpcObject = 3,
  kIpcTransit = 4,
  kGsync = 4,  // the same rank as kIpcTransit: the two never nest
  kWaitQueue = 5,
  kThread = 6,
  kTimerQueue = 7,
  kRunQueue = 8,
  kKernelStacks = 9,
  kThreadList = 10,
  kUserTask = 10,  // the same rank as kThreadList: each is taken alone
  kAllObjects = 10,  // likewise
  kVm = 11,
  kAddressWindows = 12,
  kAddressRange = 13,
  kPmap = 14,
  kZoneRegistry = 15,
  kHostClock = 16,
  kZone = 20,
  kPageAllocator = 30,
  kTest = 900,
  kConsole = 1000,
};

}  // namespace umach
