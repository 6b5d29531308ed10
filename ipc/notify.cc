// ipc/notify.cc: building and sending the kernel's notifications
// (ipc/notify.h).
#include "ipc/notify.h"

#include <mach/notify.h>

#include "core/kstd/cstring.h"
#include "ipc/kmsg_copy.h"
#include "ipc/kobject.h"

namespace umach::ipc {
namespace {

// A header addressed to `dest` through a send-once right.
Kmsg* new_notification(Port* dest, mach_msg_id_t id, mach_msg_size_t size, bool complex) {
  Kmsg* k = Kmsg::alloc(size);
  if (!k) return nullptr;
  kstd::memset(k->bytes(), 0, size);
  mach_msg_header_t* h = k->header();
  h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) | (complex ? MACH_MSGH_BITS_COMPLEX : 0);
  h->msgh_size = size;
  h->msgh_id = id;
  kstd::memcpy(k->bytes() + 8, &dest, sizeof dest);
  return k;
}

void put_descriptor(char* p, unsigned name, unsigned bits, uint32_t number) {
  const uint32_t word = name | (bits << 8) | (1u << 29);
  kstd::memcpy(p, &word, 4);
  kstd::memcpy(p + 4, &number, 4);
}

// Without memory for the message the notification is lost; its right is
// then released without a further notification. (Never one to a kernel
// port the kernel's own requests name: kobject_notify serves those.)
void drop(Port* send_once_dest) {
  TransitRight r{send_once_dest, MACH_MSG_TYPE_PORT_SEND_ONCE, false};
  release_transit_right(r, /*used=*/true);
}

}  // namespace

void notify_send_once(Port* port) {
  Kmsg* k = new_notification(port, MACH_NOTIFY_SEND_ONCE, sizeof(mach_msg_header_t), false);
  if (!k) return drop(port);
  send_from_kernel(k);
}

void notify_no_senders(Port* request, mach_port_mscount_t mscount) {
  if (kobject_notify(request, MACH_NOTIFY_NO_SENDERS, mscount)) return;
  Kmsg* k = new_notification(request, MACH_NOTIFY_NO_SENDERS, 48, false);
  if (!k) return drop(request);
  put_descriptor(k->bytes() + 32, MACH_MSG_TYPE_INTEGER_32, 32, 1);
  kstd::memcpy(k->bytes() + 40, &mscount, 4);
  send_from_kernel(k);
}

void notify_port_destroyed(Port* request, Port* port) {
  Kmsg* k = new_notification(request, MACH_NOTIFY_PORT_DESTROYED, 48, true);
  if (!k) {
    drop(request);
    destroy_receive_right(port);
    return;
  }
  put_descriptor(k->bytes() + 32, MACH_MSG_TYPE_PORT_RECEIVE, 64, 1);
  kstd::memcpy(k->bytes() + 40, &port, sizeof port);
  send_from_kernel(k);
}

namespace {
void notify_name(Port* request, mach_msg_id_t id, mach_port_name_t name) {
  Kmsg* k = new_notification(request, id, 48, false);
  if (!k) return drop(request);
  put_descriptor(k->bytes() + 32, MACH_MSG_TYPE_PORT_NAME, 32, 1);
  kstd::memcpy(k->bytes() + 40, &name, 4);
  send_from_kernel(k);
}
}  // namespace

void notify_dead_name(Port* request, mach_port_name_t name) {
  if (kobject_notify(request, MACH_NOTIFY_DEAD_NAME, name)) return;
  notify_name(request, MACH_NOTIFY_DEAD_NAME, name);
}
void notify_port_deleted(Port* request, mach_port_name_t name) { notify_name(request, MACH_NOTIFY_PORT_DELETED, name); }
void notify_msg_accepted(Port* request, mach_port_name_t name) { notify_name(request, MACH_NOTIFY_MSG_ACCEPTED, name); }

}  // namespace umach::ipc
