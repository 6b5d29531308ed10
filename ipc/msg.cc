// ipc/msg.cc: sending and receiving (ipc/msg.h).
#include "ipc/msg.h"

#include "core/kstd/cstring.h"
#include "core/platform/platform.h"
#include "core/kstd/utility.h"
#include "core/sched/sched.h"
#include "core/zone.h"
#include "ipc/kmsg_copy.h"
#include "ipc/kobject.h"
#include "ipc/notify.h"
#include "ipc/trace.h"

namespace umach::ipc {
namespace {

uint64_t deadline_of(mach_msg_option_t option, mach_msg_option_t timeout_bit, mach_msg_timeout_t ms) {
  if (!(option & timeout_bit)) return sched::kNoDeadline;
  return Platform::clock_ns() + static_cast<uint64_t>(ms) * 1000000;
}

// Takes the oldest queued message of `port` (there is one), stamped with
// the port's sequence number; with MACH_RCV_LARGE one larger than the
// buffer stays queued and its size is reported.
mach_msg_return_t take_message_locked(Port* port, mach_msg_size_t rcv_size, mach_msg_option_t option, Kmsg** out,
                                      mach_msg_size_t* too_large) UMACH_REQUIRES(port->lock) {
  Kmsg* k = port->messages_.front();
  if (k->size() > rcv_size && (option & MACH_RCV_LARGE)) {
    *too_large = k->size();
    return MACH_RCV_TOO_LARGE;
  }
  port->messages_.remove(*k);
  --port->msgcount_;
  port->grant_room_locked();
  kmsg_left_queue(*k);
  k->header()->msgh_seqno = port->seqno_++;
  k->has_payload_ = port->has_protected_payload_;
  k->payload_ = port->protected_payload_;
  *out = k;
  return MACH_MSG_SUCCESS;
}

// A thread waiting on a port to receive (dequeue_message_locked): what it
// can take, and the answer its waker leaves it. Every waker of a port's
// receivers answers (serve_receiver_locked, answer_receivers_locked), so
// a woken receiver never looks at the port again, and needs no reference
// to it while it waits.
struct ReceiveWait {
  mach_msg_size_t rcv_size;
  mach_msg_option_t option;
  mach_msg_return_t result = MACH_RCV_PORT_CHANGED;
  Kmsg* kmsg = nullptr;
  mach_msg_size_t too_large = 0;
};

ReceiveWait& receive_wait_of(const sched::Thread& t) {
  return *static_cast<ReceiveWait*>(sched::WaitQueue::wait_data_locked(t));
}

// A message taken for a receiver of `port`, its destination: the right
// that brought it is used up here, under the lock the receiver would take
// again for it (kmsg_copyout then finds none to release), and so is its
// reference, not the port's last (the receive right's holder keeps one
// while a receiver waits). A send right whose going would fire a
// no-senders notification is left to the receiver.
void use_destination_locked(Port* port, Kmsg& k) UMACH_REQUIRES(port->lock) {
  if (k.dest() != port) return;
  const mach_msg_type_name_t type = MACH_MSGH_BITS_REMOTE(k.header()->msgh_bits);
  if (type == MACH_MSG_TYPE_PORT_SEND) {
    if (port->srights_ == 1 && port->nsrequest_) return;
    --port->srights_;
  } else if (type == MACH_MSG_TYPE_PORT_SEND_ONCE) {
    --port->sorights_;
  } else {
    return;
  }
  k.forget_dest();
  port->unref_not_last();
}

// A message was queued: the receiver that waited longest is handed the
// oldest message (taken for it, as it would take it itself; one whose
// buffer is too small for it hears its size, and the next is tried) and woken; on
// the fast path it is kept for the caller's receive to switch to
// (sched::thread_handoff decides where it can run). Called with the port's
// lock held, which every receiver holds while it asserts its wait.
void serve_receiver_locked(Port* port, Handoff* handoff) UMACH_REQUIRES(port->lock) {
  if (!port->receivers_.may_have_waiters()) return;
  port->receivers_.lock.assert_held();  // the port's
  while (sched::Thread* t = port->receivers_.front_locked()) {
    ReceiveWait& w = receive_wait_of(*t);
    w.result = take_message_locked(port, w.rcv_size, w.option, &w.kmsg, &w.too_large);
    if (w.result != MACH_MSG_SUCCESS) {
      // MACH_RCV_LARGE and too small: it learns the size, and the message
      // stays for the next receiver (GNU Mach's ipc_mqueue_send).
      port->receivers_.wakeup_one_locked();
      continue;
    }
    use_destination_locked(port, *w.kmsg);
    if (!handoff || handoff->next) port->receivers_.wakeup_one_locked();
    else handoff->next = port->receivers_.wakeup_for_handoff_locked();
    return;
  }
}

// Blocks the current thread (its wait asserted), switching to the handed
// off receiver if there is one.
sched::WaitResult block(Handoff* handoff) {
  if (handoff && handoff->next) return sched::thread_handoff(kstd::exchange(handoff->next, nullptr));
  return sched::thread_block();
}

// Queues a copied-in message on its destination port, or hands it to the
// kernel's dispatch if the port is a kernel object's. MACH_SEND_TIMED_OUT
// and MACH_SEND_INTERRUPTED leave the message with the caller.
//
// MACH_SEND_NOTIFY: whose send right a message may be forced through,
// and the receive right for the msg-accepted notification.
struct ForceRequest {
  IpcSpace* space;
  mach_port_name_t dest_name;
  mach_port_name_t notify;
};

mach_msg_return_t queue_message(Kmsg* k, mach_msg_option_t option, mach_msg_timeout_t timeout,
                                Handoff* handoff = nullptr, const ForceRequest* force = nullptr) {
  Port* port = k->dest();
  const bool send_once = MACH_MSGH_BITS_REMOTE(k->header()->msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE ||
                         (option & MACH_SEND_ALWAYS);
  const bool poll = (option & MACH_SEND_TIMEOUT) && timeout == 0;
  const uint64_t deadline = deadline_of(option, MACH_SEND_TIMEOUT, timeout);
  bool forced = false;
  bool granted = false;  // woken with a slot reserved for this message (Port::grant_room_locked)
  // Instead of waiting (or, with a timeout, once it expired) a
  // MACH_SEND_NOTIFY message is queued regardless of the limit.
  auto arm_force = [&]() {
    const mach_msg_return_t mr = force->space->request_msg_accepted(force->dest_name, force->notify, *k);
    forced = mr == MACH_MSG_SUCCESS;
    return mr;
  };
  for (;;) {
    port->lock.lock();
    if (!port->active_) {
      // The port died after the send right was taken: the message goes away,
      // as in GNU Mach, and the send succeeded.
      port->lock.unlock();
      kmsg_destroy(k);
      return MACH_MSG_SUCCESS;
    }
    if (port->kobject_type_ != KObjectType::kNone) {
      port->lock.unlock();
      kobject_server(k);
      return MACH_MSG_SUCCESS;
    }
    if (send_once || forced || granted || port->msgcount_ < port->qlimit_) {
      if (kmsg_enqueue_would_be_circular(*k, port)) {
        // A receive right queued inside its own queue (on itself, or on a
        // port whose right is queued on it...) could never be received:
        // the message is destroyed (the ports with it), and the send
        // succeeds, as in GNU Mach. A slot reserved for it goes to the
        // next waiting sender.
        if (granted) {
          --port->msgcount_;
          port->grant_room_locked();
        }
        port->lock.unlock();
        kmsg_destroy(k);
        return MACH_MSG_SUCCESS;
      }
      port->messages_.push_back(*k);
      if (!granted) ++port->msgcount_;
      PortSet* set = port->pset_;
      if (set) set->ref();  // alive while we hold its member's lock (right.cc)
      serve_receiver_locked(port, handoff);
      port->lock.unlock();
      if (set) {
        set->arrivals_.fetch_add(1, kstd::MemoryOrder::acq_rel);
        set->receivers_.wakeup_one();
        set->unref();
      }
      return forced ? MACH_SEND_WILL_NOTIFY : MACH_MSG_SUCCESS;
    }
    if (force && (poll || !(option & MACH_SEND_TIMEOUT))) {
      port->lock.unlock();
      if (mach_msg_return_t mr = arm_force(); mr != MACH_MSG_SUCCESS) return mr;
      continue;
    }
    if (poll) {
      port->lock.unlock();
      return MACH_SEND_TIMED_OUT;
    }
    port->senders_.lock.assert_held();  // the port's
    port->senders_.assert_wait_locked(/*interruptible=*/true, deadline);
    port->lock.unlock();
    const sched::WaitResult r = sched::thread_block();
    // Woken by a receiver, the slot is ours (or the port died: seen above).
    granted = r == sched::WaitResult::kAwakened;
    if (r == sched::WaitResult::kTimedOut) {
      if (!force) return MACH_SEND_TIMED_OUT;
      if (mach_msg_return_t mr = arm_force(); mr != MACH_MSG_SUCCESS) return mr;
    }
    if (r == sched::WaitResult::kInterrupted) return MACH_SEND_INTERRUPTED;
  }
}

// Takes a message from some member of `set`: members are tried without
// waiting for their locks (a member's lock comes before its set's), and
// the member served moves to the back so every member gets its turn.
// kNothing: no member had one; kBusy: a member was locked, look again.
enum class SetScan { kTaken, kNothing, kBusy, kDead };

SetScan scan_set(PortSet* set, mach_msg_size_t rcv_size, mach_msg_option_t option, Kmsg** out,
                 mach_msg_size_t* too_large, mach_port_name_t* member_name, mach_msg_return_t* mr) {
  SpinlockGuard g(set->lock);
  if (!set->active_) return SetScan::kDead;
  bool busy = false;
  for (Port& p : set->members_) {
    if (!p.lock.try_lock()) {
      busy = true;
      continue;
    }
    if (!p.messages_.front()) {
      p.lock.unlock();
      continue;
    }
    *mr = take_message_locked(&p, rcv_size, option, out, too_large);
    *member_name = p.receiver_name_;
    p.lock.unlock();
    if (*mr == MACH_MSG_SUCCESS) {
      set->members_.remove(p);
      set->members_.push_back(p);
    }
    return SetScan::kTaken;
  }
  return busy ? SetScan::kBusy : SetScan::kNothing;
}

mach_msg_return_t dequeue_from_set(PortSet* set, mach_msg_size_t rcv_size, mach_msg_option_t option,
                                   mach_msg_timeout_t timeout, Kmsg** out, mach_msg_size_t* too_large,
                                   mach_port_name_t* member_name, Handoff* handoff) {
  const bool poll = (option & MACH_RCV_TIMEOUT) && timeout == 0;
  const uint64_t deadline = deadline_of(option, MACH_RCV_TIMEOUT, timeout);
  for (;;) {
    const uint64_t seen = set->arrivals_.load(kstd::MemoryOrder::acquire);
    mach_msg_return_t mr = MACH_MSG_SUCCESS;
    switch (scan_set(set, rcv_size, option, out, too_large, member_name, &mr)) {
      case SetScan::kTaken:
        return mr;
      case SetScan::kDead:
        return MACH_RCV_PORT_DIED;
      case SetScan::kBusy:
        sched::thread_yield();
        continue;
      case SetScan::kNothing:
        break;
    }
    if (poll) return MACH_RCV_TIMED_OUT;
    {
      SpinlockGuard wg(set->receivers_.lock);
      if (set->arrivals_.load(kstd::MemoryOrder::acquire) != seen) continue;  // one came while we looked
      set->receivers_.assert_wait_locked(/*interruptible=*/true, deadline);
    }
    const sched::WaitResult r = block(handoff);
    if (r == sched::WaitResult::kTimedOut) return MACH_RCV_TIMED_OUT;
    if (r == sched::WaitResult::kInterrupted) return MACH_RCV_INTERRUPTED;
  }
}

// Takes the oldest message of `port` for a receiver in `space` (null: the
// kernel, which holds the receive rights of its own reply ports), waiting
// for one if there is none. The caller locked the port, which keeps it
// alive (the receive right cannot go without its lock); it is unlocked
// here, before any wait, and not touched after: the waker answers.
mach_msg_return_t dequeue_message_locked(const IpcSpace* space, Port* port, mach_msg_size_t rcv_size,
                                         mach_msg_option_t option, mach_msg_timeout_t timeout, Kmsg** out,
                                         mach_msg_size_t* too_large, Handoff* handoff) UMACH_RELEASE(port->lock) {
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  bool wait = false;
  if (!port->active_) mr = MACH_RCV_PORT_DIED;
  else if (port->receiver_ != space) mr = MACH_RCV_PORT_CHANGED;  // (its receive right moved)
  else if (port->pset_) mr = MACH_RCV_IN_SET;  // its messages are received through the set
  else if (port->messages_.front()) mr = take_message_locked(port, rcv_size, option, out, too_large);
  else if ((option & MACH_RCV_TIMEOUT) && timeout == 0) mr = MACH_RCV_TIMED_OUT;
  else wait = true;
  if (!wait) {
    port->lock.unlock();
    return mr;
  }
  ReceiveWait w{rcv_size, option};
  port->receivers_.lock.assert_held();  // the port's
  port->receivers_.assert_wait_locked(/*interruptible=*/true, deadline_of(option, MACH_RCV_TIMEOUT, timeout), &w);
  port->lock.unlock();
  const sched::WaitResult r = block(handoff);
  if (r == sched::WaitResult::kTimedOut) return MACH_RCV_TIMED_OUT;
  if (r == sched::WaitResult::kInterrupted) return MACH_RCV_INTERRUPTED;
  *out = w.kmsg;
  *too_large = w.too_large;
  return w.result;
}

}  // namespace

void answer_receivers_locked(Port* port, mach_msg_return_t result) {
  if (!port->receivers_.may_have_waiters()) return;
  port->receivers_.lock.assert_held();  // the port's
  while (sched::Thread* t = port->receivers_.front_locked()) {
    receive_wait_of(*t).result = result;
    port->receivers_.wakeup_one_locked();
  }
}

bool send_hands_message_back(mach_msg_return_t mr) {
  mr &= ~MACH_MSG_MASK;
  return mr == MACH_SEND_TIMED_OUT || mr == MACH_SEND_INTERRUPTED || mr == MACH_SEND_INVALID_NOTIFY ||
         mr == MACH_SEND_NO_NOTIFY || mr == MACH_SEND_NOTIFY_IN_PROGRESS;
}

void handoff_flush(Handoff* handoff) {
  if (handoff && handoff->next) {
    sched::thread_setrun(*kstd::exchange(handoff->next, nullptr));
  }
}

void send_from_kernel(Kmsg* k) {
  if (!k->dest() || k->dest() == kDeadPort) {
    kmsg_destroy(k);
    return;
  }
  if (g_trace_ipc) [[unlikely]] trace_send(*k, k->dest(), /*from_kernel=*/true, MACH_PORT_NULL, MACH_PORT_NULL);
  mach_msg_return_t mr = queue_message(k, MACH_SEND_ALWAYS, 0);
  kassert(mr == MACH_MSG_SUCCESS);  // never waits, never fails
}

mach_msg_return_t mach_msg_send_kmsg(IpcSpace& space, Kmsg*& k, mach_msg_option_t option, mach_msg_timeout_t timeout,
                                     mach_port_name_t notify, Handoff* handoff) {
  const mach_msg_size_t send_size = k->header()->msgh_size;
  if (send_size < sizeof(mach_msg_header_t) || (send_size & 3) != 0 || send_size > k->capacity())
    return MACH_SEND_MSG_TOO_SMALL;
  // MACH_SEND_CANCEL's notify must be a receive right before anything happens.
  RefPtr<Port> cancel;
  if ((option & MACH_SEND_CANCEL) && notify != MACH_PORT_NULL &&
      space.receive_port(notify, &cancel) != KERN_SUCCESS)
    return MACH_SEND_INVALID_NOTIFY;
  const mach_port_name_t dest_name = k->header()->msgh_remote_port;
  const mach_port_name_t reply_name = k->header()->msgh_local_port;
  // A header error took nothing; a body error released what it took: the
  // buffer stays the caller's either way.
  mach_msg_return_t mr = kmsg_copyin(space, *k, cancel.get());
  if (mr != MACH_MSG_SUCCESS) return mr;
  if (g_trace_ipc) [[unlikely]] trace_send(*k, k->dest(), /*from_kernel=*/false, dest_name, reply_name);
  const ForceRequest force{&space, dest_name, notify};
  mr = queue_message(k, option, timeout, handoff, (option & MACH_SEND_NOTIFY) ? &force : nullptr);
  if (send_hands_message_back(mr)) {
    // The message goes back to the sender, rights and all (kmsg_copy.h).
    // Resent as it is (libmach retries an interrupted send), its
    // MACH_MSG_TYPE_PORT_* bits read as the MOVE_* dispositions.
    // What could not come back says so in the shortage bits.
    mr |= kmsg_copyout_pseudo(space, *k) & MACH_MSG_MASK;
    return mr;
  }
  k = nullptr;  // queued, served or destroyed: it is gone
  return mr;
}

mach_msg_return_t mach_msg_send(IpcSpace& space, mach_msg_header_t* msg, mach_msg_size_t send_size,
                                mach_msg_option_t option, mach_msg_timeout_t timeout, mach_port_name_t notify,
                                Handoff* handoff) {
  if (send_size < sizeof(mach_msg_header_t) || (send_size & 3) != 0) return MACH_SEND_MSG_TOO_SMALL;
  if (send_size > Kmsg::kMaxSize) return MACH_SEND_NO_BUFFER;
  Kmsg* k = Kmsg::alloc(send_size);
  if (!k) return MACH_SEND_NO_BUFFER;
  kstd::memcpy(k->bytes(), msg, send_size);
  k->header()->msgh_size = send_size;  // the size is what the sender says it sends
  const mach_msg_return_t mr = mach_msg_send_kmsg(space, k, option, timeout, notify, handoff);
  if (k) {
    if (send_hands_message_back(mr)) kstd::memcpy(msg, k->bytes(), k->size());
    Kmsg::free(k);
  }
  return mr;
}

namespace {
[[clang::no_destroy]] constinit TypedZone<AcceptRequest> g_accepts("ipc.accept");
}  // namespace

AcceptRequest* new_accept_request() { return g_accepts.create(); }

void release_accept_request(AcceptRequest* a) {
  if (a->refs.fetch_sub(1, kstd::MemoryOrder::acq_rel) == 1) g_accepts.destroy(a);
}

mach_msg_return_t IpcSpace::request_msg_accepted(mach_port_name_t name, mach_port_name_t notify, Kmsg& k) {
  AcceptRequest* a = new_accept_request();
  if (!a) return MACH_SEND_NO_NOTIFY;
  mach_msg_return_t mr = MACH_MSG_SUCCESS;
  {
    SpinlockGuard g(lock);
    IpcEntry* n = active_ ? lookup_locked(notify) : nullptr;
    IpcEntry* e = active_ ? lookup_locked(name) : nullptr;
    // The send right the message went through, if the space still has it
    // (a MOVE_SEND of its last reference took it along).
    if (e && (!(e->type & MACH_PORT_TYPE_SEND) || e->port() != k.dest())) e = nullptr;
    if (e && e->accept && e->accept->received.load(kstd::MemoryOrder::acquire)) {
      release_accept_request(kstd::exchange(e->accept, nullptr));  // the last forced message was received
    }
    TransitRight so;
    if (!n || !(n->type & MACH_PORT_TYPE_RECEIVE)) mr = MACH_SEND_INVALID_NOTIFY;
    else if (e && e->accept) mr = MACH_SEND_NOTIFY_IN_PROGRESS;
    else if (copyin_locked(n, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so) != KERN_SUCCESS) mr = MACH_SEND_INVALID_NOTIFY;
    if (mr == MACH_MSG_SUCCESS) {
      k.accept_notify_ = so.port;
      k.accept_ = a;
      if (e) {
        a->name.store(name, kstd::MemoryOrder::relaxed);
        e->accept = a;
      } else {
        a->refs.store(1, kstd::MemoryOrder::relaxed);  // the message's alone
      }
    }
  }
  if (mr != MACH_MSG_SUCCESS) g_accepts.destroy(a);
  return mr;
}

void kmsg_take_accept_request(Kmsg& k, bool received) {
  Port* notify = kstd::exchange(k.accept_notify_, nullptr);
  if (!notify) return;
  AcceptRequest* a = kstd::exchange(k.accept_, nullptr);
  const mach_port_name_t name = a->name.load(kstd::MemoryOrder::relaxed);
  a->received.store(true, kstd::MemoryOrder::release);
  release_accept_request(a);
  if (received) {
    notify_msg_accepted(notify, name);
  } else {
    TransitRight r{notify, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    release_transit_right(r);  // a send-once notification instead
  }
}

namespace {

mach_msg_return_t receive(IpcSpace& space, mach_msg_size_t rcv_size, mach_port_name_t name, mach_msg_option_t option,
                          mach_msg_timeout_t timeout, mach_port_name_t notify, Handoff* handoff, Kmsg** out,
                          mach_msg_size_t* too_large) {
  *out = nullptr;
  // MACH_RCV_NOTIFY's port is checked first (the receive port's lock comes
  // after the space's), its error reported after the name's.
  mach_msg_return_t notify_error = MACH_MSG_SUCCESS;
  if (!(option & MACH_RCV_NOTIFY)) {
    notify = MACH_PORT_NULL;
  } else {
    RefPtr<Port> notify_port;
    if (space.receive_port(notify, &notify_port) != KERN_SUCCESS) notify_error = MACH_RCV_INVALID_NOTIFY;
  }
  Port* port = nullptr;  // locked, no reference (IpcSpace::receive_source)
  RefPtr<PortSet> set;
  if (space.receive_source(name, &port, &set) != KERN_SUCCESS) return MACH_RCV_INVALID_NAME;
  Kmsg* k = nullptr;
  mach_port_name_t received_on = name;
  mach_msg_return_t mr = notify_error;
  if (port) {
    port->lock.assert_held();  // (receive_source took it)
    if (mr != MACH_MSG_SUCCESS) port->lock.unlock();
    else mr = dequeue_message_locked(&space, port, rcv_size, option, timeout, &k, too_large, handoff);
  } else if (mr == MACH_MSG_SUCCESS) {
    mr = dequeue_from_set(set.get(), rcv_size, option, timeout, &k, too_large, &received_on, handoff);
  }
  if (mr != MACH_MSG_SUCCESS) return mr;
  kmsg_take_accept_request(*k, /*received=*/true);
  if (k->size() > rcv_size) {
    kmsg_destroy(k);  // without MACH_RCV_LARGE, a message too large is lost
    return MACH_RCV_TOO_LARGE;
  }
  mr = kmsg_copyout(space, *k, received_on, notify);
  *out = k;
  return mr;
}

}  // namespace

mach_msg_return_t receive_from_kernel_port(Port* port, Kmsg** out) {
  *out = nullptr;
  mach_msg_size_t too_large = 0;
  port->lock.lock();
  const mach_msg_return_t mr =
      dequeue_message_locked(nullptr, port, Kmsg::kMaxSize, MACH_RCV_MSG, 0, out, &too_large, nullptr);
  if (mr == MACH_MSG_SUCCESS) kmsg_take_accept_request(**out, /*received=*/true);
  return mr;
}

mach_msg_return_t mach_msg_receive_kmsg(IpcSpace& space, mach_msg_size_t rcv_size, mach_port_name_t name,
                                        mach_msg_option_t option, mach_msg_timeout_t timeout, mach_port_name_t notify,
                                        Handoff* handoff, Kmsg** out, mach_msg_size_t* too_large) {
  *too_large = 0;
  mach_msg_return_t mr = receive(space, rcv_size, name, option, timeout, notify, handoff, out, too_large);
  handoff_flush(handoff);  // not handed off (the receive did not block): it runs the ordinary way
  return mr;
}

mach_msg_return_t mach_msg_receive(IpcSpace& space, mach_msg_header_t* buffer, mach_msg_size_t rcv_size,
                                   mach_port_name_t name, mach_msg_option_t option, mach_msg_timeout_t timeout,
                                   mach_port_name_t notify, Handoff* handoff) {
  Kmsg* k = nullptr;
  mach_msg_size_t too_large = 0;
  const mach_msg_return_t mr =
      mach_msg_receive_kmsg(space, rcv_size, name, option, timeout, notify, handoff, &k, &too_large);
  if (mr == MACH_RCV_TOO_LARGE && too_large && rcv_size >= sizeof(mach_msg_header_t)) buffer->msgh_size = too_large;
  if (k) {
    kstd::memcpy(buffer, k->bytes(), k->size());
    Kmsg::free(k);
  }
  return mr;
}

}  // namespace umach::ipc
