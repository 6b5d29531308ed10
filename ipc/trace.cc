// ipc/trace.cc: the --trace ipc lines (ipc/trace.h).
#include "ipc/trace.h"

#include "core/log.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"

namespace umach::ipc {
namespace {

struct MsgId {
  mach_msg_id_t request;
  mach_msg_id_t reply;  // 0: a simpleroutine
  const char* routine;
};

// defs/msgids.txt, as defs/msgid_names.cmake writes it at configure time.
constexpr MsgId kMsgIds[] = {
#include "msgid_names.inc"
};

const char* kobject_kind(KObjectType type) {
  switch (type) {
    case KObjectType::kTask: return "task";
    case KObjectType::kThread: return "thread";
    case KObjectType::kHost: return "host";
    case KObjectType::kHostPriv: return "host-priv";
    case KObjectType::kMemoryObject: return "memory-object";
    case KObjectType::kMemoryObjectControl: return "memory-object-control";
    case KObjectType::kMemoryObjectName: return "memory-object-name";
    case KObjectType::kDeviceMaster: return "device-master";
    case KObjectType::kDevice: return "device";
    case KObjectType::kTest: return "test";
    case KObjectType::kNone: return nullptr;
    default: break;  // a kind added later: still a kernel object's port
  }
  return "kernel object";
}

// What `port` is: for a task's send, the sender's name for it and what
// kind of port it is; for the kernel's (which has no names), the name its
// receiver gives it.
void describe(Port* port, bool from_kernel, mach_port_name_t name, char* buf, size_t size) {
  if (!port || port == kDeadPort) {
    ksnprintf(buf, size, "%s", port ? "a dead port" : "no port");
    return;
  }
  SpinlockGuard g(port->lock);
  const char* kind = kobject_kind(port->kobject_type_);
  if (!port->active_) {
    ksnprintf(buf, size, "a dead port");
  } else if (!from_kernel) {
    if (kind) ksnprintf(buf, size, "%#x (the %s port)", name, kind);
    else if (!port->receiver_) ksnprintf(buf, size, "%#x (a port held by the kernel or in transit)", name);
    else ksnprintf(buf, size, "%#x", name);
  } else if (kind) {
    ksnprintf(buf, size, "the %s port", kind);
  } else if (port->receiver_) {
    ksnprintf(buf, size, "port %#x", port->receiver_name_);
  } else {
    ksnprintf(buf, size, "a port held by the kernel or in transit");
  }
}

}  // namespace

bool g_trace_ipc = false;

const char* msgid_routine(mach_msg_id_t id, bool* is_reply) {
  for (const MsgId& m : kMsgIds) {
    if (m.request == id || (m.reply != 0 && m.reply == id)) {
      *is_reply = m.request != id;
      return m.routine;
    }
  }
  *is_reply = false;
  return nullptr;
}

void trace_send(const Kmsg& k, Port* dest, bool from_kernel, mach_port_name_t dest_name, mach_port_name_t reply_name) {
  const mach_msg_header_t* h = k.header();
  bool is_reply = false;
  const char* routine = msgid_routine(h->msgh_id, &is_reply);
  char to[64];
  describe(dest, from_kernel, dest_name, to, sizeof to);
  char reply[32];
  if (from_kernel) {
    ksnprintf(reply, sizeof reply, "%s", k.reply() ? "the kernel's" : "none");
  } else if (reply_name != MACH_PORT_NULL) {
    ksnprintf(reply, sizeof reply, "%#x", reply_name);
  } else {
    ksnprintf(reply, sizeof reply, "none");
  }
  klog("ipc: %s sends %d %s%s to %s, reply port %s, %u bytes\n", from_kernel ? "kernel" : "task", h->msgh_id,
       routine ? routine : "(not a routine's id)", is_reply ? " reply" : "", to, reply, h->msgh_size);
}

}  // namespace umach::ipc
