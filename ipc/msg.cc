// ipc/msg.cc: sending and receiving (ipc/msg.h).
#include "ipc/msg.h"

#include "core/kstd/cstring.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "ipc/kmsg_copy.h"

namespace umach::ipc {
namespace {

uint64_t deadline_of(mach_msg_option_t option, mach_msg_option_t timeout_bit, mach_msg_timeout_t ms) {
  if (!(option & timeout_bit)) return sched::kNoDeadline;
  return Platform::clock_ns() + static_cast<uint64_t>(ms) * 1000000;
}

// Queues a copied-in message on its destination port. MACH_SEND_TIMED_OUT
// and MACH_SEND_INTERRUPTED leave the message with the caller.
mach_msg_return_t queue_message(Kmsg* k, mach_msg_option_t option, mach_msg_timeout_t timeout) {
  Port* port = k->dest();
  const bool send_once = MACH_MSGH_BITS_REMOTE(k->header()->msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE;
  const bool poll = (option & MACH_SEND_TIMEOUT) && timeout == 0;
  const uint64_t deadline = deadline_of(option, MACH_SEND_TIMEOUT, timeout);
  for (;;) {
    port->lock.lock();
    if (!port->active_) {
      // The port died after the send right was taken: the message goes away,
      // as in GNU Mach, and the send succeeded.
      port->lock.unlock();
      kmsg_destroy(k);
      return MACH_MSG_SUCCESS;
    }
    if (send_once || port->msgcount_ < port->qlimit_) {
      port->messages_.push_back(*k);
      ++port->msgcount_;
      port->lock.unlock();
      port->receivers_.wakeup_one();
      return MACH_MSG_SUCCESS;
    }
    if (poll) {
      port->lock.unlock();
      return MACH_SEND_TIMED_OUT;
    }
    {
      SpinlockGuard wg(port->senders_.lock);
      port->senders_.assert_wait_locked(/*interruptible=*/true, deadline);
    }
    port->lock.unlock();
    const sched::WaitResult r = sched::thread_block();
    if (r == sched::WaitResult::kTimedOut) return MACH_SEND_TIMED_OUT;
    if (r == sched::WaitResult::kInterrupted) return MACH_SEND_INTERRUPTED;
  }
}

// Takes the oldest message of `port` for a receiver in `space`.
mach_msg_return_t dequeue_message(IpcSpace& space, Port* port, mach_msg_size_t rcv_size, mach_msg_option_t option,
                                  mach_msg_timeout_t timeout, Kmsg** out, mach_msg_size_t* too_large) {
  const bool poll = (option & MACH_RCV_TIMEOUT) && timeout == 0;
  const uint64_t deadline = deadline_of(option, MACH_RCV_TIMEOUT, timeout);
  for (;;) {
    port->lock.lock();
    if (!port->active_) {
      port->lock.unlock();
      return MACH_RCV_PORT_DIED;
    }
    if (port->receiver_ != &space) {
      port->lock.unlock();
      return MACH_RCV_PORT_CHANGED;  // the receive right moved while we waited
    }
    if (Kmsg* k = port->messages_.front()) {
      if (k->size() > rcv_size && (option & MACH_RCV_LARGE)) {
        *too_large = k->size();  // stays queued for a larger buffer
        port->lock.unlock();
        return MACH_RCV_TOO_LARGE;
      }
      port->messages_.remove(*k);
      --port->msgcount_;
      k->header()->msgh_seqno = port->seqno_++;
      port->lock.unlock();
      port->senders_.wakeup_one();
      *out = k;
      return MACH_MSG_SUCCESS;
    }
    if (poll) {
      port->lock.unlock();
      return MACH_RCV_TIMED_OUT;
    }
    {
      SpinlockGuard wg(port->receivers_.lock);
      port->receivers_.assert_wait_locked(/*interruptible=*/true, deadline);
    }
    port->lock.unlock();
    const sched::WaitResult r = sched::thread_block();
    if (r == sched::WaitResult::kTimedOut) return MACH_RCV_TIMED_OUT;
    if (r == sched::WaitResult::kInterrupted) return MACH_RCV_INTERRUPTED;
  }
}

}  // namespace

mach_msg_return_t mach_msg_send(IpcSpace& space, const mach_msg_header_t* msg, mach_msg_size_t send_size,
                                mach_msg_option_t option, mach_msg_timeout_t timeout) {
  if (send_size < sizeof(mach_msg_header_t) || (send_size & 3) != 0) return MACH_SEND_MSG_TOO_SMALL;
  if (send_size > Kmsg::kMaxSize) return MACH_SEND_NO_BUFFER;
  Kmsg* k = Kmsg::alloc(send_size);
  if (!k) return MACH_SEND_NO_BUFFER;
  kstd::memcpy(k->bytes(), msg, send_size);
  k->header()->msgh_size = send_size;  // the size is what the sender says it sends
  mach_msg_return_t mr = kmsg_copyin(space, *k);
  if (mr != MACH_MSG_SUCCESS) {
    Kmsg::free(k);  // a header error took nothing; a body error released what it took
    return mr;
  }
  mr = queue_message(k, option, timeout);
  if (mr != MACH_MSG_SUCCESS) kmsg_destroy(k);  // GNU Mach would hand it back (pseudo-receive): not yet
  return mr;
}

mach_msg_return_t mach_msg_receive(IpcSpace& space, mach_msg_header_t* buffer, mach_msg_size_t rcv_size,
                                   mach_port_name_t name, mach_msg_option_t option, mach_msg_timeout_t timeout) {
  RefPtr<Port> port;
  if (kern_return_t kr = space.receive_port(name, &port); kr != KERN_SUCCESS) return MACH_RCV_INVALID_NAME;
  Kmsg* k = nullptr;
  mach_msg_size_t too_large = 0;
  mach_msg_return_t mr = dequeue_message(space, port.get(), rcv_size, option, timeout, &k, &too_large);
  if (mr == MACH_RCV_TOO_LARGE) {
    if (rcv_size >= sizeof(mach_msg_header_t)) buffer->msgh_size = too_large;
    return mr;
  }
  if (mr != MACH_MSG_SUCCESS) return mr;
  if (k->size() > rcv_size) {
    kmsg_destroy(k);  // without MACH_RCV_LARGE, a message too large is lost
    return MACH_RCV_TOO_LARGE;
  }
  mr = kmsg_copyout(space, *k, name);
  kstd::memcpy(buffer, k->bytes(), k->size());
  Kmsg::free(k);
  return mr;
}

}  // namespace umach::ipc
