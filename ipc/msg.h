// ipc/msg.h: mach_msg inside the kernel: send a message from a space to a
// port, receive one from a port into a space.
//
// The message is in kernel memory (the trap copies a user's message in
// and out around these calls). Sending copies the message into a Kmsg,
// copies its rights in (ipc/kmsg_copy.h) and queues it on its destination;
// a full queue (msgcount >= qlimit) makes a sender of a send right wait for
// room, or fail at once with MACH_SEND_TIMEOUT and a zero timeout, while a
// message sent with a send-once right is always queued (replies and
// notifications never wait). Receiving takes the oldest message of the
// port, stamps the port's sequence number, copies its rights out and its
// bytes into the caller's buffer; an empty queue makes the receiver wait
// (or fail at once with MACH_RCV_TIMEOUT and a zero timeout).
//
// A message to a kernel port runs the generated dispatch at once
// (ipc/kobject.h) instead of waiting in a queue.
//
// Still to come (issue 5): receiving on port sets, the send timeout's
// pseudo-receive (a timed-out or interrupted send now destroys its
// message), notifications, MACH_SEND_CANCEL, protected payloads on
// receive.
#pragma once

#include <mach/message.h>

#include "core/sched/thread.h"
#include "ipc/space.h"

namespace umach::ipc {

// The RPC fast path: a send that wakes a receiver blocked on the port keeps
// it here instead of putting it on a run queue, and the same thread's
// receive that follows switches to it directly when it blocks (it runs the
// ordinary way if the receive does not block). A Handoff must be given to
// a receive, or to handoff_flush, before it goes out of scope.
struct Handoff {
  RefPtr<sched::Thread> next;
};
void handoff_flush(Handoff* handoff);

mach_msg_return_t mach_msg_send(IpcSpace& space, const mach_msg_header_t* msg, mach_msg_size_t send_size,
                                mach_msg_option_t option, mach_msg_timeout_t timeout, Handoff* handoff = nullptr);

mach_msg_return_t mach_msg_receive(IpcSpace& space, mach_msg_header_t* buffer, mach_msg_size_t rcv_size,
                                   mach_port_name_t name, mach_msg_option_t option, mach_msg_timeout_t timeout,
                                   Handoff* handoff = nullptr);

}  // namespace umach::ipc
