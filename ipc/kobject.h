// ipc/kobject.h: messages sent to kernel ports.
//
// A message whose destination stands for a kernel object (a task port,
// later threads, the host...) is not queued: the sender's thread runs the
// generated dispatch on it at once (tools/mig, defs/ under KERNEL_SERVER)
// and the reply goes to the request's reply right like any message. As in
// GNU Mach, a routine that succeeds (or answers MIG_NO_REPLY) has taken
// what the request's body carried; otherwise the request is destroyed.
#pragma once

#include "ipc/kmsg.h"

namespace umach::ipc {

// Serves `request` (copied in, its destination a kernel port). Consumes it.
void kobject_server(Kmsg* request);

// Queues a kernel-made message (a reply, a notification) on its
// destination whatever the queue's limit; consumes it.
void send_from_kernel(Kmsg* kmsg);

}  // namespace umach::ipc
