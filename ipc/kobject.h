// ipc/kobject.h: messages sent to kernel ports.
//
// A message whose destination stands for a kernel object (a task's,
// a thread's or the host's port) is not queued: the sender's thread runs the
// generated dispatch on it at once (tools/mig, defs/ under KERNEL_SERVER)
// and the reply goes to the request's reply right like any message. As in
// GNU Mach, a routine that succeeds (or answers MIG_NO_REPLY) has taken
// what the request's body carried; otherwise the request is destroyed.
#pragma once

#include "core/result.h"
#include "ipc/port.h"
#include "ipc/space.h"

namespace umach::ipc {

// A kernel object's port (a task's, a thread's, the host's): the kernel
// holds its receive right (the returned reference) and the port stands for
// `object` until kobject_port_destroy. The object keeps the port; the
// dispatch's conversions (ipc/kserver.h) find the object from the port
// under the port's lock, so cutting the link under that lock is what makes
// an object unreachable.
[[nodiscard]] Result<RefPtr<Port>> kobject_port_create(KObjectType type, void* object);
// A new send right to a kernel port, in transit (MACH_PORT_DEAD once it died).
TransitRight kobject_make_send(Port* port);
// A new send right from one the caller holds (GNU's ipc_port_copy_send):
// a reference counted in the port's srights_; kDeadPort for a port that
// died, null for null.
Port* copy_send(Port* port);
// The same right put into `space` (the self traps): its name, or
// MACH_PORT_NULL if that failed.
mach_port_name_t kobject_send_name(Port* port, IpcSpace& space);
// Cuts the link to the object and destroys the receive right: every name
// for the port becomes a dead name. Consumes the reference.
void kobject_port_destroy(RefPtr<Port> port);
// Cuts the link to the object but keeps the port alive (a pager's control
// and name ports, whose receive rights the kernel then gives away: they
// become ordinary ports that queue what is sent to them).
void kobject_port_detach(Port* port);
// The kernel's own dead-name request: when `port` dies, a dead-name
// notification goes to `notify` (a kernel port, so it reaches the kernel's
// dispatch, where its kobject tells what died). Null if `port` or `notify`
// is dead already, or memory is short. The request is the port's until it
// dies (it then answers and frees it) or kernel_dead_name_cancel.
DeadNameRequest* kernel_dead_name_request(Port* port, Port* notify);
void kernel_dead_name_cancel(Port* port, DeadNameRequest* request);

// Arms a no-senders notification of kernel port `port` to itself (its
// dispatch hears when the last send right goes: do_mach_notify_no_senders).
// False if one is armed already or the port died.
bool kernel_no_senders_request(Port* port);

// Serves a no-senders (`value` the make-send count) or dead-name (`value`
// the name) notification whose destination, `request`, is a live kernel
// port: the kernel's dispatch hears it at once, as it would the message,
// but with nothing allocated. The kernel's own requests above rely on it:
// a notification lost for lack of memory would never come again, and what
// it stands for (a memory object's senders' reference, a dead pager)
// would stay forever. Consumes the send-once right; false (the right
// untouched) if `request` is no live kernel port.
bool kobject_notify(Port* request, mach_msg_id_t id, uint32_t value);

// The object `port` stands for if it is of `type` and `take` (called under
// the port's lock) got a reference on it, or null. `take` fails for an
// object whose last reference already went but whose port still points
// at it until its destruction cuts the link.
void* kobject_of(Port* port, KObjectType type, bool (*take)(void* object));

// Serves `request` (copied in, its destination a kernel port). Consumes it.
void kobject_server(Kmsg* request);

// Queues a kernel-made message (a reply, a notification) on its
// destination whatever the queue's limit; consumes it.
void send_from_kernel(Kmsg* kmsg);

}  // namespace umach::ipc
