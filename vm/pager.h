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
// memory_object_destroy: the object is dead from then on (faults on pages
// it lacks fail; the pages it has stay readable) and the pager gets
// memory_object_terminate at once, as the manual says, not at the
// object's end; nothing is returned to it (it flushes first if it cares).
//
// may_cache (memory_object_ready, change_attributes): while it is set the
// object holds a reference for its pager, so it outlives its last mapping
// with its pages (a later vm_map of the port finds them); clearing it, the
// pager's death or memory_object_destroy drops that reference (and the
// object terminates if nothing else holds it).
//
// Copies (the strategy the pager declared, once ready; COPY_DELAY before):
//   - COPY_DELAY (and COPY_TEMPORARY, meant for the kernel's own memory):
//     the kernel's copy-on-write (vm/object.h);
//   - COPY_NONE: the copy is made at once, page by page; pages the object
//     lacks are asked for first (the copy waits for them);
//   - COPY_CALL (GNU Mach's vm_object_copy_call): the copy is a new memory
//     object the kernel makes a port for, whose pager is the source's:
//     memory_object_copy(source, control, offset, length, new object)
//     hands it the new port's receive right, then memory_object_init
//     follows on it as for any object. The copy's object shadows the
//     source: a page the pager answers data_unavailable for reads through
//     to the source at that offset (an absent mark remembers it), instead
//     of zeros. The source's resident pages in the range are locked
//     against writes: a write to one asks the pager (data_unlock) first,
//     so it can keep the copy's data. Ports cannot be made under the VM
//     lock, so the copy paths make the Pager records they need before
//     (CopyPagers, with_pager_waits) and start over if they lacked some.
//     The messages go out once the lock is dropped (reap_pagers), before
//     anything else about the new object.
//
// A default memory manager (vm_set_default_memory_manager with a port, a
// user task taking the kernel's place as default pager, as the Hurd's
// does): while one is installed, pageout hands an anonymous object it
// must push a page of to it instead of the swap area. The object becomes
// a pager's object ("internal") whose port the kernel made: the reaper
// sends memory_object_create(manager, the port's receive right, size,
// control, name, page size) before anything else about it; it is ready at
// once (no memory_object_ready, as the manual says). Its pages go out
// with memory_object_data_initialize the first time (the manager never
// had that page), data_return after; clean or not, every page it pushes
// out goes (the manager has only what it was given). What the object
// lacks and never gave reads as before, through to its shadow or as
// zeros: every offset starts absent (Pager::absent, as a copy's
// data_unavailable), and a page given to the manager stops being absent;
// any other page the object lacks is the manager's to give
// (data_request; its data_unavailable reads through as for a copy). The
// records come from a stock made with the VM lock dropped before each
// pageout pass (default_manager_prepare); with none at hand, or the
// manager dead, pages go to the swap area as before. At the object's end
// nothing is returned (its memory is gone), only terminate is sent.
#pragma once

#include <stdint.h>

#include "core/avl_tree.h"
#include "core/list.h"
#include "core/refptr.h"
#include "mach/kern_return.h"
#include "vm/object.h"

namespace umach::ipc {
class Kmsg;
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

// Offsets [start, end) of a copy's object (COPY_CALL) its pager answered
// data_unavailable for: they read through to the object's shadow.
struct AbsentRange {
  AvlNode by_start;
  uint64_t start = 0;
  uint64_t end = 0;
  struct Key {
    static uint64_t key(const AbsentRange& r) { return r.start; }
  };
};

// A page going back to its pager (memory_object_data_return) once the VM
// lock is dropped.
struct PageReturn {
  ListNode link;
  uint64_t offset = 0;
  VmMapCopy* copy = nullptr;  // one page
  bool dirty = false;
  bool kernel_copy = false;  // the kernel keeps the page too
  bool initialize = false;  // memory_object_data_initialize (an internal object's first push of it)
  // The page's own state, for putting it back should the message not go
  // (a page taken leaves them behind in the copy).
  bool precious = false;
  uint8_t page_lock = 0;
  // Its message is being sent (send_returns): it stays listed, so that a
  // fault on its page waits until the message is queued (must_wait).
  bool sending = false;
  uint64_t serial = 0;  // in the order returns were queued (pager_returns_pending_locked)
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
  bool destroyed = false;  // memory_object_destroy: terminated before the object's end
  bool terminating = false;  // a reaper took it to terminate (only one does)
  int strategy = MEMORY_OBJECT_COPY_DELAY;  // as the pager declared it
  List<PageRequest, &PageRequest::link> requests;
  List<PageReturn, &PageReturn::link> returns;  // sent by the reaper, before terminate
  ListNode link;  // g_pagers (live), the reap list, or a CopyPagers stock
  uint32_t reap_refs = 0;  // references the reap list holds (on it while > 0)

  // A copy's pager (COPY_CALL), until the reaper announced it
  // (memory_object_copy, then memory_object_init): the receive right of
  // the new object's port (the kernel's until then), and references to
  // the source's port and control port to name in memory_object_copy.
  ipc::Port* receive = nullptr;
  ipc::Port* source_port = nullptr;
  ipc::Port* source_control = nullptr;
  uint64_t source_offset = 0;
  uint64_t source_size = 0;
  Pager* source = nullptr;  // (a reference) the source's pager, until announced
  bool announced = true;  // nothing (more) to say before anything else
  // An anonymous object the default memory manager took (see the
  // header): until announced, `manager` is the send right
  // memory_object_create goes to (and `receive` the right it moves).
  bool internal = false;
  ipc::Port* manager = nullptr;
  // Buffers set aside, when the record was made, for the messages that
  // announce it (ipc::KmsgReserve): memory_object_create, or
  // memory_object_copy and memory_object_init. They go even with memory
  // short: a pager never told would make its object's faults fail.
  ipc::Kmsg* announce_msgs[2] = {nullptr, nullptr};
  uint64_t internal_size = 0;
  uint32_t unannounced_copies = 0;  // a source's: its copies not yet announced
  ListNode announce_link;
  // On the list of pagers whose queued returns are due to be sent
  // (pageout, msync: send_due_returns), with a reference while it is.
  ListNode send_link;
  bool send_listed = false;
  AvlTree<AbsentRange, &AbsentRange::by_start, AbsentRange::Key> absent;  // a copy's: data_unavailable

  PageRequest* find_request(uint64_t offset, bool unlock) UMACH_REQUIRES(g_vm_lock);
  void drop_requests() UMACH_REQUIRES(g_vm_lock);
  // The page at `offset` of a copy's object was answered data_unavailable:
  // it reads through to the shadow.
  bool absent_at(uint64_t offset) const UMACH_REQUIRES(g_vm_lock);
  // The object gained its own page at `offset` (VmObject::insert), or its
  // manager did (an internal object's): `spare`, if given, is the record a
  // split of the mark needs (used or freed).
  void absent_clear(uint64_t offset, AbsentRange* spare = nullptr) UMACH_REQUIRES(g_vm_lock);
};

// Pager records for COPY_CALL copies, made with the VM lock dropped and
// used under it: a copy path that lacks some answers kNeedCopyPagers with
// `wanted` set, and with_pager_waits makes them and runs it again. The
// ones left unused go with the stock.
class CopyPagers {
 public:
  CopyPagers() = default;
  CopyPagers(const CopyPagers&) = delete;
  CopyPagers& operator=(const CopyPagers&) = delete;
  ~CopyPagers() UMACH_EXCLUDES(g_vm_lock);

  size_t count() const { return stock_.size(); }
  // Makes records until it holds `n`; false when memory is short.
  [[nodiscard]] bool make(size_t n) UMACH_EXCLUDES(g_vm_lock);
  // One record (the stock's reference), or null if it holds none.
  Pager* take() UMACH_REQUIRES(g_vm_lock);
  size_t wanted = 0;

 private:
  List<Pager, &Pager::link> stock_;
};
// The copy path needs more CopyPagers (never seen outside the VM).
inline constexpr kern_return_t kNeedCopyPagers = -0x7f01;

// The object for memory object port `port` (a send right the caller
// holds; the kernel takes its own), with one reference for the caller:
// the object already made for it, or a new one (memory_object_init sent).
// KERN_INVALID_ARGUMENT for a dead or kernel port; KERN_RESOURCE_SHORTAGE
// when memory is short, before anything is made (the record, its ports,
// and the buffer set aside for memory_object_init).
kern_return_t pager_object(ipc::Port* port, VmObject** out) UMACH_EXCLUDES(g_vm_lock);

// Where a slow copy's scan for missing pages found the last one
// (copy_needs): the next round of with_pager_waits starts there, and
// wraps around to the pages before it, so a range missing n pages costs
// about two passes over it and a page per wait, not a pass per missing
// page. Only where to start: the whole range is looked at every time.
// One hint per operation: an operation copying several ranges (entries)
// scans those before the hinted one in full each round.
struct CopyScan {
  const VmObject* object = nullptr;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t at = 0;
};

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
  CopyPagers* copies = nullptr;  // with_pager_waits's stock for COPY_CALL copies
  CopyScan* scan = nullptr;       // with_pager_waits's, kept from round to round
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
// its object for a data_return, queued, and its pager is listed for
// send_due_returns; false when memory is short.
[[nodiscard]] bool pager_page_out(VmPage* page) UMACH_REQUIRES(g_vm_lock);
// Sends the data_returns of every pager listed since (pageout, msync),
// however many they are; the caller's own are sent, or being sent by
// another thread that took the same pager first.
void send_due_returns() UMACH_EXCLUDES(g_vm_lock);
// lock_request's work on p's pages in [offset, end): returns (queues)
// pages as should_return says, flushes, sets locks (VM_PROT_NO_CHANGE:
// keeps them).
void clean_pages_locked(Pager& p, uint64_t offset, uint64_t end, int should_return, bool should_flush,
                        unsigned lock_value) UMACH_REQUIRES(g_vm_lock);
// vm_msync of [offset, end) of a pager's object: its dirty pages are
// queued for data_return (and dropped if `flush`), and its pager listed
// for send_due_returns. Nothing for an object with no (live) pager.
void pager_sync_locked(VmObject* object, uint64_t offset, uint64_t end, bool flush) UMACH_REQUIRES(g_vm_lock);
// The serial of the last data_return (or data_initialize) queued so far.
uint64_t last_return_serial_locked() UMACH_REQUIRES(g_vm_lock);
// Whether a return of a page of `object` in [offset, end), queued no
// later than serial `upto`, is not yet sent: listed for a sender, or being
// sent by another thread (pageout, another msync). If so, *w is set for
// pager_wait to wait until the pagers' state changes.
bool pager_returns_pending_locked(VmObject* object, uint64_t offset, uint64_t end, uint64_t upto, PagerWait* w)
    UMACH_REQUIRES(g_vm_lock);

// COPY_CALL: a copy of [offset, offset + size) of `source` (a pager's
// object whose copy strategy is COPY_CALL) as a new object shadowing the
// source, whose pager is one of `stock`'s (it must hold one), with one
// reference for the caller; null when memory is short. The source's pages
// in the range are locked against writes; the pager hears of the copy
// from the next reap_pagers().
VmObject* copy_by_call(VmObject* source, uint64_t offset, uint64_t size, CopyPagers& stock) UMACH_REQUIRES(g_vm_lock);
// How copies of a pager's object are made now (VmObject::copy_strategy):
// what its pager declared once it is ready and alive (COPY_TEMPORARY,
// meant for the kernel's memory, as COPY_DELAY), else COPY_DELAY.
int pager_copy_strategy(const Pager* pager) UMACH_REQUIRES(g_vm_lock);

// Sends what was decided under the VM lock: memory_object_copy and init
// for copies made (COPY_CALL) and memory_object_create for objects the
// default memory manager took, then memory_object_terminate for every
// object freed since.
void reap_pagers() UMACH_EXCLUDES(g_vm_lock);

// ---- The default memory manager (see the header) ----
// Installs `manager` (a send right the caller hands over; null: the kernel
// is the default pager again) and returns the one it replaces (a send
// right; null if that was the kernel).
ipc::Port* default_manager_exchange(ipc::Port* manager) UMACH_EXCLUDES(g_vm_lock);
// A new send right to the installed manager; null while the kernel is
// the default pager.
ipc::Port* default_manager_copy() UMACH_EXCLUDES(g_vm_lock);
// Before a pageout pass: makes the records default_manager_take uses, if
// a manager is installed and alive.
void default_manager_prepare() UMACH_EXCLUDES(g_vm_lock);
// Pageout must push out a page of `object`, anonymous memory with no
// pager: the installed manager takes the object if a record is at hand.
// True if the object now is a pager's.
bool default_manager_take(VmObject* object) UMACH_REQUIRES(g_vm_lock);
// Whether the object's own pages, or its pager's (an internal object's
// manager holds what it was given), show at `offset`: what hides the
// shadow there.
bool object_has_own(const VmObject& object, uint64_t offset) UMACH_REQUIRES(g_vm_lock);

size_t live_pagers();

}  // namespace umach::vm
