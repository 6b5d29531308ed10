// ipc/right.cc: rights in transit: taking a right out of a space for a
// message (copyin), putting one in (copyout), and what becomes of one
// nobody receives (ipc/space.h).
//
// Counting rule: an entry with send rights counts once in the port's
// srights_ whatever its user references; a send-once entry counts once in
// sorights_; an entry holds one reference on its object whatever rights it
// has. A right in transit (TransitRight) holds one reference and counts
// once.
//
// Notifications (ipc/notify.h) go out as these counts reach zero or a
// port dies; an entry that loses its last right to a port while it has a
// dead-name request sends a port-deleted notification (entry_deleted_locked).
#include "core/kstd/utility.h"
#include "core/zone.h"
#include "ipc/kmsg_copy.h"
#include "ipc/msg.h"
#include "ipc/notify.h"
#include "ipc/right.h"

namespace umach::ipc {
namespace {
[[clang::no_destroy]] constinit TypedZone<DeadNameRequest> g_dnrequests("ipc.dnrequest");
}  // namespace

void leave_set_locked(Port* port) {
  PortSet* set = port->pset_;
  if (!set) return;
  SpinlockGuard g(set->lock);  // a set's lock nests inside its member's
  set->members_.remove(*port);
  --set->member_count_;
  port->pset_ = nullptr;
}

void empty_set(PortSet* set) {
  {
    SpinlockGuard g(set->lock);
    set->active_ = false;
  }
  set->receivers_.wakeup_all();  // they see the set gone
  for (;;) {
    Port* member;
    {
      SpinlockGuard g(set->lock);
      set->active_ = false;
      member = set->members_.front();
      if (!member) return;
      member->ref();
    }
    {
      SpinlockGuard g(member->lock);
      if (member->pset_ == set) leave_set_locked(member);
    }
    member->unref();
  }
}

void destroy_receive_right(Port* port) {
  List<Kmsg, &Kmsg::link_> queued;
  List<DeadNameRequest, &DeadNameRequest::link> dnrequests;
  Port* nsrequest = nullptr;
  Port* pdrequest = nullptr;
  port_leaves_transit(port);  // the message that carried it is being destroyed
  {
    SpinlockGuard g(port->lock);
    kassert(port->active_);
    port->receiver_ = nullptr;
    port->receiver_name_ = MACH_PORT_NULL;
    leave_set_locked(port);
    pdrequest = kstd::exchange(port->pdrequest_, nullptr);
    // Its receivers hear that it died, also when (port-destroyed) the right
    // goes to the requester: GNU Mach's ipc_port_clear_receiver says
    // MACH_RCV_PORT_DIED either way.
    answer_receivers_locked(port, MACH_RCV_PORT_DIED);
    if (!pdrequest) {
      port->active_ = false;
      port->died_.store(true, kstd::MemoryOrder::release);
      nsrequest = kstd::exchange(port->nsrequest_, nullptr);
      while (Kmsg* k = port->messages_.front()) {
        port->messages_.remove(*k);
        queued.push_back(*k);
      }
      port->msgcount_ = 0;
      // Dead, the port answers every dead-name request now; entries that
      // point at one see the port dead before they look at it again.
      while (DeadNameRequest* r = port->dnrequests_.front()) {
        port->dnrequests_.remove(*r);
        dnrequests.push_back(*r);
      }
    }
  }
  if (pdrequest) {
    // Someone asked for it: the receive right goes to them instead of
    // dying, with its queue (ipc/notify.h).
    notify_port_destroyed(pdrequest, port);
    return;
  }
  // Waiting senders see the port dead: they send into nothing.
  port->senders_.wakeup_all();
  if (nsrequest) {
    TransitRight r{nsrequest, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    release_transit_right(r);  // the requester hears a send-once notification
  }
  while (DeadNameRequest* r = dnrequests.front()) {
    dnrequests.remove(*r);
    notify_dead_name(r->notify, r->name);
    g_dnrequests.destroy(r);
  }
  // The queued messages go, with their rights (after the port's lock: a
  // message may hold a right to this very port).
  while (Kmsg* k = queued.front()) {
    queued.remove(*k);
    kmsg_destroy(k);
  }
  port->unref();
}

// A send right went away (the caller decremented srights_ under the lock):
// the request to fire if that was the last one.
Port* take_no_senders_request_locked(Port* port) UMACH_REQUIRES(port->lock) {
  if (port->srights_ != 0 || !port->nsrequest_ || !port->active_) return nullptr;
  return kstd::exchange(port->nsrequest_, nullptr);  // (sync matters only when requesting)
}

void release_transit_right(TransitRight& right, bool used) {
  Port* port = right.port;
  const mach_msg_type_name_t type = right.type;
  right = TransitRight{};
  if (!port) return;
  if (type == MACH_MSG_TYPE_PORT_RECEIVE) return destroy_receive_right(port);
  if (type == MACH_MSG_TYPE_PORT_SEND) {
    Port* request;
    mach_port_mscount_t mscount;
    {
      SpinlockGuard g(port->lock);
      kassert(port->srights_ > 0);
      --port->srights_;
      request = take_no_senders_request_locked(port);
      mscount = port->mscount_;
    }
    if (request) notify_no_senders(request, mscount);
    port->unref();
    return;
  }
  kassert(type == MACH_MSG_TYPE_PORT_SEND_ONCE);
  {
    SpinlockGuard g(port->lock);
    kassert(port->sorights_ > 0);
    // An unused send-once right to a live user port tells the port so, on
    // itself; otherwise it just goes.
    if (used || !port->active_ || port->kobject_type_ != KObjectType::kNone) {
      --port->sorights_;
      used = true;
    }
  }
  if (used) port->unref();
  else notify_send_once(port);  // consumes the reference and the count
}

void release_send_right(Port* right) {
  if (!right || right == kDeadPort) return;
  TransitRight r{right, MACH_MSG_TYPE_PORT_SEND, false};
  release_transit_right(r);
}

DeadNameRequest* new_dead_name_request() { return g_dnrequests.create(); }
void free_dead_name_request(DeadNameRequest* r) { g_dnrequests.destroy(r); }

Port* IpcSpace::cancel_request_locked(IpcEntry* e) {
  DeadNameRequest* r = kstd::exchange(e->request, nullptr);
  if (!r) return nullptr;
  Port* port = e->port();
  Port* notify = nullptr;
  {
    SpinlockGuard pg(port->lock);
    if (!port->active_) return nullptr;  // it died: the request was answered (and freed)
    port->dnrequests_.remove(*r);
    notify = r->notify;
  }
  g_dnrequests.destroy(r);
  return notify;
}

bool IpcSpace::entry_deleted_locked(IpcEntry* e, const Port* cancel) {
  if (!e->request) return false;
  Port* notify = cancel_request_locked(e);
  // The port died after the caller's lookup saw it alive (its death takes
  // no lock of ours): the dead-name notification is out, and the name owes
  // it a user reference.
  if (!notify) return true;
  if (notify == cancel) {
    // MACH_SEND_CANCEL named the request's notify port: it goes silently.
    TransitRight r{notify, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    release_transit_right(r, /*used=*/true);
    return false;
  }
  notify_port_deleted(notify, e->name);
  return false;
}

void IpcSpace::become_notified_dead_name_locked(IpcEntry* e) {
  kassert(e->object == nullptr && !e->object_node.is_linked());
  e->type = MACH_PORT_TYPE_DEAD_NAME;
  e->urefs = 1;  // the dead-name notification's
}

void IpcSpace::drop_accept_locked(IpcEntry* e) {
  AcceptRequest* a = kstd::exchange(e->accept, nullptr);
  if (!a) return;
  a->name.store(MACH_PORT_NULL, kstd::MemoryOrder::relaxed);
  release_accept_request(a);
}

void IpcSpace::drop_rights_locked(IpcEntry* e, mach_port_type_t rights, bool releasing) {
  kassert((e->type & rights) == rights);
  // The name stops naming the port: before a receive right dies below, so
  // the requester hears port-deleted rather than dead-name (GNU Mach).
  const bool notified = !(e->type & ~rights & MACH_PORT_TYPE_PORT_RIGHTS) && entry_deleted_locked(e);
  if (rights & MACH_PORT_TYPE_SEND) {
    drop_accept_locked(e);
    // The entry's count of the send right leaves as a right in transit would.
    Port* port = e->port();
    port->ref();
    TransitRight r{port, MACH_MSG_TYPE_PORT_SEND, false};
    release_transit_right(r);
    e->urefs = 0;
  }
  if (rights & MACH_PORT_TYPE_SEND_ONCE) {
    Port* port = e->port();
    port->ref();
    TransitRight r{port, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    release_transit_right(r);  // a send-once notification
    e->urefs = 0;
  }
  if (rights & MACH_PORT_TYPE_DEAD_NAME) e->urefs = 0;
  IpcObject* object = e->object;
  e->type &= ~rights;
  if (rights & MACH_PORT_TYPE_RECEIVE) {
    object->ref();  // destroy_receive_right consumes one; the entry's goes below
    destroy_receive_right(e->port());
  }
  if (rights & MACH_PORT_TYPE_PORT_SET) {
    auto* set = static_cast<PortSet*>(object);
    empty_set(set);
  }
  if (e->type & MACH_PORT_TYPE_ALL_RIGHTS) {
    set_object_locked(e, object);  // fewer rights: maybe out of the reverse map
    return;
  }
  set_object_locked(e, nullptr);
  if (object) object->unref();
  // Releasing the last reference of a right whose port just died leaves
  // the dead name its notification promised, as GNU Mach's dealloc does
  // (it sees the death first); destroying the name removes it.
  if (notified && releasing && active_) return become_notified_dead_name_locked(e);
  free_entry_locked(e);
}

void IpcSpace::destroy_entry_locked(IpcEntry* e) {
  drop_rights_locked(e, e->type & MACH_PORT_TYPE_ALL_RIGHTS, /*releasing=*/false);
}

kern_return_t IpcSpace::copyin_right(mach_port_name_t name, mach_msg_type_name_t disposition, TransitRight* out) {
  *out = TransitRight{};
  if (disposition < MACH_MSG_TYPE_MOVE_RECEIVE || disposition > MACH_MSG_TYPE_MAKE_SEND_ONCE)
    return KERN_INVALID_VALUE;
  if (name == MACH_PORT_NULL) return KERN_SUCCESS;
  if (name == MACH_PORT_DEAD) {
    out->dead = true;
    return KERN_SUCCESS;
  }
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  return copyin_locked(e, disposition, out);
}

kern_return_t IpcSpace::copyin_locked(IpcEntry* e, mach_msg_type_name_t disposition, TransitRight* out,
                                      const Port* cancel) {
  const mach_port_type_t t = e->type;
  switch (disposition) {
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: {
      if (!(t & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      Port* port = e->port();
      SpinlockGuard pg(port->lock);
      if (disposition == MACH_MSG_TYPE_MAKE_SEND) {
        ++port->mscount_;
        ++port->srights_;
        *out = TransitRight{port, MACH_MSG_TYPE_PORT_SEND, false};
      } else {
        ++port->sorights_;
        *out = TransitRight{port, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
      }
      port->ref();
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_COPY_SEND:
    case MACH_MSG_TYPE_MOVE_SEND: {
      if (t & MACH_PORT_TYPE_DEAD_NAME) {
        // A dead name travels as MACH_PORT_DEAD; moving it uses a reference.
        out->dead = true;
        if (disposition == MACH_MSG_TYPE_MOVE_SEND && --e->urefs == 0) {
          e->type = MACH_PORT_TYPE_NONE;
          free_entry_locked(e);
        }
        return KERN_SUCCESS;
      }
      if (!(t & MACH_PORT_TYPE_SEND)) return KERN_INVALID_RIGHT;
      Port* port = e->port();
      *out = TransitRight{port, MACH_MSG_TYPE_PORT_SEND, false};
      if (disposition == MACH_MSG_TYPE_MOVE_SEND && e->urefs == 1) {
        // The entry's send right itself leaves: its count goes with it.
        e->urefs = 0;
        e->type &= ~MACH_PORT_TYPE_SEND;
        drop_accept_locked(e);
        if (e->type & MACH_PORT_TYPE_RECEIVE) {
          port->ref();
          set_object_locked(e, port);
        } else {
          const bool notified = entry_deleted_locked(e, cancel);
          set_object_locked(e, nullptr);  // the entry's reference goes with the right
          if (notified) become_notified_dead_name_locked(e);
          else free_entry_locked(e);
        }
        return KERN_SUCCESS;
      }
      if (disposition == MACH_MSG_TYPE_MOVE_SEND) --e->urefs;
      SpinlockGuard pg(port->lock);
      ++port->srights_;
      port->ref();
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_SEND_ONCE: {
      if (t & MACH_PORT_TYPE_DEAD_NAME) {
        out->dead = true;
        if (--e->urefs == 0) {
          e->type = MACH_PORT_TYPE_NONE;
          free_entry_locked(e);
        }
        return KERN_SUCCESS;
      }
      if (!(t & MACH_PORT_TYPE_SEND_ONCE)) return KERN_INVALID_RIGHT;
      *out = TransitRight{e->port(), MACH_MSG_TYPE_PORT_SEND_ONCE, false};
      const bool notified = entry_deleted_locked(e, cancel);
      e->type = MACH_PORT_TYPE_NONE;
      e->urefs = 0;
      set_object_locked(e, nullptr);  // reference and count go with the right
      if (notified) become_notified_dead_name_locked(e);
      else free_entry_locked(e);
      return KERN_SUCCESS;
    }
    case MACH_MSG_TYPE_MOVE_RECEIVE: {
      if (!(t & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
      Port* port = e->port();
      {
        // As GNU Mach's ipc_port_clear_receiver: the make-send count and
        // the sequence number start again from zero (the manual), and
        // threads blocked receiving on the port go (MACH_RCV_PORT_DIED, as
        // GNU Mach's ipc_mqueue_changed call there), so none stays asleep on a port
        // it can no longer receive from, nor takes a wakeup meant for the
        // right's next holder.
        SpinlockGuard pg(port->lock);
        port->receiver_ = nullptr;
        port->receiver_name_ = MACH_PORT_NULL;
        port->mscount_ = 0;
        port->seqno_ = 0;
        leave_set_locked(port);
        answer_receivers_locked(port, MACH_RCV_PORT_DIED);
      }
      *out = TransitRight{port, MACH_MSG_TYPE_PORT_RECEIVE, false};
      e->type &= ~MACH_PORT_TYPE_RECEIVE;
      if (e->type & MACH_PORT_TYPE_SEND) {
        port->ref();  // the entry keeps its own for the send right
        set_object_locked(e, port);
      } else {
        (void)entry_deleted_locked(e, cancel);  // a receive right's port is alive: never notified
        set_object_locked(e, nullptr);
        free_entry_locked(e);
      }
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_VALUE;
  }
}

bool IpcSpace::copyin_allowed_locked(const IpcEntry* e, mach_msg_type_name_t disposition, int uses) {
  switch (disposition) {
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
      return e->type & MACH_PORT_TYPE_RECEIVE;
    case MACH_MSG_TYPE_COPY_SEND:  // uses 2: after the destination moved one reference
    case MACH_MSG_TYPE_MOVE_SEND:
      return (e->type & MACH_PORT_TYPE_SEND) && e->urefs >= static_cast<mach_port_urefs_t>(uses);
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      return (e->type & MACH_PORT_TYPE_SEND_ONCE) && uses == 1;
    default:
      return false;
  }
}

mach_msg_return_t IpcSpace::copyin_header(mach_port_name_t dest_name, mach_msg_type_name_t dest_disposition,
                                          mach_port_name_t reply_name, mach_msg_type_name_t reply_disposition,
                                          TransitRight* dest, TransitRight* reply, const Port* cancel) {
  // (Each cleared on its own: `*dest = *reply = {}` copies one into the
  // other with an unaligned load that waits for the clearing stores.)
  *dest = TransitRight{};
  *reply = TransitRight{};
  SpinlockGuard g(lock);
  if (!active_) return MACH_SEND_INVALID_DEST;
  if (MACH_PORT_VALID(reply_name) && reply_name == dest_name)
    return copyin_header_one_name_locked(dest_name, dest_disposition, reply_disposition, dest, reply, cancel);
  IpcEntry* d = lookup_locked(dest_name);
  if (!d || !copyin_allowed_locked(d, dest_disposition, 1)) return MACH_SEND_INVALID_DEST;
  IpcEntry* r = nullptr;
  if (MACH_PORT_VALID(reply_name)) {
    r = lookup_locked(reply_name);
    if (!r) return MACH_SEND_INVALID_REPLY;
    kassert(r != d);  // (one name for both: copyin_header_one_name_locked)
    if (!reply_allowed_locked(r, reply_disposition)) return MACH_SEND_INVALID_REPLY;
  }
  // Both checked: neither copyin can fail now.
  kern_return_t kr = copyin_locked(d, dest_disposition, dest, cancel);
  kassert(kr == KERN_SUCCESS);
  if (r) {
    r = lookup_locked(reply_name);
    kassert(r != nullptr);
    kr = copyin_locked(r, reply_disposition, reply);
    kassert(kr == KERN_SUCCESS);
  } else if (reply_name == MACH_PORT_DEAD) {
    reply->dead = true;
  }
  return MACH_MSG_SUCCESS;
}

bool IpcSpace::reply_allowed_locked(const IpcEntry* r, mach_msg_type_name_t disposition) {
  // A dead name goes as MACH_PORT_DEAD where a send or send-once right would.
  const bool dead_reply = (r->type & MACH_PORT_TYPE_DEAD_NAME) &&
                          (disposition == MACH_MSG_TYPE_COPY_SEND || disposition == MACH_MSG_TYPE_MOVE_SEND ||
                           disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE);
  return dead_reply || copyin_allowed_locked(r, disposition, 1);
}

// The destination and the reply named alike, as Mach's
// ipc_kmsg_copyin_header takes them: the reply's right is checked first
// (MACH_SEND_INVALID_REPLY); a send-once right either way cannot serve
// both (MACH_SEND_INVALID_DEST); a make-send or make-send-once means a
// receive right, which stays; two move-sends need two user references;
// otherwise the copy-send goes first and the move-send after it, so one
// reference serves a move-send and a copy-send together.
mach_msg_return_t IpcSpace::copyin_header_one_name_locked(mach_port_name_t name, mach_msg_type_name_t dest_disposition,
                                                          mach_msg_type_name_t reply_disposition, TransitRight* dest,
                                                          TransitRight* reply, const Port* cancel) {
  IpcEntry* e = lookup_locked(name);
  if (!e) return MACH_SEND_INVALID_DEST;
  if (!reply_allowed_locked(e, reply_disposition)) return MACH_SEND_INVALID_REPLY;
  if (dest_disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE || reply_disposition == MACH_MSG_TYPE_MOVE_SEND_ONCE)
    return MACH_SEND_INVALID_DEST;
  const bool both_move =
      dest_disposition == MACH_MSG_TYPE_MOVE_SEND && reply_disposition == MACH_MSG_TYPE_MOVE_SEND;
  if (!copyin_allowed_locked(e, dest_disposition, both_move ? 2 : 1)) return MACH_SEND_INVALID_DEST;
  const bool reply_first = dest_disposition == MACH_MSG_TYPE_MOVE_SEND && reply_disposition == MACH_MSG_TYPE_COPY_SEND;
  kern_return_t kr = KERN_SUCCESS;
  if (reply_first) kr = copyin_locked(e, reply_disposition, reply);
  kassert(kr == KERN_SUCCESS);
  kr = copyin_locked(e, dest_disposition, dest, cancel);
  kassert(kr == KERN_SUCCESS);
  if (!reply_first) {
    e = lookup_locked(name);
    kassert(e != nullptr);
    // Two move-sends take the right together (Mach's ipc_right_copyin_two):
    // MACH_SEND_CANCEL covers the second, which takes the name's last.
    kr = copyin_locked(e, reply_disposition, reply, both_move ? cancel : nullptr);
    kassert(kr == KERN_SUCCESS);
  }
  return MACH_MSG_SUCCESS;
}

kern_return_t IpcSpace::copyout_right(TransitRight& right, mach_port_name_t* name, bool* created) {
  *name = right.dead ? MACH_PORT_DEAD : MACH_PORT_NULL;
  if (created) *created = false;
  if (!right.port) {
    right = TransitRight{};
    return KERN_SUCCESS;
  }
  SpinlockGuard g(lock);
  Port* port = right.port;
  // Without the port's lock: a live port may die the moment after either way.
  const bool dead = port->died_.load(kstd::MemoryOrder::acquire);
  if (!active_ || (dead && right.type != MACH_MSG_TYPE_PORT_RECEIVE)) {
    // A send right to a dead port arrives as MACH_PORT_DEAD.
    release_transit_right(right);
    *name = MACH_PORT_DEAD;
    return active_ ? KERN_SUCCESS : KERN_INVALID_TASK;
  }
  IpcEntry* e = right.type == MACH_MSG_TYPE_PORT_SEND_ONCE ? nullptr : entry_of_port_locked(port);
  if (e) {
    // The space already names the port: the right joins that entry.
    if (right.type == MACH_MSG_TYPE_PORT_SEND) {
      if (e->type & MACH_PORT_TYPE_SEND) {
        // At the most user references the right arrives all the same and
        // the count stays (the manual: "unless this would cause the
        // user-reference count to overflow"; GNU Mach pegs it), so that
        // mach_task_self and its kind cannot fail.
        if (e->urefs < kUrefsMax) ++e->urefs;
        SpinlockGuard pg(port->lock);
        --port->srights_;  // the entry already counts once
      } else {
        e->type |= MACH_PORT_TYPE_SEND;
        e->urefs = 1;
      }
    } else {
      kassert(right.type == MACH_MSG_TYPE_PORT_RECEIVE && !(e->type & MACH_PORT_TYPE_RECEIVE));
      e->type |= MACH_PORT_TYPE_RECEIVE;
      SpinlockGuard pg(port->lock);
      port->receiver_ = this;
      port->receiver_name_ = e->name;
    }
    port->unref_not_last();  // the entry's reference stands for both
    right = TransitRight{};
    *name = e->name;
    return KERN_SUCCESS;
  }
  kern_return_t kr = new_entry_locked(MACH_PORT_NULL, &e);
  if (kr != KERN_SUCCESS) {
    release_transit_right(right);
    *name = MACH_PORT_NULL;
    return kr;
  }
  e->type = right.type == MACH_MSG_TYPE_PORT_SEND        ? MACH_PORT_TYPE_SEND
            : right.type == MACH_MSG_TYPE_PORT_SEND_ONCE ? MACH_PORT_TYPE_SEND_ONCE
                                                         : MACH_PORT_TYPE_RECEIVE;
  e->urefs = right.type == MACH_MSG_TYPE_PORT_RECEIVE ? 0 : 1;
  set_object_locked(e, port);  // the right's reference becomes the entry's
  if (right.type == MACH_MSG_TYPE_PORT_RECEIVE) {
    SpinlockGuard pg(port->lock);
    port->receiver_ = this;
    port->receiver_name_ = e->name;
  }
  right = TransitRight{};
  *name = e->name;
  if (created) *created = true;
  return KERN_SUCCESS;
}

}  // namespace umach::ipc
