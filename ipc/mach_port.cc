// ipc/mach_port.cc: the mach_port_* calls on a space, with the errors of
// the GNU Mach manual ("Port Manipulation Interface").
#include <mach/notify.h>

#include "core/kalloc.h"
#include "core/kstd/utility.h"
#include "ipc/msg.h"
#include "ipc/notify.h"
#include "ipc/right.h"

namespace umach::ipc {

kern_return_t IpcSpace::allocate_object_locked(IpcEntry* e, mach_port_right_t right) {
  if (right == MACH_PORT_RIGHT_RECEIVE) {
    auto port = Port::create();
    if (!port.ok()) return port.error();
    Port* p = port.value().leak_ref();
    {
      SpinlockGuard pg(p->lock);
      p->receiver_ = this;
      p->receiver_name_ = e->name;
    }
    e->type = MACH_PORT_TYPE_RECEIVE;
    set_object_locked(e, p);
  } else if (right == MACH_PORT_RIGHT_PORT_SET) {
    auto set = PortSet::create();
    if (!set.ok()) return set.error();
    PortSet* s = set.value().leak_ref();
    {
      SpinlockGuard sg(s->lock);
      s->name_ = e->name;
    }
    e->type = MACH_PORT_TYPE_PORT_SET;
    set_object_locked(e, s);
  } else {
    e->type = MACH_PORT_TYPE_DEAD_NAME;
    e->urefs = 1;
  }
  return KERN_SUCCESS;
}

static bool allocatable(mach_port_right_t right) {
  return right == MACH_PORT_RIGHT_RECEIVE || right == MACH_PORT_RIGHT_PORT_SET || right == MACH_PORT_RIGHT_DEAD_NAME;
}

kern_return_t IpcSpace::allocate(mach_port_right_t right, mach_port_name_t* name) {
  if (!allocatable(right)) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  IpcEntry* e;
  if (kern_return_t kr = new_entry_locked(MACH_PORT_NULL, &e); kr != KERN_SUCCESS) return kr;
  if (kern_return_t kr = allocate_object_locked(e, right); kr != KERN_SUCCESS) {
    free_entry_locked(e);
    return kr;
  }
  *name = e->name;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::allocate_name(mach_port_right_t right, mach_port_name_t name) {
  if (!allocatable(right) || !MACH_PORT_VALID(name)) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  if (lookup_locked(name)) return KERN_NAME_EXISTS;
  IpcEntry* e;
  if (kern_return_t kr = new_entry_locked(name, &e); kr != KERN_SUCCESS) return kr;
  if (kern_return_t kr = allocate_object_locked(e, right); kr != KERN_SUCCESS) {
    free_entry_locked(e);
    return kr;
  }
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::deallocate(mach_port_name_t name) {
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME)) {
    if (e->urefs > 1) {
      --e->urefs;
      return KERN_SUCCESS;
    }
    drop_rights_locked(e, e->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME));
    return KERN_SUCCESS;
  }
  if (e->type & MACH_PORT_TYPE_SEND_ONCE) {
    drop_rights_locked(e, MACH_PORT_TYPE_SEND_ONCE);
    return KERN_SUCCESS;
  }
  return KERN_INVALID_RIGHT;  // a receive right or a port set: mod_refs or destroy
}

kern_return_t IpcSpace::destroy(mach_port_name_t name) {
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  destroy_entry_locked(e);
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::mod_refs(mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta) {
  if (right >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  const mach_port_type_t bit = MACH_PORT_TYPE(right);
  if (!(e->type & bit)) return KERN_INVALID_RIGHT;
  if (right == MACH_PORT_RIGHT_RECEIVE || right == MACH_PORT_RIGHT_PORT_SET || right == MACH_PORT_RIGHT_SEND_ONCE) {
    // One right each: the only changes are none and its removal.
    if (delta == 0) return KERN_SUCCESS;
    if (delta != -1) return KERN_INVALID_VALUE;
    drop_rights_locked(e, bit);
    return KERN_SUCCESS;
  }
  // Send rights and dead names count user references.
  const int64_t refs = static_cast<int64_t>(e->urefs) + delta;
  if (refs < 0) return KERN_INVALID_VALUE;
  if (refs > kUrefsMax) return KERN_UREFS_OVERFLOW;
  if (refs == 0) drop_rights_locked(e, bit);
  else e->urefs = static_cast<mach_port_urefs_t>(refs);
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::get_refs(mach_port_name_t name, mach_port_right_t right, mach_port_urefs_t* refs) {
  if (right >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  const mach_port_type_t bit = MACH_PORT_TYPE(right);
  if (!(e->type & bit)) *refs = 0;
  else if (right == MACH_PORT_RIGHT_SEND || right == MACH_PORT_RIGHT_DEAD_NAME) *refs = e->urefs;
  else *refs = 1;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::check_user_port(mach_port_name_t name, mach_port_right_t right) {
  if (right >= MACH_PORT_RIGHT_NUMBER) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  // GNU Mach's ipc_object_translate checks the entry's type bit alone; a
  // port set or a dead name is no port (GNU Mach would misread the one
  // and trip on the other's null object).
  if (!(e->type & MACH_PORT_TYPE(right)) || !(e->type & MACH_PORT_TYPE_PORT_RIGHTS)) return KERN_INVALID_RIGHT;
  Port* port = e->port();
  SpinlockGuard pg(port->lock);
  return port->kobject_type_ == KObjectType::kNone ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

kern_return_t IpcSpace::type(mach_port_name_t name, mach_port_type_t* type) {
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  *type = e->type;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::names(mach_port_name_t** names, mach_port_type_t** types, size_t* count) {
  *names = nullptr;
  *types = nullptr;
  *count = 0;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  const size_t n = entries_;
  if (n == 0) return KERN_SUCCESS;
  auto* name_array = static_cast<mach_port_name_t*>(kalloc(n * sizeof(mach_port_name_t)));
  auto* type_array = static_cast<mach_port_type_t*>(kalloc(n * sizeof(mach_port_type_t)));
  if (!name_array || !type_array) {
    kfree(name_array, n * sizeof(mach_port_name_t));
    kfree(type_array, n * sizeof(mach_port_type_t));
    return KERN_RESOURCE_SHORTAGE;
  }
  // Each entry looked up, so that a right to a port that died reads as a
  // dead name: table names first, then chosen ones.
  size_t at = 0;
  for (uint32_t i = 1; i < table_size_; ++i) {
    if (!table_[i].entry) continue;
    const IpcEntry* e = lookup_locked(table_[i].entry->name);
    name_array[at] = e->name;
    type_array[at++] = e->type;
  }
  for (IpcEntry* chosen = chosen_names_.lower_bound(0); chosen; chosen = chosen_names_.next(*chosen)) {
    const IpcEntry* e = lookup_locked(chosen->name);
    name_array[at] = e->name;
    type_array[at++] = e->type;
  }
  kassert(at == n);
  *names = name_array;
  *types = type_array;
  *count = n;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::set_members(mach_port_name_t name, mach_port_name_t** members, size_t* count) {
  *members = nullptr;
  *count = 0;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  if (!(e->type & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
  auto* set = static_cast<PortSet*>(e->object);
  // The members are receive rights of this space: while we hold its lock
  // none joins, leaves or dies. Their ports first (under the set's lock),
  // then each one's name (under its own, which comes before the set's).
  Port** ports;
  size_t n;
  {
    SpinlockGuard sg(set->lock);
    n = set->member_count_;
    if (n == 0) return KERN_SUCCESS;
    ports = static_cast<Port**>(kalloc(n * sizeof(Port*)));
    if (!ports) return KERN_RESOURCE_SHORTAGE;
    size_t at = 0;
    for (Port& p : set->members_) ports[at++] = &p;
    kassert(at == n);
  }
  auto* names = static_cast<mach_port_name_t*>(kalloc(n * sizeof(mach_port_name_t)));
  if (names) {
    for (size_t i = 0; i < n; ++i) {
      SpinlockGuard pg(ports[i]->lock);
      names[i] = ports[i]->receiver_name_;
    }
  }
  kfree(ports, n * sizeof(Port*));
  if (!names) return KERN_RESOURCE_SHORTAGE;
  *members = names;
  *count = n;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::rename(mach_port_name_t old_name, mach_port_name_t new_name) {
  if (!MACH_PORT_VALID(new_name)) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* old_entry = lookup_locked(old_name);
  if (!old_entry) return KERN_INVALID_NAME;
  if (lookup_locked(new_name)) return KERN_NAME_EXISTS;
  IpcEntry* e;
  if (kern_return_t kr = new_entry_locked(new_name, &e); kr != KERN_SUCCESS) return kr;
  IpcObject* object = old_entry->object;
  e->type = old_entry->type;
  e->urefs = old_entry->urefs;
  e->request = kstd::exchange(old_entry->request, nullptr);
  e->accept = kstd::exchange(old_entry->accept, nullptr);
  if (e->accept) e->accept->name.store(new_name, kstd::MemoryOrder::relaxed);
  if (e->request) {
    // A dead-name notification must carry the new name.
    Port* port = static_cast<Port*>(object);
    SpinlockGuard pg(port->lock);
    if (port->active_) e->request->name = new_name;
  }
  set_object_locked(old_entry, nullptr);
  old_entry->type = MACH_PORT_TYPE_NONE;
  old_entry->urefs = 0;
  free_entry_locked(old_entry);
  set_object_locked(e, object);
  if (e->type & MACH_PORT_TYPE_RECEIVE) {
    SpinlockGuard pg(e->port()->lock);
    e->port()->receiver_name_ = new_name;
  } else if (e->type & MACH_PORT_TYPE_PORT_SET) {
    auto* set = static_cast<PortSet*>(object);
    SpinlockGuard sg(set->lock);
    set->name_ = new_name;
  }
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::receive_port_locked(mach_port_name_t name, Port** port) {
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  if (!(e->type & MACH_PORT_TYPE_RECEIVE)) return KERN_INVALID_RIGHT;
  *port = e->port();
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::receive_port(mach_port_name_t name, RefPtr<Port>* out) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  *out = RefPtr<Port>::share(port);
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::request_dead_name_locked(IpcEntry* e, mach_port_mscount_t sync, TransitRight& notify,
                                                 TransitRight* previous, DeadNameRequest** spare) {
  if ((e->type & MACH_PORT_TYPE_PORT_RIGHTS) && request_dead_name_live_locked(e, notify, previous, spare))
    return KERN_SUCCESS;
  // A send right whose port died after lookup_locked looked (its death
  // takes no lock of ours) is a dead name now: look again to turn it into one.
  if ((e->type & MACH_PORT_TYPE_PORT_RIGHTS) && lookup_locked(e->name) != e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_DEAD_NAME) {
    // Already dead: with `sync` the notification comes at once, with the
    // user reference it carries.
    if (sync == 0 || !notify.port) return KERN_INVALID_ARGUMENT;
    if (e->urefs == kUrefsMax) return KERN_UREFS_OVERFLOW;
    ++e->urefs;
    notify_dead_name(kstd::exchange(notify, TransitRight{}).port, e->name);
    return KERN_SUCCESS;
  }
  return KERN_INVALID_RIGHT;
}

bool IpcSpace::request_dead_name_live_locked(IpcEntry* e, TransitRight& notify, TransitRight* previous,
                                             DeadNameRequest** spare) {
  {
    Port* port = e->port();
    SpinlockGuard pg(port->lock);
    if (!port->active_) return false;
    Port* old = e->request ? e->request->notify : nullptr;
    if (old) *previous = TransitRight{old, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    if (notify.port) {
      if (!e->request) {
        e->request = kstd::exchange(*spare, nullptr);
        e->request->name = e->name;
        port->dnrequests_.push_back(*e->request);
      }
      e->request->notify = notify.port;
      notify = TransitRight{};
    } else if (e->request) {
      port->dnrequests_.remove(*e->request);
      *spare = kstd::exchange(e->request, nullptr);  // the caller frees it
    }
  }
  return true;
}

kern_return_t IpcSpace::request_notification(mach_port_name_t name, mach_msg_id_t id, mach_port_mscount_t sync,
                                             TransitRight& notify, TransitRight* previous) {
  *previous = TransitRight{};
  if (id != MACH_NOTIFY_NO_SENDERS && id != MACH_NOTIFY_PORT_DESTROYED && id != MACH_NOTIFY_DEAD_NAME)
    return KERN_INVALID_VALUE;
  // (GNU Mach: a dead notify port is refused, and changes nothing.)
  if (notify.dead || (notify.port && notify.type != MACH_MSG_TYPE_PORT_SEND_ONCE)) return KERN_INVALID_CAPABILITY;
  if (id == MACH_NOTIFY_PORT_DESTROYED && sync != 0) return KERN_INVALID_VALUE;
  if (id == MACH_NOTIFY_DEAD_NAME) {
    // The request's memory is found before the locks are taken.
    DeadNameRequest* spare = notify.port ? new_dead_name_request() : nullptr;
    if (notify.port && !spare) return KERN_RESOURCE_SHORTAGE;
    kern_return_t kr;
    {
      SpinlockGuard g(lock);
      IpcEntry* e = active_ ? lookup_locked(name) : nullptr;
      kr = !active_ ? KERN_INVALID_TASK : !e ? KERN_INVALID_NAME
                                          : request_dead_name_locked(e, sync, notify, previous, &spare);
    }
    if (spare) free_dead_name_request(spare);
    return kr;
  }
  Port* fire = nullptr;
  mach_port_mscount_t mscount = 0;
  {
    SpinlockGuard g(lock);
    Port* port;
    if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
    SpinlockGuard pg(port->lock);
    Port*& slot = id == MACH_NOTIFY_NO_SENDERS ? port->nsrequest_ : port->pdrequest_;
    Port* old = kstd::exchange(slot, notify.port);
    if (old) *previous = TransitRight{old, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
    notify = TransitRight{};
    if (id == MACH_NOTIFY_NO_SENDERS) {
      port->nssync_ = sync;
      // No senders already (and the count reached): it fires at once.
      if (port->srights_ == 0 && port->mscount_ >= sync && port->nsrequest_) {
        fire = kstd::exchange(port->nsrequest_, nullptr);
        mscount = port->mscount_;
      }
    }
  }
  if (fire) notify_no_senders(fire, mscount);
  return KERN_SUCCESS;
}

// (Returns with the port's lock held: beyond the analysis.)
kern_return_t IpcSpace::receive_source(mach_port_name_t name, Port** locked_port, RefPtr<PortSet>* set)
    UMACH_NO_THREAD_SAFETY_ANALYSIS {
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  IpcEntry* e = lookup_locked(name);
  if (!e) return KERN_INVALID_NAME;
  if (e->type & MACH_PORT_TYPE_RECEIVE) {
    *locked_port = e->port();
    e->port()->lock.lock();  // (a port's lock nests in its space's)
  } else if (e->type & MACH_PORT_TYPE_PORT_SET) *set = RefPtr<PortSet>::share(static_cast<PortSet*>(e->object));
  else return KERN_INVALID_RIGHT;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::move_member(mach_port_name_t member, mach_port_name_t after) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(member, &port); kr != KERN_SUCCESS) return kr;
  PortSet* set = nullptr;
  if (after != MACH_PORT_NULL) {
    IpcEntry* e = lookup_locked(after);
    if (!e) return KERN_INVALID_NAME;
    if (!(e->type & MACH_PORT_TYPE_PORT_SET)) return KERN_INVALID_RIGHT;
    set = static_cast<PortSet*>(e->object);
  }
  SpinlockGuard pg(port->lock);
  if (!set && !port->pset_) return KERN_NOT_IN_SET;
  leave_set_locked(port);
  bool queued = false;
  if (set) {
    SpinlockGuard sg(set->lock);
    set->members_.push_back(*port);
    ++set->member_count_;
    port->pset_ = set;
    queued = port->messages_.front() != nullptr;
  }
  if (set) answer_receivers_locked(port, MACH_RCV_PORT_CHANGED);  // receivers on the port itself
  if (queued) {
    // Messages already waiting on the port are now the set's to receive.
    set->arrivals_.fetch_add(1, kstd::MemoryOrder::acq_rel);
    set->receivers_.wakeup_one();
  }
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::get_receive_status(mach_port_name_t name, mach_port_status_t* status) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  mach_port_name_t set_name = MACH_PORT_NULL;
  if (port->pset_) {
    SpinlockGuard sg(port->pset_->lock);
    set_name = port->pset_->name_;
  }
  *status = mach_port_status_t{};
  status->mps_pset = set_name;
  status->mps_seqno = port->seqno_;
  status->mps_mscount = port->mscount_;
  status->mps_qlimit = port->qlimit_;
  status->mps_msgcount = port->msgcount_;
  status->mps_sorights = port->sorights_;
  status->mps_srights = port->srights_ > 0;
  status->mps_pdrequest = port->pdrequest_ != nullptr;
  status->mps_nsrequest = port->nsrequest_ != nullptr;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::set_qlimit(mach_port_name_t name, mach_port_msgcount_t qlimit) {
  if (qlimit > MACH_PORT_QLIMIT_MAX) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  port->qlimit_ = qlimit;
  port->grant_room_locked();  // a higher limit lets waiting senders in
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::set_mscount(mach_port_name_t name, mach_port_mscount_t mscount) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  port->mscount_ = mscount;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::set_seqno(mach_port_name_t name, mach_port_seqno_t seqno) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  port->seqno_ = seqno;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::set_protected_payload(mach_port_name_t name, rpc_uintptr_t payload) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  port->protected_payload_ = payload;
  port->has_protected_payload_ = true;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::clear_protected_payload(mach_port_name_t name) {
  SpinlockGuard g(lock);
  Port* port;
  if (kern_return_t kr = receive_port_locked(name, &port); kr != KERN_SUCCESS) return kr;
  SpinlockGuard pg(port->lock);
  port->protected_payload_ = 0;
  port->has_protected_payload_ = false;
  return KERN_SUCCESS;
}

kern_return_t IpcSpace::insert_right(mach_port_name_t name, TransitRight& right) {
  if (!MACH_PORT_VALID(name) || !right.port) return KERN_INVALID_VALUE;
  SpinlockGuard g(lock);
  if (!active_) return KERN_INVALID_TASK;
  Port* port = right.port;
  IpcEntry* existing = right.type == MACH_MSG_TYPE_PORT_SEND_ONCE ? nullptr : entry_of_port_locked(port);
  if (existing && existing->name != name) return KERN_RIGHT_EXISTS;  // the space has another name for it
  IpcEntry* e = lookup_locked(name);
  if (e && e != existing) return KERN_NAME_EXISTS;
  {
    SpinlockGuard pg(port->lock);
    if (!port->active_ && right.type != MACH_MSG_TYPE_PORT_RECEIVE) return KERN_INVALID_CAPABILITY;
  }
  if (e) {
    // The name already denotes this port: the right joins the entry.
    if (right.type == MACH_MSG_TYPE_PORT_SEND && (e->type & MACH_PORT_TYPE_SEND)) {
      if (e->urefs == kUrefsMax) return KERN_UREFS_OVERFLOW;
      ++e->urefs;
      SpinlockGuard pg(port->lock);
      --port->srights_;  // the entry already counts once
    } else if (right.type == MACH_MSG_TYPE_PORT_SEND) {
      e->type |= MACH_PORT_TYPE_SEND;
      e->urefs = 1;
    } else {
      kassert(!(e->type & MACH_PORT_TYPE_RECEIVE));
      e->type |= MACH_PORT_TYPE_RECEIVE;
      SpinlockGuard pg(port->lock);
      port->receiver_ = this;
      port->receiver_name_ = name;
    }
    set_object_locked(e, port);
    port->unref_not_last();
    right = TransitRight{};
    return KERN_SUCCESS;
  }
  if (kern_return_t kr = new_entry_locked(name, &e); kr != KERN_SUCCESS) return kr;
  e->type = right.type == MACH_MSG_TYPE_PORT_SEND        ? MACH_PORT_TYPE_SEND
            : right.type == MACH_MSG_TYPE_PORT_SEND_ONCE ? MACH_PORT_TYPE_SEND_ONCE
                                                         : MACH_PORT_TYPE_RECEIVE;
  e->urefs = right.type == MACH_MSG_TYPE_PORT_RECEIVE ? 0 : 1;
  set_object_locked(e, port);
  if (right.type == MACH_MSG_TYPE_PORT_RECEIVE) {
    SpinlockGuard pg(port->lock);
    port->receiver_ = this;
    port->receiver_name_ = name;
  }
  right = TransitRight{};
  return KERN_SUCCESS;
}

void IpcSpace::terminate() {
  SpinlockGuard g(lock);
  if (!active_) return;
  active_ = false;
  for (uint32_t i = 0; i < table_size_; ++i)
    if (IpcEntry* e = table_[i].entry) destroy_entry_locked(e);
  while (IpcEntry* e = chosen_names_.first()) destroy_entry_locked(e);
  drop_spare_entry_locked();
}

}  // namespace umach::ipc
