// ipc/trace.h: `umach --trace ipc`: one console line for every message
// sent, by a task or by the kernel (replies, notifications, the kernel's
// own RPCs such as exception_raise).
//
// Zero cost when off: the send path (ipc/msg.cc, queue_message) tests the
// one flag g_trace_ipc and calls nothing else. The flag is set at boot,
// before any CPU runs, and never changes after: readers need no ordering.
#pragma once

#include <mach/message.h>

namespace umach::ipc {

class Kmsg;
class Port;

extern bool g_trace_ipc;

// The line for `k`, about to be queued on (or served by) `dest`, in kernel
// form. `reply_name` is the sender's name for its reply port when a task
// sends (MACH_PORT_NULL for the kernel, which has no names: a kernel
// message's reply port is shown as the kernel's). Takes dest's lock: call
// it where the send path would take it.
void trace_send(const Kmsg& k, Port* dest, bool from_kernel, mach_port_name_t dest_name, mach_port_name_t reply_name);

// The routine that message id `id` belongs to (defs/msgids.txt), or null;
// *is_reply says whether `id` is that routine's reply id.
const char* msgid_routine(mach_msg_id_t id, bool* is_reply);

}  // namespace umach::ipc
