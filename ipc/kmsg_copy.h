// ipc/kmsg_copy.h: a message's rights leaving the sender's space and
// entering the receiver's (kernel form: ipc/kmsg.h).
//
// The header is copied in all at once or not at all (an error in it changes
// nothing in the sender's space); an error in the body releases every right
// the message had already taken, header rights included, and the message
// is gone (GNU Mach's semantics, DESIGN.md).
#pragma once

#include "ipc/kmsg.h"
#include "ipc/space.h"

namespace umach::ipc {

// Sender side: the header's rights, then (for a complex message) every
// item, out of `space` and its map (IpcSpace::map): port items' names
// become references; out-of-line data becomes a vm::VmMapCopy (copy-on-
// write; moved out of the sender's map with msgt_deallocate); an
// out-of-line port array's names are read from the sender's memory into
// a kernel array of references (its region deallocated afterwards with
// msgt_deallocate). On MACH_MSG_SUCCESS the message holds them; on a
// header error nothing changed; on a body error (MACH_SEND_INVALID_TYPE,
// MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_MEMORY for a region that is
// not readable, MACH_SEND_MSG_TOO_SMALL, MACH_SEND_NO_BUFFER for a port
// array the kernel has no memory for or of more than 2^20 rights) every
// right and region taken so far was released and the caller frees the
// buffer. msgt_deallocate takes effect as each item is copied in: a region
// moved before a later item failed is gone from the sender with the
// message; a port array's region is deallocated only once all its names
// were taken.
// `cancel`: MACH_SEND_CANCEL's notify port (IpcSpace::copyin_header).
mach_msg_return_t kmsg_copyin(IpcSpace& space, Kmsg& kmsg, const Port* cancel = nullptr);

// Receiver side: the reply right and every item into `space` and its map;
// the destination right is consumed (the receiver names the port it
// received on). Out-of-line data and port arrays land at new addresses
// (msgt_deallocate set: they are the receiver's). What cannot be received
// is destroyed, as the manual says: a right reads MACH_PORT_NULL, a region
// address 0 with msgt_size 0, and the result is MACH_RCV_BODY_ERROR (or
// MACH_RCV_HEADER_ERROR for the reply right) with MACH_MSG_IPC_SPACE,
// MACH_MSG_IPC_KERNEL, MACH_MSG_VM_SPACE or MACH_MSG_VM_KERNEL or'd in.
// After a header error the body is destroyed and the message shrinks to
// its header (not complex).
// `notify` (MACH_RCV_NOTIFY: a receive right, checked by the caller, or
// MACH_PORT_NULL): a reply right that gets a new name in `space` gets a
// dead-name request with a send-once right to it.
mach_msg_return_t kmsg_copyout(IpcSpace& space, Kmsg& kmsg, mach_port_name_t receive_name,
                               mach_port_name_t notify = MACH_PORT_NULL);

// A send that failed after copy-in (timed out, interrupted, refused a
// msg-accepted request) hands the message back: every right it carries,
// the destination's and the reply's included, goes back into `space`
// under a name, with the header's bits saying what each is (GNU Mach's
// pseudo-receive). The header is not swapped: msgh_remote_port still
// names the destination; out-of-line regions come back at new addresses.
// Results as for a receive (the caller or's the shortage bits into the
// send's error).
mach_msg_return_t kmsg_copyout_pseudo(IpcSpace& space, Kmsg& kmsg);

// A message the kernel built (a reply of its dispatch): its port items'
// descriptors say the sender's disposition; they become the types the
// receiver sees (the rights are already counted, ipc/kserver.h).
void kmsg_convert_from_kernel(Kmsg& kmsg);

// A message the kernel built as a client (core/mig/mig_kernel.h: the
// generated kuser stubs): its header bits and port items still say
// dispositions, and each slot holds a Port* the caller keeps (COPY_SEND,
// MAKE_*: a new right is made from it) or gives (MOVE_*). Afterwards the
// message holds its rights as a copied-in one does.
void kmsg_copyin_from_kernel(Kmsg& kmsg);

// About to queue the (copied-in) message on `dest` (whose lock the caller
// holds): would a receive right it carries end up inside its own queue,
// directly (dest's own right) or through other queued messages (A's right
// queued on B while B's is queued on A)? Such a message could never be
// received; GNU Mach destroys it. Otherwise the message's receive rights
// are recorded as queued on `dest` (Port::destination_).
bool kmsg_enqueue_would_be_circular(Kmsg& kmsg, Port* dest);
// The message left its queue: its receive rights are no longer queued.
void kmsg_left_queue(Kmsg& kmsg);
// A port whose receive right leaves transit for good (it dies).
void port_leaves_transit(Port* port);

// A message taken off its queue (`received`) or destroyed unreceived:
// its msg-accepted request, if it was forced with MACH_SEND_NOTIFY, sends
// msg-accepted or (unreceived) dies as a send-once notification.
void kmsg_take_accept_request(Kmsg& kmsg, bool received);

// Releases every right a copied-in message holds and frees it.
void kmsg_destroy(Kmsg* kmsg);

}  // namespace umach::ipc
