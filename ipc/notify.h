// ipc/notify.h: the notifications the kernel sends about rights.
//
// Built here by hand, like GNU Mach's ipc_notify_*: each is a one-way
// message to a send-once right (which it consumes) with the layout of
// <mach/notify.h>. Implemented so far:
//   - send-once (71): a send-once right was destroyed unused; it goes to
//     the port the right named, on that right;
//   - no-senders (70): a port's last send right went away while a request
//     (mach_port_request_notification) waited; carries the make-send count;
//   - port-destroyed (69): a receive right that would die goes to the
//     requester instead, in the message;
//   - dead-name (72): a port with a dead-name request died; carries the
//     requester's name for it (which gained a user reference);
//   - port-deleted (65): a name with a dead-name request stopped naming
//     its right (deallocated, destroyed, moved away);
//   - msg-accepted (66): a message forced onto a full queue with
//     MACH_SEND_NOTIFY was received; carries the sender's name for the
//     send right, or MACH_PORT_NULL if that name is gone.
#pragma once

#include "ipc/port.h"

namespace umach::ipc {

// `port` names the port a destroyed send-once right would have reached;
// the right (reference and count) is consumed.
void notify_send_once(Port* port);

// Sends a no-senders notification to `request` (a send-once right taken
// from the port's request) with `mscount`; consumes it.
void notify_no_senders(Port* request, mach_port_mscount_t mscount);

// Sends `port`'s receive right (the caller holds it: a reference, the port
// active with no receiver) to `request`; consumes both.
void notify_port_destroyed(Port* request, Port* port);

// The three that carry a name (MACH_MSG_TYPE_PORT_NAME); each consumes
// `request`, a send-once right.
void notify_dead_name(Port* request, mach_port_name_t name);
void notify_port_deleted(Port* request, mach_port_name_t name);
void notify_msg_accepted(Port* request, mach_port_name_t name);

}  // namespace umach::ipc
