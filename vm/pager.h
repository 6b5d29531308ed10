// vm/pager.h: memory managed by a pager outside the kernel (external
// memory objects, GNU Mach's memory_object interface).
//
// vm_map of an ordinary port (one no kernel object stands for) maps the
// memory object that port names: the port's receiver is its pager. The
// first map of a port makes a VmObject for it with a Pager record and
// sends memory_object_init(pager, control, name, page size); later maps
// of the same port, while the object lives, share that object. The
// kernel holds a send right to the pager's port and the receive rights of
// two kernel ports it made for the object:
//   - the control port (kobject kMemoryObjectControl): the pager's calls
//     (memory_object_ready, data_supply, data_unavailable, data_error,
//     get_attributes, change_attributes, lock_request, destroy) arrive
//     there (vm/pager.cc serves them);
//   - the name port (kMemoryObjectName): names the object (vm_region).
//
// A pager object sits at the bottom of every chain it is in (it never has
// a shadow), never collapses into a shadower and is never bypassed: a page
// it lacks is not zeros but the pager's to give. A fault that needs one
// (vm/fault.cc) records a request for that page under the VM lock, then,
// with the lock dropped, sends memory_object_data_request and waits
// (interruptibly: thread_abort ends the wait with KERN_ABORTED and the
// user's instruction simply faults again later), and retries from the
// top: the map may have changed meanwhile. Faults of other threads on the
// same page wait for the same request. The pager's answer fills the
// object (data_supply: pages the object already has are kept, as GNU
// Mach does; data_unavailable: zeros) or fails the faults waiting
// (data_error: KERN_MEMORY_ERROR, hence EXC_BAD_ACCESS; the next fault
// asks again). Faults before memory_object_ready wait for it.
//
// Waiting: page state lives under g_vm_lock, which ranks after every wait
// queue, so faults wait on one queue (g_pager_wait) with a sequence
// number: a waker changes state under the VM lock, bumps the number, drops
// the lock and wakes all; a waiter read the number under the VM lock and
// sleeps only if it has not moved (checked under the queue's lock).
//
// A dead pager: the kernel asks for a dead-name notification on the
// pager's port, sent to the control port; when it arrives the object is
// dead: its faults on pages it lacks fail with KERN_MEMORY_ERROR (pages
// it has stay readable), waiting faults included.
//
// The end: when the object's last reference goes (its last mapping), it
// is freed at once under the VM lock, and its Pager goes on a list; the
// next reap_pagers() (called where the VM lock was just dropped: vm_fault,
// vm_deallocate, vm_map, a map's destruction, drain) cuts the control and
// name ports from the object and sends memory_object_terminate with their
// receive rights, as GNU Mach does.
//
// Pages the pager locked (data_supply's lock_value, lock_request): a
// fault wanting a locked access sends memory_object_data_unlock and waits
// for lock_request to lift it. A page is dirty once entered writable (or
// written by the kernel); lock_request returns dirty, precious or all
// pages as asked (data_return), flushes and locks; the object's end
// returns its dirty and precious pages before terminate.
//
// may_cache (memory_object_ready, change_attributes): while it is set the
// object holds a reference for its pager, so it outlives its last mapping
// with its pages (a later vm_map of the port finds them); clearing it, the
// pager's death or memory_object_destroy drops that reference (and the
// object terminates if nothing else holds it).
//
// Partial (see the README's pager section): COPY_NONE and COPY_CALL
// objects are copied as COPY_DELAY (the pager still sees the strategy it
// declared).
#pragma once

#include <stdint.h>

#include "core/list.h"
#include "core/refptr.h"
#include "mach/kern_return.h"
#include "vm/object.h"

namespace umach::ipc {
class Port;
struct DeadNameRequest;
}  // namespace umach::ipc

namespace umach::vm {

// The size of a pager's object: pagers' objects have no size of their own
// (the pager says what exists by supplying it).
inline constexpr uint64_t kPagerObjectSize = uint64_t{1} << 47;

// A page request in flight (or its failure, until a fault reads it):
// data_request for a page the object lacks, data_unlock for one whose
// pager locked the access a fault wants.
struct PageRequest {
  ListNode link;
  uint64_t offset = 0;
  bool unlock = false;
  kern_return_t error = KERN_SUCCESS;  // data_error's answer, for the next fault
};

struct VmMapCopy;

// A page going back to its pager (memory_object_data_return) once the VM
// lock is dropped.
struct PageReturn {
  ListNode link;
  uint64_t offset = 0;
  VmMapCopy* copy = nullptr;  // one page
  bool dirty = false;
  bool kernel_copy = false;  // the kernel keeps the page too
};

class Pager : public RefCounted<Pager> {
 public:
  static void last_reference_dropped(Pager* p);

  // Fixed once made.
  ipc::Port* port = nullptr;     // the kernel's send right to the memory object's port
  ipc::Port* control = nullptr;  // receive rights the kernel holds until terminate
  ipc::Port* name = nullptr;
  ipc::DeadNameRequest* death = nullptr;  // on port, notifying control

  // Guarded by g_vm_lock.
  VmObject* object = nullptr;  // null once the object went
  bool terminated = false;     // the reaper gave port, control and name away
  bool ready = false;
  bool may_cache = false;
  bool cached = false;  // the pager holds a reference to object (may_cache)
  bool dead = false;
  int strategy = MEMORY_OBJECT_COPY_DELAY;  // as the pager declared it
  List<PageRequest, &PageRequest::link> requests;
  List<PageReturn, &PageReturn::link> returns;  // sent by the reaper, before terminate
  ListNode link;  // g_pagers (live) or the reap list

  PageRequest* find_request(uint64_t offset, bool unlock) UMACH_REQUIRES(g_vm_lock);
  void drop_requests() UMACH_REQUIRES(g_vm_lock);
};

// The object for memory object port `port` (a send right the caller
// holds; the kernel takes its own), with one reference for the caller:
// the object already made for it, or a new one (memory_object_init sent).
// KERN_INVALID_ARGUMENT for a dead or kernel port.
kern_return_t pager_object(ipc::Port* port, VmObject** out) UMACH_EXCLUDES(g_vm_lock);

// What a fault that needs a page from a pager must do once it dropped the
// VM lock (pager_wait).
struct PagerWait {
  RefPtr<Pager> pager;
  // References (not rights) to the pager's port and the control port, to
  // send the request with: the object may end while the fault waits.
  ipc::Port* port = nullptr;
  ipc::Port* control = nullptr;
  uint64_t offset = 0;
  unsigned access = 0;
  bool send_request = false;
  bool unlock = false;  // the request is data_unlock's
  uint64_t seq = 0;
};
// The fault's answer when it must wait (never seen outside the VM).
inline constexpr kern_return_t kFaultMustWait = -0x7f00;

// `object` (a pager's) lacks the page at `offset`: a request is recorded
// (or found) and *w says what to wait for: kFaultMustWait. Or the answer
// the fault gives at once: KERN_MEMORY_ERROR (dead pager, data_error),
// KERN_RESOURCE_SHORTAGE.
kern_return_t pager_page_needed(VmObject* object, uint64_t offset, unsigned access, PagerWait* w)
    UMACH_REQUIRES(g_vm_lock);
// `page` of `object` (a pager's) is locked against `access`: as
// pager_page_needed, with data_unlock.
kern_return_t pager_unlock_needed(VmObject* object, VmPage* page, unsigned access, PagerWait* w)
    UMACH_REQUIRES(g_vm_lock);
// Sends the request if *w says so and waits for the pager's answer.
// KERN_SUCCESS: retry the fault; KERN_ABORTED: the wait was interrupted.
kern_return_t pager_wait(PagerWait& w) UMACH_EXCLUDES(g_vm_lock);

// The object's last reference went (VmObject::deallocate), its pages
// still in it: those its pager lacks (dirty, precious) are taken for
// data_return, and the pager is told later, by reap_pagers.
void pager_object_freed(Pager* pager, VmObject* object) UMACH_REQUIRES(g_vm_lock);
// Pageout (vm/pageout.cc) of a pager's dirty or precious page: it leaves
// its object for a data_return, queued; false when memory is short.
[[nodiscard]] bool pager_page_out(VmPage* page) UMACH_REQUIRES(g_vm_lock);
// Sends the data_returns queued on `pager` and drops a reference to it.
void pager_send_returns(Pager* pager) UMACH_EXCLUDES(g_vm_lock);
// lock_request's work on p's pages in [offset, end): returns (queues)
// pages as should_return says, flushes, sets locks (VM_PROT_NO_CHANGE:
// keeps them).
void clean_pages_locked(Pager& p, uint64_t offset, uint64_t end, int should_return, bool should_flush,
                        unsigned lock_value) UMACH_REQUIRES(g_vm_lock);
// vm_msync of [offset, end) of a pager's object: its dirty pages are
// queued for data_return (and dropped if `flush`). The pager, with a
// reference for pager_send_returns, or null if `object` has no (live) one.
Pager* pager_sync_locked(VmObject* object, uint64_t offset, uint64_t end, bool flush) UMACH_REQUIRES(g_vm_lock);

// Sends memory_object_terminate for every object freed since.
void reap_pagers() UMACH_EXCLUDES(g_vm_lock);

size_t live_pagers();

}  // namespace umach::vm
