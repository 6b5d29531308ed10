// vm/pager.cc: see pager.h. Also the kernel's side of the pager's calls on
// a control port (mach.defs: memory_object_ready, data_supply, ...).
#include "vm/pager.h"

#include "core/kstd/cstring.h"
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/zone.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_kserver.h"
#include "memory_object_default_kuser.h"
#include "memory_object_kuser.h"
#include "notify_kserver.h"
#include "vm/copy.h"
#include "vm/fault.h"

namespace umach::vm {
namespace {

[[clang::no_destroy]] constinit TypedZone<Pager> g_pager_zone("vm.pager");
[[clang::no_destroy]] constinit TypedZone<PageRequest> g_requests("vm.pagereq");
[[clang::no_destroy]] constinit TypedZone<PageReturn> g_returns("vm.pagereturn");
[[clang::no_destroy]] constinit TypedZone<AbsentRange> g_absent("vm.absent");
using PagerList = List<Pager, &Pager::link>;
[[clang::no_destroy]] PagerList g_pagers UMACH_GUARDED_BY(g_vm_lock);  // objects alive
[[clang::no_destroy]] PagerList g_reap UMACH_GUARDED_BY(g_vm_lock);    // objects gone, pager not told
// Pagers whose queued returns are due to be sent once the lock is dropped
// (a reference each): pageout and msync list them, send_due_returns sends.
[[clang::no_destroy]] List<Pager, &Pager::send_link> g_send_due UMACH_GUARDED_BY(g_vm_lock);
// Pagers to announce: copies' (COPY_CALL), whose memory_object_copy and
// init are due, and objects' a default memory manager took, whose
// memory_object_create is.
[[clang::no_destroy]] List<Pager, &Pager::announce_link> g_announce UMACH_GUARDED_BY(g_vm_lock);
kstd::Atomic<bool> g_reap_pending{false};
// The default memory manager (pager.h): a send right, null while the
// kernel is the default pager; and the records made for objects it takes.
ipc::Port* g_manager UMACH_GUARDED_BY(g_vm_lock) = nullptr;
[[clang::no_destroy]] PagerList g_manager_stock UMACH_GUARDED_BY(g_vm_lock);
constexpr size_t kManagerStock = 4;  // objects one pageout pass may hand over
// A buffer that memory_object_create's, memory_object_copy's and
// memory_object_init's requests (at most 112 bytes) fit in, with room.
constexpr mach_msg_size_t kAnnounceMsgSize = 256;

// Returns queued so far (PageReturn::serial).
uint64_t g_return_serial UMACH_GUARDED_BY(g_vm_lock) = 0;

// Page state changes that faults wait for (pager.h: Waiting).
kstd::Atomic<uint64_t> g_pager_seq{0};
[[clang::no_destroy]] sched::WaitQueue g_pager_wait;

// Under the VM lock, after changing what faults wait for; wake_waiters()
// once the lock is dropped. Always through the queue's lock: a waiter
// looks at g_pager_seq and asserts its wait under that lock, not the VM
// lock, so a look at the queue without it (may_have_waiters) could miss
// one that saw the old value and had not asserted yet, and leave it asleep.
void state_changed() UMACH_REQUIRES(g_vm_lock) { g_pager_seq.fetch_add(1, kstd::MemoryOrder::acq_rel); }
void wake_waiters() UMACH_EXCLUDES(g_vm_lock) { g_pager_wait.wakeup_all(); }

Pager* find_live_locked(ipc::Port* port) UMACH_REQUIRES(g_vm_lock) {
  for (Pager& p : g_pagers)
    if (p.port == port && p.object && !p.dead) return &p;
  return nullptr;
}

// References to the ports a message to the pager names, taken under the
// VM lock while the pager still has them (not after the reaper gave them
// away); false once it did. The stubs make the rights they send from a
// reference (COPY_SEND, MAKE_SEND).
bool take_ports_locked(Pager& p, ipc::Port** port, ipc::Port** control) UMACH_REQUIRES(g_vm_lock) {
  if (p.terminated) return false;
  p.port->ref();
  p.control->ref();
  *port = p.port;
  *control = p.control;
  return true;
}

void drop_ports(ipc::Port*& port, ipc::Port*& control) {
  if (port) kstd::exchange(port, nullptr)->unref();
  if (control) kstd::exchange(control, nullptr)->unref();
}

// Hands one reference to `p` to the reaper (reap_pagers); a pager already
// on its list gets the reference counted there.
void queue_reap_locked(Pager& p) UMACH_REQUIRES(g_vm_lock) {
  if (p.reap_refs++ == 0) g_reap.push_back(p);
  g_reap_pending.store(true, kstd::MemoryOrder::release);
}

// The Pager a control port stands for (a reference), or null.
RefPtr<Pager> convert_control(ipc::Port* port) {
  void* p = ipc::kobject_of(port, ipc::KObjectType::kMemoryObjectControl,
                            [](void* h) { return static_cast<Pager*>(h)->try_ref(); });
  return RefPtr<Pager>::adopt(static_cast<Pager*>(p));
}

// A right a pager's request carried for a reply (received as send-once or
// send), moved into the kernel's reply: the disposition to send it with.
mach_msg_type_name_t reply_disposition(mach_msg_type_name_t received) {
  return received == MACH_MSG_TYPE_PORT_SEND ? MACH_MSG_TYPE_MOVE_SEND : MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

// The object's cache reference follows may_cache (pager.h). Under the
// lock; reap_pagers() after it, as dropping it may end the object.
void set_may_cache_locked(Pager& p, bool may_cache) UMACH_REQUIRES(g_vm_lock) {
  p.may_cache = may_cache;
  const bool want = may_cache && !p.dead && p.object;
  if (want == p.cached) return;
  p.cached = want;
  if (want)
    p.object->reference();
  else
    VmObject::deallocate(p.object);
}

}  // namespace

size_t live_pagers() { return g_pager_zone.live(); }

PageRequest* Pager::find_request(uint64_t offset, bool unlock) {
  for (PageRequest& r : requests)
    if (r.offset == offset && r.unlock == unlock) return &r;
  return nullptr;
}

void Pager::drop_requests() {
  while (PageRequest* r = requests.front()) {
    requests.remove(*r);
    g_requests.destroy(r);
  }
  for (PageReturn* r = returns.front(); r;) {
    PageReturn* next = returns.next(*r);
    if (!r->sending) {  // (one being sent is its sender's to take off)
      returns.remove(*r);
      discard_locked(r->copy);
      g_returns.destroy(r);
    }
    r = next;
  }
  while (AbsentRange* r = absent.lower_bound(0)) {
    absent.remove(*r);
    g_absent.destroy(r);
  }
}

bool Pager::absent_at(uint64_t offset) const {
  const AbsentRange* r = absent.floor(offset);
  return r && offset < r->end;
}

void Pager::absent_clear(uint64_t offset, AbsentRange* spare) {
  AbsentRange* r = absent.floor(offset);
  if (!r || offset >= r->end) {
    if (spare) g_absent.destroy(spare);
    return;
  }
  const uint64_t end = r->end;
  absent.remove(*r);
  // What is left on either side of the page stays marked. Short of memory
  // for the second piece (and given no spare), it is forgotten: those
  // pages are asked for again, and the pager answers again.
  AbsentRange* after = offset + kPageSize < end ? (spare ? kstd::exchange(spare, nullptr) : g_absent.create()) : nullptr;
  if (spare) g_absent.destroy(spare);
  if (after) {
    after->start = offset + kPageSize;
    after->end = end;
    absent.insert(*after);
  }
  if (r->start < offset) {
    r->end = offset;
    absent.insert(*r);
  } else {
    g_absent.destroy(r);
  }
}

namespace {

// Marks the page at `offset` of a copy's object absent (data_unavailable);
// false when memory is short.
bool absent_mark(Pager& p, uint64_t offset) UMACH_REQUIRES(g_vm_lock) {
  if (p.absent_at(offset)) return true;
  const uint64_t end = offset + kPageSize;
  AbsentRange* before = p.absent.floor(offset);
  if (before && before->end != offset) before = nullptr;
  AbsentRange* after = p.absent.find(end);
  if (before) {
    before->end = after ? after->end : end;
  } else if (after) {
    p.absent.remove(*after);
    after->start = offset;
    p.absent.insert(*after);
    return true;
  } else {
    AbsentRange* r = g_absent.create();
    if (!r) return false;
    r->start = offset;
    r->end = end;
    p.absent.insert(*r);
    return true;
  }
  if (after) {
    p.absent.remove(*after);
    g_absent.destroy(after);
  }
  return true;
}

}  // namespace

void Pager::last_reference_dropped(Pager* p) {
  // Never under the VM lock: the ports go here.
  if (p->death) ipc::kernel_dead_name_cancel(p->port, p->death);
  if (p->control) ipc::kobject_port_destroy(RefPtr<ipc::Port>::adopt(p->control));
  if (p->name) ipc::kobject_port_destroy(RefPtr<ipc::Port>::adopt(p->name));
  ipc::release_send_right(p->port);
  // A copy's pager never announced (unused, or its object gone first).
  if (p->receive) ipc::kobject_port_destroy(RefPtr<ipc::Port>::adopt(p->receive));
  ipc::release_send_right(p->manager);  // a default manager's record never used
  for (ipc::Kmsg* unused : p->announce_msgs)
    if (unused) ipc::Kmsg::free(unused);
  if (p->source_port) p->source_port->unref();
  if (p->source_control) p->source_control->unref();
  kassert(!p->source);  // (a copy's pager is announced before its object can end)
  {
    SpinlockGuard hold(g_vm_lock);
    p->drop_requests();
  }
  g_pager_zone.destroy(p);
}

namespace {

// A message the pager had to get about its object (memory_object_init, or
// memory_object_copy) could not be sent, for want of memory for it (each
// has a buffer set aside, Pager::announce_msgs: a guard, not expected).
// It will never answer about the object, so the kernel takes it for dead
// rather than let faults wait for it for ever: they fail with
// KERN_MEMORY_ERROR, as for a pager whose port died.
void pager_unreachable(Pager& p, const char* what) UMACH_EXCLUDES(g_vm_lock) {
  klog("umach: vm: no memory to send %s to a pager: its object's faults will fail\n", what);
  {
    SpinlockGuard hold(g_vm_lock);
    p.dead = true;
    set_may_cache_locked(p, p.may_cache);  // nothing to cache for
    state_changed();
  }
  wake_waiters();
}

// Sets aside `n` buffers for the messages announcing `p`; false when
// memory is short.
bool reserve_announce_msgs(Pager& p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!p.announce_msgs[i] && !(p.announce_msgs[i] = ipc::Kmsg::alloc(kAnnounceMsgSize))) return false;
  return true;
}

// A new Pager record with its control and name ports (null when memory
// is short); its port and death request are the caller's to set.
RefPtr<Pager> make_pager() {
  Pager* made = g_pager_zone.create();
  if (!made) return {};
  RefPtr<Pager> pager = RefPtr<Pager>::adopt(made);
  auto control = ipc::kobject_port_create(ipc::KObjectType::kMemoryObjectControl, made);
  if (!control.ok()) return {};
  made->control = control.value().leak_ref();
  auto name = ipc::kobject_port_create(ipc::KObjectType::kMemoryObjectName, made);
  if (!name.ok()) return {};
  made->name = name.value().leak_ref();
  return pager;
}

}  // namespace

kern_return_t pager_object(ipc::Port* port, VmObject** out) {
  if (!port || port == ipc::kDeadPort) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard hold(g_vm_lock);
    if (Pager* p = find_live_locked(port)) {
      p->object->reference();
      *out = p->object;
      return KERN_SUCCESS;
    }
  }
  {
    // Only a port no kernel object stands for names a pager.
    SpinlockGuard g(port->lock);
    if (!port->active_ || port->kobject_type_ != ipc::KObjectType::kNone) return KERN_INVALID_ARGUMENT;
  }
  RefPtr<Pager> pager = make_pager();
  if (!pager) return KERN_RESOURCE_SHORTAGE;
  Pager* made = pager.get();
  ipc::Port* send = ipc::copy_send(port);
  if (send == ipc::kDeadPort) return KERN_INVALID_ARGUMENT;
  made->port = send;
  made->death = ipc::kernel_dead_name_request(port, made->control);
  if (!made->death) return port->died_.load(kstd::MemoryOrder::acquire) ? KERN_INVALID_ARGUMENT : KERN_RESOURCE_SHORTAGE;
  if (!reserve_announce_msgs(*made, 1)) return KERN_RESOURCE_SHORTAGE;  // for memory_object_init
  ipc::Kmsg* init_msg;
  {
    SpinlockGuard hold(g_vm_lock);
    // Another thread may have mapped the same port meanwhile: its object
    // wins and ours is undone (by `pager`'s last reference).
    if (Pager* p = find_live_locked(port)) {
      p->object->reference();
      *out = p->object;
      return KERN_SUCCESS;
    }
    VmObject* o = VmObject::create(kPagerObjectSize, MEMORY_OBJECT_COPY_DELAY);
    if (!o) return KERN_RESOURCE_SHORTAGE;
    o->set_pager(made);  // the object's reference: ours below
    made->object = o;
    g_pagers.push_back(*made);
    *out = o;
    init_msg = kstd::exchange(made->announce_msgs[0], nullptr);
  }
  {
    // (Its buffer set aside: the message goes even with memory short.)
    ipc::KmsgReserve reserve(init_msg);
    if (kuser::memory_object_init(made->port, made->control, made->name, kPageSize) != KERN_SUCCESS)
      pager_unreachable(*made, "memory_object_init");
  }
  (void)pager.leak_ref();  // now the object's
  return KERN_SUCCESS;
}

int pager_copy_strategy(const Pager* pager) {
  if (!pager->ready || pager->dead || pager->strategy == MEMORY_OBJECT_COPY_TEMPORARY) return MEMORY_OBJECT_COPY_DELAY;
  return pager->strategy;
}

CopyPagers::~CopyPagers() {
  while (Pager* p = stock_.front()) {
    stock_.remove(*p);
    p->unref();
  }
}

bool CopyPagers::make(size_t n) {
  while (count() < n) {
    RefPtr<Pager> pager = make_pager();
    if (!pager) return false;
    auto port = ipc::Port::create();
    if (!port.ok()) return false;
    Pager* p = pager.get();
    // The new object's port: the kernel holds its receive right until
    // memory_object_copy gives it to the pager, and a send right to it.
    p->receive = port.value().leak_ref();
    p->port = ipc::kobject_make_send(p->receive).port;
    p->death = ipc::kernel_dead_name_request(p->port, p->control);
    if (!p->death || !reserve_announce_msgs(*p, 2)) return false;
    p->announced = false;
    stock_.push_back(*pager.leak_ref());
  }
  return true;
}

Pager* CopyPagers::take() {
  Pager* p = stock_.front();
  if (!p) return nullptr;
  stock_.remove(*p);
  return p;
}

VmObject* copy_by_call(VmObject* source, uint64_t offset, uint64_t size, CopyPagers& stock) {
  Pager* sp = source->pager();
  kassert(sp && !sp->terminated && stock.count() > 0);
  source->reference();
  VmObject* o = VmObject::make_shadow(source, offset, size);
  if (!o) {
    VmObject::deallocate(source);
    return nullptr;
  }
  Pager* made = stock.take();
  (void)take_ports_locked(*sp, &made->source_port, &made->source_control);
  sp->ref();
  ++sp->unannounced_copies;
  made->source = sp;
  made->source_offset = offset;
  made->source_size = size;
  made->object = o;
  o->set_pager(made);  // the stock's reference becomes the object's
  g_pagers.push_back(*made);
  g_announce.push_back(*made);
  g_reap_pending.store(true, kstd::MemoryOrder::release);
  // The source's pages in the range lose write access until the pager
  // lifts the lock (it keeps what the copy needs first).
  for (VmPage* page = source->lower_bound(offset); page && page->offset - offset < size; page = source->next(*page)) {
    if (page->page_lock & VM_PROT_WRITE) continue;
    page->page_lock |= VM_PROT_WRITE;
    page_protect(page, VM_PROT_ALL & ~unsigned{page->page_lock});
  }
  return o;
}

namespace {

// A fault must wait for `p`'s answer about the page at `offset`: for a
// request already out, or a new one it sends (data_request, or
// data_unlock for `unlock`); before memory_object_ready, for that.
kern_return_t must_wait(Pager* p, uint64_t offset, unsigned access, bool unlock, PagerWait* w)
    UMACH_REQUIRES(g_vm_lock) {
  if (p->dead || !w) return KERN_MEMORY_ERROR;  // (or a caller that cannot wait)
  w->seq = g_pager_seq.load(kstd::MemoryOrder::acquire);
  w->offset = offset;
  w->access = access;
  w->unlock = unlock;
  w->send_request = false;
  // The page is on its way back to the pager (a data_return or
  // data_initialize not sent yet): a request now could reach it first and
  // be answered with what the pager had before. The fault waits for the
  // return to go (send_returns), then asks.
  bool returning = false;
  for (PageReturn& r : p->returns) returning |= r.offset == offset;
  if (p->ready && !returning) {
    if (PageRequest* r = p->find_request(offset, unlock)) {
      if (r->error != KERN_SUCCESS) {
        // The pager's data_error: this fault fails; the next one asks again.
        p->requests.remove(*r);
        g_requests.destroy(r);
        return KERN_MEMORY_ERROR;
      }
    } else {
      PageRequest* n = g_requests.create();
      if (!n) return KERN_RESOURCE_SHORTAGE;
      n->offset = offset;
      n->unlock = unlock;
      p->requests.push_back(*n);
      w->send_request = take_ports_locked(*p, &w->port, &w->control);
    }
  }
  p->ref();
  w->pager = RefPtr<Pager>::adopt(p);
  return kFaultMustWait;
}

}  // namespace

kern_return_t pager_page_needed(VmObject* object, uint64_t offset, unsigned access, PagerWait* w) {
  return must_wait(object->pager(), offset, access, false, w);
}

kern_return_t pager_unlock_needed(VmObject* object, VmPage* page, unsigned access, PagerWait* w) {
  return must_wait(object->pager(), page->offset, access, true, w);
}

kern_return_t pager_wait(PagerWait& w) {
  w.pager.reset();
  if (w.send_request) {
    // The control port goes as a new send right (MAKE_SEND); a dead pager
    // port destroys the request (its death notification ends the wait).
    const auto access = static_cast<vm_prot_t>(w.access);
    if (w.unlock)
      kuser::memory_object_data_unlock(w.port, w.control, w.offset, kPageSize, access);
    else
      kuser::memory_object_data_request(w.port, w.control, w.offset, kPageSize, access);
  }
  drop_ports(w.port, w.control);
  sched::WaitResult result = sched::WaitResult::kAwakened;
  {
    SpinlockGuard g(g_pager_wait.lock);
    if (g_pager_seq.load(kstd::MemoryOrder::acquire) != w.seq) return KERN_SUCCESS;
    g_pager_wait.assert_wait_locked(/*interruptible=*/true);
  }
  result = sched::thread_block();
  return result == sched::WaitResult::kInterrupted ? KERN_ABORTED : KERN_SUCCESS;
}

namespace {

// Queues `page` (of p's object) for data_return; false when memory is short.
bool queue_return(Pager& p, VmPage* page, bool take) UMACH_REQUIRES(g_vm_lock) {
  PageReturn* r = g_returns.create();
  if (!r) return false;
  r->serial = ++g_return_serial;
  r->offset = page->offset;
  r->dirty = page->dirty;
  r->kernel_copy = !take;
  r->precious = page->precious;
  r->page_lock = page->page_lock;
  // An internal object's page its manager never had (pager.h). From now
  // on the manager has it: the object no longer reads through there. The
  // mark's split is made first: forgetting the rest of a mark would make
  // copy-on-write and collapse take pages for the manager's that it never
  // had.
  r->initialize = p.internal && p.absent_at(page->offset);
  AbsentRange* split = r->initialize ? g_absent.create() : nullptr;
  r->copy = r->initialize && !split ? nullptr : copy_of_page_locked(page, take);
  if (!r->copy) {
    if (split) g_absent.destroy(split);
    g_returns.destroy(r);
    return false;
  }
  if (r->initialize) p.absent_clear(r->offset, split);
  p.returns.push_back(*r);
  return true;
}

// Another return of r's offset is queued after r (its page left the
// object since): what r holds is older, and must not come back over it.
bool newer_return_locked(Pager& p, const PageReturn& r) UMACH_REQUIRES(g_vm_lock) {
  for (const PageReturn& q : p.returns)
    if (&q != &r && q.offset == r.offset) return true;
  return false;
}

// A return whose message could not be sent, for want of memory for it:
// its data goes back where it came from, dirty, to go out again later,
// rather than be lost: the object's own page marked dirty again (the
// kernel kept it: msync, lock_request without flush), or the copy's page
// put back in its place, with its lock and preciousness (taken by pageout
// or a flush, or the kept page dropped meanwhile as clean). Lost, and
// said so, if the object went, if another page taken is back at that
// offset, if a newer return of it is queued, or if the page went to the
// swap area meanwhile and there is no memory to read it back. (A first
// push to a default memory manager goes out again as a data_return: the
// offset's absent mark is not made again.)
void return_unsent(Pager& p, const PageReturn& r, VmMapCopy* copy) UMACH_EXCLUDES(g_vm_lock) {
  bool kept = false;
  {
    SpinlockGuard hold(g_vm_lock);
    ++g_counters.returns_unsent;
    VmObject* o = p.object;
    VmPage* have = o ? o->lookup(r.offset) : nullptr;
    // (A page in the swap area is clean by rule: read back first.)
    if (have && r.kernel_copy) {
      if (page_resident(have)) {
        have->dirty = true;
        kept = true;
      }
    } else if (o && !have && !newer_return_locked(p, r)) {
      VmObject* from = copy->entries->object;
      VmPage* page = from ? from->lookup(0) : nullptr;
      if (page && page_resident(page)) {
        from->remove(page);
        page->dirty = true;
        page->precious = r.precious;
        page->page_lock = r.page_lock;
        o->insert(page, r.offset);
        kept = true;
      }
    }
    discard_locked(copy);
    state_changed();
  }
  if (!kept)
    klog("umach: vm: no memory to send page %#lx back to its pager: its data is lost\n",
         static_cast<unsigned long>(r.offset));
}

// Sends the returns queued on p (the VM lock dropped). Faults waiting for
// one of them to go (must_wait) retry after.
void send_returns(Pager& p) UMACH_EXCLUDES(g_vm_lock) {
  for (PageReturn* sent = nullptr;;) {
    PageReturn* r = nullptr;
    VmMapCopy* copy;
    ipc::Port* port = nullptr;
    ipc::Port* control = nullptr;
    {
      SpinlockGuard hold(g_vm_lock);
      if (sent) {
        // Its message is queued: a fault may ask for the page now.
        p.returns.remove(*sent);
        g_returns.destroy(sent);
        state_changed();
      }
      for (PageReturn& q : p.returns)
        if (!q.sending) {
          r = &q;
          break;
        }
      if (!r) break;
      copy = kstd::exchange(r->copy, nullptr);
      if (!take_ports_locked(p, &port, &control)) {
        // The pager was terminated (memory_object_destroy, its object
        // still mapped, and pageout took a page since): nobody to send
        // it to. Gone, as a waiter (a fault, a synchronous msync) hears.
        discard_locked(copy);
        p.returns.remove(*r);
        g_returns.destroy(r);
        state_changed();
        sent = nullptr;
        continue;
      }
      r->sending = true;  // stays listed until sent (must_wait)
    }
    // The message takes the copy; short of memory for the message, the
    // page goes back (return_unsent).
    const auto data = reinterpret_cast<uintptr_t>(copy);
    const kern_return_t kr =
        r->initialize ? kuser::memory_object_data_initialize(port, control, r->offset, data, kPageSize)
                      : kuser::memory_object_data_return(port, control, r->offset, data, kPageSize, r->dirty,
                                                         r->kernel_copy);
    if (kr != KERN_SUCCESS) return_unsent(p, *r, copy);
    drop_ports(port, control);
    sent = r;
  }
  wake_waiters();
}

}  // namespace

void clean_pages_locked(Pager& p, uint64_t offset, uint64_t end, int should_return, bool should_flush,
                        unsigned lock_value) {
  VmObject* o = p.object;
  if (!o) return;
  const bool keep_locks = lock_value == VM_PROT_NO_CHANGE;
  for (VmPage* page = o->lower_bound(offset); page && page->offset < end;) {
    VmPage* next = o->next(*page);
    // RETURN_ALL: dirty and precious pages (GNU Mach's <mach/memory_object.h>).
    const bool give = (should_return == MEMORY_OBJECT_RETURN_ALL && (page->dirty || page->precious)) ||
                      (should_return == MEMORY_OBJECT_RETURN_DIRTY && page->dirty);
    // (A precious page flushed with RETURN_NONE or DIRTY is dropped: the
    // pager asked for that.) Wired pages are never flushed.
    const bool flush = should_flush && page->wire_count == 0;
    if (give) {
      if (!flush) page_protect(page, VM_PROT_ALL & ~VM_PROT_WRITE);  // the next write dirties it again
      // Short of memory, the page stays (neither returned nor flushed).
      if (queue_return(p, page, /*take=*/flush) && !flush) page->dirty = false;
    } else if (flush) {
      page_protect(page, VM_PROT_NONE);
      o->remove(page);
      page_release(page);
    }
    page = next;
  }
  if (keep_locks) return;
  for (VmPage* page = o->lower_bound(offset); page && page->offset < end; page = o->next(*page)) {
    if (page->page_lock == lock_value) continue;
    page->page_lock = static_cast<uint8_t>(lock_value);
    page_protect(page, VM_PROT_ALL & ~lock_value);
  }
}

namespace {

void returns_due_locked(Pager& p) UMACH_REQUIRES(g_vm_lock) {
  if (p.send_listed) return;
  p.ref();
  p.send_listed = true;
  g_send_due.push_back(p);
}

}  // namespace

void pager_sync_locked(VmObject* object, uint64_t offset, uint64_t end, bool flush) {
  Pager* p = object->pager();
  if (!p || p->dead) return;
  clean_pages_locked(*p, offset, end, MEMORY_OBJECT_RETURN_DIRTY, flush, VM_PROT_NO_CHANGE);
  returns_due_locked(*p);
}

uint64_t last_return_serial_locked() { return g_return_serial; }

bool pager_returns_pending_locked(VmObject* object, uint64_t offset, uint64_t end, uint64_t upto, PagerWait* w) {
  Pager* p = object->pager();
  if (!p) return false;
  for (PageReturn& r : p->returns) {
    if (r.serial <= upto && r.offset >= offset && r.offset < end) {
      w->seq = g_pager_seq.load(kstd::MemoryOrder::acquire);
      return true;
    }
  }
  return false;
}

bool pager_page_out(VmPage* page) {
  Pager& p = *page->object->pager();
  if (!queue_return(p, page, /*take=*/true)) return false;
  returns_due_locked(p);
  return true;
}

void send_due_returns() {
  for (;;) {
    Pager* p;
    {
      SpinlockGuard hold(g_vm_lock);
      p = g_send_due.front();
      if (!p) return;
      g_send_due.remove(*p);
      p->send_listed = false;
    }
    send_returns(*p);
    p->unref();
  }
}

void pager_object_freed(Pager* pager, VmObject* object) {
  pager->object = nullptr;
  pager->drop_requests();
  if (pager->destroyed) {
    // memory_object_destroy told the pager already: the reaper only drops
    // the object's reference.
    queue_reap_locked(*pager);
    state_changed();
    return;
  }
  // What the pager lacks goes back to it (unless it is gone, or the
  // object was anonymous memory: nobody will read it again).
  if (!pager->dead && !pager->internal) {
    for (VmPage* page = object->lower_bound(0); page;) {
      VmPage* next = object->next(*page);
      if ((page->dirty || page->precious) && !queue_return(*pager, page, /*take=*/true))
        klog("umach: vm: no memory to return page %#lx of a pager's object: its data is lost\n",
             static_cast<unsigned long>(page->offset));
      page = next;
    }
  }
  g_pagers.remove(*pager);
  queue_reap_locked(*pager);  // with the object's reference
  state_changed();  // faults waiting for it retry (and find no object)
}

namespace {

// Tells the source's pager of the copy `p` stands for, then the new
// object's pager (the same task, now holding its port) of the object.
void announce_copy(Pager* p) UMACH_EXCLUDES(g_vm_lock) {
  ipc::Port* receive;
  ipc::Port* source_port;
  ipc::Port* source_control;
  Pager* source;
  ipc::Kmsg* reserves[2];
  {
    SpinlockGuard hold(g_vm_lock);
    receive = kstd::exchange(p->receive, nullptr);
    source_port = kstd::exchange(p->source_port, nullptr);
    source_control = kstd::exchange(p->source_control, nullptr);
    source = kstd::exchange(p->source, nullptr);
    for (int i = 0; i < 2; ++i) reserves[i] = kstd::exchange(p->announce_msgs[i], nullptr);
  }
  // The message moves the receive right (a dead source port destroys it
  // with the message: the new port dies, and so does its object). Both
  // messages have buffers set aside (Pager::announce_msgs); should one
  // still not go (nothing was taken), the right is destroyed here to the
  // same end.
  kern_return_t kr;
  {
    ipc::KmsgReserve reserve(reserves[0]);
    kr = kuser::memory_object_copy(source_port, source_control, p->source_offset, p->source_size, receive);
  }
  drop_ports(source_port, source_control);
  ipc::KmsgReserve reserve(reserves[1]);
  if (kr != KERN_SUCCESS) {
    ipc::kobject_port_destroy(RefPtr<ipc::Port>::adopt(receive));
    pager_unreachable(*p, "memory_object_copy");
  } else if (kuser::memory_object_init(p->port, p->control, p->name, kPageSize) != KERN_SUCCESS) {
    pager_unreachable(*p, "memory_object_init");
  }
  {
    SpinlockGuard hold(g_vm_lock);
    p->announced = true;
    --source->unannounced_copies;
  }
  source->unref();  // (the reaper goes on to terminate it if it ended meanwhile)
}

// Hands the object an internal pager stands for to the default memory
// manager: the new port's receive right goes with memory_object_create
// (a dead manager destroys it with the message: the port dies, and the
// object's faults on what it gave fail as for any dead pager). The
// message has a buffer set aside (Pager::announce_msgs): short of
// memory, it still goes, and the pages pageout gave the object are not
// lost.
void announce_create(Pager* p) UMACH_EXCLUDES(g_vm_lock) {
  ipc::Port* receive;
  ipc::Port* manager;
  ipc::Kmsg* reserve;
  {
    SpinlockGuard hold(g_vm_lock);
    receive = kstd::exchange(p->receive, nullptr);
    manager = kstd::exchange(p->manager, nullptr);
    reserve = kstd::exchange(p->announce_msgs[0], nullptr);
  }
  // Moves the manager's send right and the receive right; the control
  // and name ports go as new send rights (the pager keeps its own).
  ipc::KmsgReserve in_reserve(reserve);
  if (kuser::memory_object_create(manager, receive, p->internal_size, p->control, p->name, kPageSize) !=
      KERN_SUCCESS) {
    // (Only if the message outgrew its reserve: nothing was taken.) The
    // port dies with its receive right, its death notification makes the
    // pager dead, and the object's faults on what it gave fail, as for a
    // manager that died.
    klog("umach: vm: no memory to hand an object to the default memory manager: its paged-out data is lost\n");
    ipc::kobject_port_destroy(RefPtr<ipc::Port>::adopt(receive));
    ipc::release_send_right(manager);
  }
  SpinlockGuard hold(g_vm_lock);
  p->announced = true;
}

}  // namespace

bool object_has_own(const VmObject& object, uint64_t offset) {
  if (object.lookup(offset)) return true;
  const Pager* p = object.pager();
  return p && !p->absent_at(offset);
}

ipc::Port* default_manager_exchange(ipc::Port* manager) {
  ipc::Port* old;
  PagerList unused;
  {
    SpinlockGuard hold(g_vm_lock);
    old = kstd::exchange(g_manager, manager);
    while (Pager* p = g_manager_stock.front()) {
      g_manager_stock.remove(*p);
      unused.push_back(*p);
    }
  }
  // Records made for the old manager go (their ports with them).
  while (Pager* p = unused.front()) {
    unused.remove(*p);
    p->unref();
  }
  return old;
}

ipc::Port* default_manager_copy() {
  ipc::Port* manager;
  {
    SpinlockGuard hold(g_vm_lock);
    manager = g_manager;
    if (!manager) return nullptr;
    manager->ref();
  }
  ipc::Port* right = ipc::copy_send(manager);
  manager->unref();
  return right;
}

void default_manager_prepare() {
  ipc::Port* manager;
  {
    SpinlockGuard hold(g_vm_lock);
    manager = g_manager;
    if (!manager || g_manager_stock.size() >= kManagerStock) return;
    manager->ref();
  }
  for (;;) {
    // As a copy's (CopyPagers::make): a port the kernel holds the receive
    // right of until memory_object_create moves it, a send right to it.
    RefPtr<Pager> pager = make_pager();
    if (!pager) break;
    auto port = ipc::Port::create();
    if (!port.ok()) break;
    Pager* p = pager.get();
    p->receive = port.value().leak_ref();
    p->port = ipc::kobject_make_send(p->receive).port;
    p->death = ipc::kernel_dead_name_request(p->port, p->control);
    if (!p->death) break;
    p->manager = ipc::copy_send(manager);
    if (p->manager == ipc::kDeadPort) break;  // the manager died: pages go to the swap
    if (!reserve_announce_msgs(*p, 1)) break;
    p->internal = true;
    p->announced = false;
    p->ready = true;  // no memory_object_ready from a default manager (the manual)
    p->strategy = MEMORY_OBJECT_COPY_TEMPORARY;  // its copies as any pager object's (COPY_DELAY)
    SpinlockGuard hold(g_vm_lock);
    if (g_manager != manager) break;  // replaced meanwhile: `pager` goes
    g_manager_stock.push_back(*pager.leak_ref());
    if (g_manager_stock.size() >= kManagerStock) break;
  }
  manager->unref();
}

bool default_manager_take(VmObject* object) {
  if (!object->anonymous()) return false;
  Pager* p = g_manager_stock.front();
  // (A manager that died takes nothing more: the swap area does.)
  if (!p || g_manager->died_.load(kstd::MemoryOrder::acquire)) return false;
  // Everything it lacks reads as before: absent (pager.h).
  AbsentRange* all = g_absent.create();
  if (!all) return false;
  g_manager_stock.remove(*p);
  all->start = 0;
  all->end = object->size();
  p->absent.insert(*all);
  p->internal_size = object->size();
  p->object = object;
  object->set_pager(p);  // the stock's reference becomes the object's
  g_pagers.push_back(*p);
  g_announce.push_back(*p);
  g_reap_pending.store(true, kstd::MemoryOrder::release);
  return true;
}

void reap_pagers() {
  if (!g_reap_pending.load(kstd::MemoryOrder::acquire)) return;
  for (;;) {
    Pager* p = nullptr;
    bool announce = false;
    bool claimed = false;
    uint32_t refs = 0;  // the reaper's references to p
    {
      SpinlockGuard hold(g_vm_lock);
      if (Pager* a = g_announce.front()) {
        // Copies first: nothing else may reach a new object's port before.
        g_announce.remove(*a);
        a->ref();
        p = a;
        announce = true;
      } else {
        for (Pager& r : g_reap) {
          // (Not before its memory_object_copy went, for a copy, nor before
          // those of its copies did, for a source.)
          if (r.announced && r.unannounced_copies == 0) {
            p = &r;
            break;
          }
        }
        if (!p) {
          // (A copy's object may have ended before the thread announcing it
          // got there: that thread terminates it next.)
          if (g_reap.empty()) g_reap_pending.store(false, kstd::MemoryOrder::release);
          break;
        }
        g_reap.remove(*p);
        refs = kstd::exchange(p->reap_refs, 0);
        // One reaper terminates it (a destroyed pager is queued again at
        // its object's end, maybe while another reaper is at it).
        claimed = !kstd::exchange(p->terminating, true);
      }
    }
    if (announce) {
      if (p->internal) announce_create(p);
      else announce_copy(p);
      p->unref();
      continue;
    }
    RefPtr<Pager> pager = RefPtr<Pager>::adopt(p);
    while (refs-- > 1) p->unref();  // (the pager holds on through `pager`)
    // (A destroyed object's pager was told at once; its object's end only
    // drops the reference.)
    if (!claimed) continue;
    send_returns(*p);
    {
      SpinlockGuard hold(g_vm_lock);
      p->terminated = true;  // nobody else sends to its ports from now on
    }
    if (p->death) ipc::kernel_dead_name_cancel(p->port, kstd::exchange(p->death, nullptr));
    // The ports stop standing for the object and become the pager's.
    ipc::kobject_port_detach(p->control);
    ipc::kobject_port_detach(p->name);
    // Moves the kernel's send right and both receive rights.
    kuser::memory_object_terminate(kstd::exchange(p->port, nullptr), kstd::exchange(p->control, nullptr),
                                   kstd::exchange(p->name, nullptr));
  }
  wake_waiters();
}

}  // namespace umach::vm

// The pager's calls (mach.defs), on the control port.
namespace umach::kserver {

using vm::Pager;

kern_return_t memory_object_ready(ipc_port_t control, boolean_t may_cache, memory_object_copy_strategy_t strategy) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p) return KERN_INVALID_ARGUMENT;
  if (strategy < MEMORY_OBJECT_COPY_NONE || strategy > MEMORY_OBJECT_COPY_TEMPORARY) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    p->ready = true;
    vm::set_may_cache_locked(*p, may_cache != 0);
    p->strategy = strategy;
    vm::state_changed();
  }
  vm::wake_waiters();
  vm::reap_pagers();
  return KERN_SUCCESS;
}

kern_return_t memory_object_get_attributes(ipc_port_t control, boolean_t* object_ready, boolean_t* may_cache,
                                           memory_object_copy_strategy_t* strategy) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p) return KERN_INVALID_ARGUMENT;
  SpinlockGuard hold(vm::g_vm_lock);
  *object_ready = p->ready;
  *may_cache = p->may_cache;
  *strategy = p->strategy;
  return KERN_SUCCESS;
}

kern_return_t memory_object_change_attributes(ipc_port_t control, boolean_t may_cache,
                                              memory_object_copy_strategy_t strategy, ipc_port_t reply_to,
                                              mach_msg_type_name_t reply_toPoly) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p) return KERN_INVALID_ARGUMENT;
  if (strategy < MEMORY_OBJECT_COPY_NONE || strategy > MEMORY_OBJECT_COPY_TEMPORARY) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    vm::set_may_cache_locked(*p, may_cache != 0);
    p->strategy = strategy;
  }
  vm::reap_pagers();  // (an object no longer cached may have ended)
  if (reply_to && reply_to != ipc::kDeadPort)
    kuser::memory_object_change_completed(reply_to, vm::reply_disposition(reply_toPoly), may_cache, strategy);
  return KERN_SUCCESS;
}

namespace {

// Fills the requests of [offset, offset + size) with the copy's pages
// (data_supply) or zeros (copy null: data_unavailable), from *done bytes
// in, which it advances past each page it is done with. Pages the object
// has are kept. Under the VM lock. A page of the copy that a pager (this
// one, another, or a default memory manager) has not given yet:
// kFaultMustWait with *wait filled in (with_pager_waits), to start again
// from *done; pages before it are never supplied again (one may have been
// written, or returned and flushed, meanwhile). *supplied: a page went in.
kern_return_t supply_locked(Pager& p, uint64_t offset, uint64_t size, vm::VmMapCopy* copy, unsigned lock_value,
                            bool precious, vm::PagerWait* wait, uint64_t* done, bool* supplied)
    UMACH_REQUIRES(vm::g_vm_lock) {
  vm::VmObject* o = p.object;
  if (!o || p.dead) return KERN_INVALID_ARGUMENT;  // nothing to fill any more
  for (uint64_t& at = *done; at < size; at += vm::kPageSize) {
    const uint64_t off = offset + at;
    if (o->lookup(off)) continue;
    vm::VmPage* page = vm::page_grab(copy == nullptr);
    if (!page) return KERN_RESOURCE_SHORTAGE;
    if (copy) {
      // The supplied data is the pager's anonymous memory (what it
      // vm_allocate'd and filled): what its copy shows, zeros where it has
      // no page.
      vm::VmPage* src = nullptr;
      if (kern_return_t kr = vm::copy_page(copy, at, &src, wait); kr != KERN_SUCCESS) {
        vm::page_release(page);
        return kr;
      }
      if (src)
        kstd::memcpy(page->data(), src->data(), vm::kPageSize);
      else
        kstd::memset(page->data(), 0, vm::kPageSize);
    }
    page->page_lock = static_cast<uint8_t>(lock_value);
    page->precious = precious;
    // A copy's object (COPY_CALL) may have shown its shadow's page here
    // (data_unavailable): mappings of that one must go.
    vm::VmPage* below = o->shadow() ? o->shadow()->chain_lookup(off + o->shadow_offset()) : nullptr;
    o->insert(page, off);
    *supplied = true;
    if (below) vm::page_unmap_borrowed(below);
    if (vm::PageRequest* r = p.find_request(off, false)) {
      p.requests.remove(*r);
      vm::g_requests.destroy(r);
    }
  }
  return KERN_SUCCESS;
}

bool valid_range(uint64_t offset, uint64_t size) {
  return !(offset & (vm::kPageSize - 1)) && !(size & (vm::kPageSize - 1)) && offset + size >= offset &&
         offset + size <= vm::kPagerObjectSize;
}

}  // namespace

kern_return_t memory_object_data_supply(ipc_port_t control, vm_offset_t offset, vm_offset_t data,
                                        mach_msg_type_number_t dataCnt, vm_prot_t lock_value, boolean_t precious,
                                        ipc_port_t reply_to, mach_msg_type_name_t reply_toPoly) {
  auto* copy = reinterpret_cast<vm::VmMapCopy*>(static_cast<uintptr_t>(data));
  RefPtr<Pager> p = vm::convert_control(control);
  kern_return_t kr = KERN_SUCCESS;
  if (!p || !valid_range(offset, dataCnt) || (copy && copy->offset != 0)) kr = KERN_INVALID_ARGUMENT;
  if (kr == KERN_SUCCESS && dataCnt) {
    // Data the supplier has not got yet (memory of a pager that has not
    // given it, its own included, or anonymous memory a default memory
    // manager holds) is asked for and waited for, as GNU Mach's copy of
    // it faults it in. Pages that went in before a wait stay in, and the
    // faults waiting for them go on before this waits.
    bool woke = true;
    bool supplied = false;
    uint64_t done = 0;
    kr = vm::with_pager_waits([&](vm::PagerWait* wait) {
      if (!kstd::exchange(woke, true)) vm::wake_waiters();
      SpinlockGuard hold(vm::g_vm_lock);
      const kern_return_t r = supply_locked(*p, offset, dataCnt, copy, static_cast<unsigned>(lock_value) & VM_PROT_ALL,
                                            precious != 0, wait, &done, &supplied);
      if (kstd::exchange(supplied, false)) {
        vm::state_changed();
        woke = false;
      }
      return r;
    });
    if (!woke) vm::wake_waiters();
  }
  // Without a reply port an error goes back as the routine's answer (the
  // dispatch then destroys the request with its data: the copy is not
  // ours to discard); with one the request is used up and the answer is
  // supply_completed's.
  if (!reply_to || reply_to == ipc::kDeadPort) {
    if (kr == KERN_SUCCESS) vm::discard(copy);
    return kr;
  }
  vm::discard(copy);
  kuser::memory_object_supply_completed(reply_to, vm::reply_disposition(reply_toPoly), control, offset, dataCnt, kr,
                                        kr == KERN_SUCCESS ? 0 : offset);
  return KERN_SUCCESS;
}

kern_return_t memory_object_data_unavailable(ipc_port_t control, vm_offset_t offset, vm_size_t size) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p || !valid_range(offset, size)) return KERN_INVALID_ARGUMENT;
  kern_return_t kr;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    // Only the pages asked for: zeros are filled where a fault waits, or,
    // for a copy's object (COPY_CALL), the page reads through to the
    // source from now on (pager.h).
    kr = KERN_SUCCESS;
    for (uint64_t at = 0; at < size && kr == KERN_SUCCESS; at += vm::kPageSize) {
      const uint64_t off = offset + at;
      vm::PageRequest* r = p->find_request(off, false);
      if (!r) continue;
      if (!p->object || !p->object->shadow()) {
        bool supplied = false;
        uint64_t done = 0;
        kr = supply_locked(*p, off, vm::kPageSize, nullptr, VM_PROT_NONE, false, nullptr, &done, &supplied);
      } else if (!vm::absent_mark(*p, off)) {
        kr = KERN_RESOURCE_SHORTAGE;
      } else {
        p->requests.remove(*r);
        vm::g_requests.destroy(r);
      }
    }
    vm::state_changed();
  }
  vm::wake_waiters();
  return kr;
}

kern_return_t memory_object_data_error(ipc_port_t control, vm_offset_t offset, vm_size_t size,
                                       kern_return_t error_value) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p || !valid_range(offset, size)) return KERN_INVALID_ARGUMENT;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    for (vm::PageRequest& r : p->requests)
      if (r.offset >= offset && r.offset - offset < size)
        r.error = error_value == KERN_SUCCESS ? KERN_MEMORY_ERROR : error_value;
    vm::state_changed();
  }
  vm::wake_waiters();
  return KERN_SUCCESS;
}

kern_return_t memory_object_lock_request(ipc_port_t control, vm_offset_t offset, vm_size_t size,
                                         memory_object_return_t should_return, boolean_t should_flush,
                                         vm_prot_t lock_value, ipc_port_t reply_to, mach_msg_type_name_t reply_toPoly) {
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p) return KERN_INVALID_ARGUMENT;
  // VM_PROT_NO_CHANGE: every page keeps the lock it has (GNU Mach).
  const bool keep_locks = lock_value == VM_PROT_NO_CHANGE;
  if ((offset & (vm::kPageSize - 1)) || offset + size < offset || should_return < MEMORY_OBJECT_RETURN_NONE ||
      should_return > MEMORY_OBJECT_RETURN_ALL || (!keep_locks && (lock_value & ~VM_PROT_ALL)))
    return KERN_INVALID_ARGUMENT;
  const uint64_t end = vm::page_round(offset + size) < offset ? ~uint64_t{0} : vm::page_round(offset + size);
  {
    SpinlockGuard hold(vm::g_vm_lock);
    vm::clean_pages_locked(*p, offset, end, should_return, should_flush != 0, keep_locks ? VM_PROT_NO_CHANGE : static_cast<unsigned>(lock_value));
    // Unlock requests the new lock answers are done: their faults retry.
    for (vm::PageRequest* r = p->requests.front(); r;) {
      vm::PageRequest* next = p->requests.next(*r);
      if (!keep_locks && r->unlock && r->offset >= offset && r->offset < end) {
        p->requests.remove(*r);
        vm::g_requests.destroy(r);
      }
      r = next;
    }
    vm::state_changed();
  }
  vm::wake_waiters();
  vm::send_returns(*p);
  if (reply_to && reply_to != ipc::kDeadPort)
    kuser::memory_object_lock_completed(reply_to, vm::reply_disposition(reply_toPoly), control, offset, size);
  return KERN_SUCCESS;
}

kern_return_t memory_object_destroy(ipc_port_t control, kern_return_t reason) {
  (void)reason;
  RefPtr<Pager> p = vm::convert_control(control);
  if (!p) return KERN_INVALID_ARGUMENT;
  {
    // The object is unusable from now on: every fault on a page it lacks
    // fails; the pager gets its ports back at once (memory_object_terminate
    // from the reaper, with a reference of its own; without data_return:
    // the manual has the pager flush first if it wants its data).
    SpinlockGuard hold(vm::g_vm_lock);
    if (p->destroyed || !p->object) return KERN_SUCCESS;  // (said already, or ending anyway)
    p->dead = true;
    p->destroyed = true;
    p->drop_requests();
    p->ref();
    vm::g_pagers.remove(*p);
    vm::queue_reap_locked(*p);
    // Last: dropping the cache's reference may end the object here
    // (pager_object_freed then finds it destroyed and off g_pagers).
    vm::set_may_cache_locked(*p, p->may_cache);
    vm::state_changed();
  }
  vm::wake_waiters();
  vm::reap_pagers();
  return KERN_SUCCESS;
}

// The dead-name notification the kernel asked for on a pager's port
// arrives at the object's control port: the pager is gone.
kern_return_t do_mach_notify_dead_name(ipc_port_t notify, mach_port_name_t) {
  RefPtr<Pager> p = vm::convert_control(notify);
  if (!p) return MIG_BAD_ID;  // not ours: as before, nothing serves it
  {
    SpinlockGuard hold(vm::g_vm_lock);
    p->dead = true;
    vm::set_may_cache_locked(*p, p->may_cache);  // nothing to cache for
    vm::state_changed();
  }
  vm::wake_waiters();
  vm::reap_pagers();
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
