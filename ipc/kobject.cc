// ipc/kobject.cc: the kernel as a server (ipc/kobject.h), and the
// conversions its generated dispatch calls (ipc/kserver.h).
#include "ipc/kobject.h"

#include <mach/notify.h>

#include "core/kassert.h"
#include "core/kstd/cstring.h"
#include "core/task/task.h"
#include "ipc/kmsg_copy.h"
#include "ipc/kserver.h"
#include "ipc/right.h"
#include "default_pager_kserver.h"
#include "device_kserver.h"
#include "gnumach_kserver.h"
#include "mach4_kserver.h"
#include "mach_host_kserver.h"
#include "mach_i386_kserver.h"
#include "mach_kserver.h"
#include "mach_port_kserver.h"
#include "memory_object_default_kserver.h"
#include "notify_kserver.h"

ipc_space_ref_t convert_port_to_space(ipc_port_t port) {
  // The task cannot go while we hold its port's lock (kobject.h).
  // The space outlives a dying task's last reference (the task holds it).
  void* task = umach::ipc::kobject_of(port, umach::ipc::KObjectType::kTask, [](void* t) {
    static_cast<umach::Task*>(t)->space().ref();
    return true;
  });
  return task ? &static_cast<umach::Task*>(task)->space() : nullptr;
}

void space_deallocate(ipc_space_ref_t space) {
  if (space) space->unref();
}

namespace umach::ipc {

Result<RefPtr<Port>> kobject_port_create(KObjectType type, void* object) {
  auto port = Port::create();
  if (!port.ok()) return Error{port.error()};
  Port* p = port.value().get();
  SpinlockGuard g(p->lock);
  p->kobject_type_ = type;
  p->kobject_ = object;
  return port;
}

TransitRight kobject_make_send(Port* port) {
  if (!port) return {};
  SpinlockGuard g(port->lock);
  if (!port->active_) return TransitRight{nullptr, 0, true};
  ++port->mscount_;
  ++port->srights_;
  port->ref();
  return TransitRight{port, MACH_MSG_TYPE_PORT_SEND, false};
}

Port* copy_send(Port* port) {
  if (!port || port == kDeadPort) return port;
  SpinlockGuard g(port->lock);
  if (!port->active_) return kDeadPort;
  ++port->srights_;
  port->ref();
  return port;
}

mach_port_name_t kobject_send_name(Port* port, IpcSpace& space) {
  TransitRight right = kobject_make_send(port);
  mach_port_name_t name = MACH_PORT_NULL;
  if (space.copyout_right(right, &name) != KERN_SUCCESS) return MACH_PORT_NULL;
  return name;
}

void kobject_port_destroy(RefPtr<Port> port) {
  if (!port) return;
  {
    SpinlockGuard g(port->lock);
    port->kobject_type_ = KObjectType::kNone;
    port->kobject_ = nullptr;
  }
  destroy_receive_right(port.leak_ref());
}

void kobject_port_detach(Port* port) {
  SpinlockGuard g(port->lock);
  port->kobject_type_ = KObjectType::kNone;
  port->kobject_ = nullptr;
}

DeadNameRequest* kernel_dead_name_request(Port* port, Port* notify) {
  DeadNameRequest* r = new_dead_name_request();
  if (!r) return nullptr;
  {
    SpinlockGuard g(notify->lock);
    if (!notify->active_) {
      free_dead_name_request(r);
      return nullptr;
    }
    ++notify->sorights_;  // the request holds a send-once right to notify
    notify->ref();
  }
  r->notify = notify;
  r->name = MACH_PORT_NULL;  // no space names it: the notify port tells
  {
    SpinlockGuard g(port->lock);
    if (port->active_) {
      port->dnrequests_.push_back(*r);
      return r;
    }
  }
  TransitRight unused{notify, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  release_transit_right(unused, /*used=*/true);
  free_dead_name_request(r);
  return nullptr;
}

void kernel_dead_name_cancel(Port* port, DeadNameRequest* request) {
  {
    SpinlockGuard g(port->lock);
    // A dead port answered the request and freed it.
    if (!port->active_) return;
    port->dnrequests_.remove(*request);
  }
  TransitRight unused{request->notify, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  release_transit_right(unused, /*used=*/true);
  free_dead_name_request(request);
}

bool kernel_no_senders_request(Port* port) {
  SpinlockGuard g(port->lock);
  if (!port->active_ || port->nsrequest_) return false;
  ++port->sorights_;  // the request: a send-once right to the port itself
  port->ref();
  port->nsrequest_ = port;
  port->nssync_ = 0;
  return true;
}

bool kobject_notify(Port* request, mach_msg_id_t id, uint32_t value) {
  kassert(id == MACH_NOTIFY_NO_SENDERS || id == MACH_NOTIFY_DEAD_NAME);
  {
    SpinlockGuard g(request->lock);
    if (!request->active_ || request->kobject_type_ == KObjectType::kNone) return false;
  }
  // As kobject_server would run it; a notification has no reply, so what
  // the routine answers goes nowhere (MIG_BAD_ID: a port not its own).
  // The send-once right's reference keeps the port while it runs.
  if (id == MACH_NOTIFY_NO_SENDERS) (void)kserver::do_mach_notify_no_senders(request, value);
  else (void)kserver::do_mach_notify_dead_name(request, value);
  TransitRight used{request, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  release_transit_right(used, /*used=*/true);
  return true;
}

void* kobject_of(Port* port, KObjectType type, bool (*take)(void* object)) {
  if (!port || port == kDeadPort) return nullptr;
  SpinlockGuard g(port->lock);
  if (!port->active_ || port->kobject_type_ != type || !take(port->kobject_)) return nullptr;
  return port->kobject_;
}

namespace {

using Demux = boolean_t (*)(mach_msg_header_t*, mach_msg_header_t*);
using ReplySize = mach_msg_size_t (*)(const mach_msg_header_t*);
struct Subsystem {
  Demux demux;
  ReplySize reply_size;  // its routine's reply buffer for a request (0: not this subsystem's id)
};
constexpr Subsystem kSubsystems[] = {
    {kserver::mach_server, kserver::mach_server_reply_size},
    {kserver::mach_port_server, kserver::mach_port_server_reply_size},
    {kserver::mach_host_server, kserver::mach_host_server_reply_size},
    {kserver::gnumach_server, kserver::gnumach_server_reply_size},
    {kserver::mach4_server, kserver::mach4_server_reply_size},
    {kserver::mach_i386_server, kserver::mach_i386_server_reply_size},
    {kserver::device_server, kserver::device_server_reply_size},
    {kserver::memory_object_default_server, kserver::memory_object_default_server_reply_size},
    {kserver::default_pager_server, kserver::default_pager_server_reply_size},
    {kserver::notify_server, kserver::notify_server_reply_size},
};

// The reply buffer for `in`: its routine's (most replies are a header and a
// return code, from a zone; the largest, 4 KiB of thread state, a page
// or two), and a mig_reply_header_t's for an id nobody serves.
mach_msg_size_t reply_size_for(const mach_msg_header_t* in) {
  for (const Subsystem& s : kSubsystems)
    if (const mach_msg_size_t size = s.reply_size(in)) return size;
  return sizeof(mig_reply_header_t);
}

}  // namespace

void kobject_server(Kmsg* request) {
  mach_msg_header_t* in = request->header();
  const mach_msg_bits_t bits = in->msgh_bits;
  const mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(bits), reply_type = MACH_MSGH_BITS_LOCAL(bits);
  Port* dest = request->dest();
  Port* reply = request->reply();
  // The dispatch reads a request as its receiver would: the reply port in
  // the remote slot, the kernel port in the local one.
  kstd::memcpy(request->bytes() + 8, &reply, sizeof reply);
  kstd::memcpy(request->bytes() + 16, &dest, sizeof dest);
  in->msgh_bits = (bits & MACH_MSGH_BITS_COMPLEX) | MACH_MSGH_BITS(reply_type, dest_type);

  Kmsg* answer = Kmsg::alloc(reply_size_for(in));
  if (!answer) {
    in->msgh_bits = bits;  // back to the sender's view for the destruction
    kstd::memcpy(request->bytes() + 8, &dest, sizeof dest);
    kstd::memcpy(request->bytes() + 16, &reply, sizeof reply);
    kmsg_destroy(request);
    return;
  }
  mach_msg_header_t* out = answer->header();
  for (const Subsystem& s : kSubsystems)
    if (s.demux(in, out)) break;
  const kern_return_t ret = reinterpret_cast<mig_reply_header_t*>(out)->RetCode;

  // The request: the kernel port's right is used up; the body belongs to
  // the routine if it succeeded; the reply right moved into the answer.
  TransitRight used{dest, dest_type, false};
  release_transit_right(used, /*used=*/true);
  kstd::memset(request->bytes() + 8, 0, 16);
  in->msgh_bits &= ~MACH_MSGH_BITS_PORTS_MASK;
  if (ret == KERN_SUCCESS || ret == MIG_NO_REPLY) Kmsg::free(request);
  else kmsg_destroy(request);

  if (ret == MIG_NO_REPLY || !reply || reply == kDeadPort) {
    // No answer goes out: a routine that replies later took the reply
    // right (the answer must not release it); a null or dead reply port
    // gets nothing. The answer's own rights are released.
    kstd::memset(answer->bytes() + 8, 0, 8);
    answer->header()->msgh_bits &= ~MACH_MSGH_BITS_PORTS_MASK;
    kmsg_convert_from_kernel(*answer);
    kmsg_destroy(answer);
    return;
  }
  kmsg_convert_from_kernel(*answer);
  send_from_kernel(answer);
}

}  // namespace umach::ipc
