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
// (or fail at once with MACH_RCV_TIMEOUT and a zero timeout), and the
// next message sent is taken for it by its sender, as in GNU Mach.
//
// A message to a kernel port runs the generated dispatch at once
// (ipc/kobject.h) instead of waiting in a queue.
//
// MACH_SEND_NOTIFY forces a message onto a full queue instead of waiting
// (one per send right until a receiver takes it: msg-accepted), and
// MACH_SEND_CANCEL silences the dead-name request of a destination right
// the send consumes.
#pragma once

#include <mach/message.h>

#include "core/sched/thread.h"
#include "ipc/kmsg.h"
#include "ipc/space.h"

namespace umach::ipc {

// The RPC fast path: a send that wakes a receiver blocked on the port keeps
// it here instead of putting it on a run queue, and the same thread's
// receive that follows switches to it directly when it blocks (it runs the
// ordinary way if the receive does not block). A Handoff must be given to
// a receive, or to handoff_flush, before it goes out of scope. The woken
// thread needs no reference meanwhile (see WaitQueue::wakeup_for_handoff_locked).
struct Handoff {
  sched::Thread* next = nullptr;
};
void handoff_flush(Handoff* handoff);

// `notify` is mach_msg's notify argument: a receive right for
// MACH_SEND_CANCEL and MACH_SEND_NOTIFY. A send that fails after copy-in
// with MACH_SEND_TIMED_OUT, MACH_SEND_INTERRUPTED or a MACH_SEND_NOTIFY
// error hands the message back in `msg` (pseudo-receive, kmsg_copy.h);
// one forced onto a full queue by MACH_SEND_NOTIFY answers
// MACH_SEND_WILL_NOTIFY.
mach_msg_return_t mach_msg_send(IpcSpace& space, mach_msg_header_t* msg, mach_msg_size_t send_size,
                                mach_msg_option_t option, mach_msg_timeout_t timeout,
                                mach_port_name_t notify = MACH_PORT_NULL, Handoff* handoff = nullptr);

// The same for a caller that fills the buffer itself (a trap copying
// straight from user memory): `kmsg` holds the sender's bytes with
// msgh_size set. On return it is null if the message went (queued, served,
// or destroyed as GNU Mach would); otherwise the caller still owns the
// buffer, which holds the handed-back message if
// send_hands_message_back(result).
mach_msg_return_t mach_msg_send_kmsg(IpcSpace& space, Kmsg*& kmsg, mach_msg_option_t option,
                                     mach_msg_timeout_t timeout, mach_port_name_t notify = MACH_PORT_NULL,
                                     Handoff* handoff = nullptr);

// Did a send that answered `mr` hand its message back (in `msg`)?
bool send_hands_message_back(mach_msg_return_t mr);

// With MACH_RCV_NOTIFY, `notify` must be a receive right
// (MACH_RCV_INVALID_NOTIFY otherwise): a reply right the message brings
// under a new name gets a dead-name request notifying it.
mach_msg_return_t mach_msg_receive(IpcSpace& space, mach_msg_header_t* buffer, mach_msg_size_t rcv_size,
                                   mach_port_name_t name, mach_msg_option_t option, mach_msg_timeout_t timeout,
                                   mach_port_name_t notify = MACH_PORT_NULL, Handoff* handoff = nullptr);

// The same handing back the received buffer (copied out: names in place
// of rights, the header turned around) for the caller to copy and free:
// `*kmsg` is set whenever a message was taken (MACH_MSG_SUCCESS,
// MACH_RCV_HEADER_ERROR, MACH_RCV_BODY_ERROR); `*too_large` is the size
// of a message MACH_RCV_LARGE left queued.
mach_msg_return_t mach_msg_receive_kmsg(IpcSpace& space, mach_msg_size_t rcv_size, mach_port_name_t name,
                                        mach_msg_option_t option, mach_msg_timeout_t timeout, mach_port_name_t notify,
                                        Handoff* handoff, Kmsg** kmsg, mach_msg_size_t* too_large);

// The kernel as a receiver (ipc/kclient.cc): waits, interruptibly (a
// thread_abort ends it with MACH_RCV_INTERRUPTED), for the oldest message
// of `port`, whose receive right the kernel holds (in no space), and hands
// it over still in kernel form (ipc/kmsg.h). MACH_RCV_PORT_DIED if the
// port died.
mach_msg_return_t receive_from_kernel_port(Port* port, Kmsg** kmsg);

// The port changed under its receivers (it died, or its receive right
// moved: MACH_RCV_PORT_DIED, as GNU Mach's ipc_port_clear_receiver says
// both; it joined a set: MACH_RCV_PORT_CHANGED): every
// thread waiting to receive from it is woken with `result`. A receiver is
// only ever woken with its answer (a message, or why there is none), so
// every waker of a port's receivers goes through here or the send path.
void answer_receivers_locked(Port* port, mach_msg_return_t result) UMACH_REQUIRES(port->lock);

}  // namespace umach::ipc
