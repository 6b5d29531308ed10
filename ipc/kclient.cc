// ipc/kclient.cc: the kernel as a client (core/mig/mig_kernel.h): the IPC
// entry points of the generated kuser stubs (exception_raise, ...).
//
// A stub hands over a message in kernel form whose header and port items
// still say dispositions; kmsg_copyin_from_kernel makes or moves the
// rights. An RPC's reply port is a port made for the call whose receive
// right the kernel holds (in no space, like a kernel object's); the
// request carries a send-once right to it, the caller waits for the reply
// interruptibly (thread_abort ends one wait, and it waits again; a
// thread being terminated gives up: MACH_RCV_INTERRUPTED), and
// the port dies when the call returns, so a reply that comes later is
// destroyed with it. A server that drops the send-once right unused sends
// a send-once notification instead (the stub answers MIG_SERVER_DIED); so
// does a destination that is dead when the request is queued.
//
// The three functions are weak: tests/mig's stub tests replace them with
// capturing fakes (as the generated dispatch's unimplemented routines are).
#include "core/kstd/cstring.h"
#include "core/mig/mig_kernel.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "ipc/kmsg_copy.h"
#include "ipc/kobject.h"
#include "ipc/msg.h"

namespace umach::ipc {
namespace {

// A copy of a kernel-form message the caller built, its rights made; in
// the thread's reserved buffer (KmsgReserve) when memory is short.
Kmsg* kmsg_from_kernel(const mach_msg_header_t* msg, mach_msg_size_t size) {
  Kmsg* k = Kmsg::alloc(size);
  if (!k) k = take_reserved_kmsg(size);
  if (!k) return nullptr;
  kstd::memcpy(k->bytes(), msg, size);
  k->header()->msgh_size = size;
  kmsg_copyin_from_kernel(*k);
  return k;
}

// The reply taken off the kernel's port: its destination right (a
// send-once right to that port) is used up and a reply right it brought
// is released; the body stays, in kernel form, for the stub.
void consume_reply_header(Kmsg& r) {
  const mach_msg_bits_t bits = r.header()->msgh_bits;
  TransitRight dest{r.dest(), r.dest() ? MACH_MSGH_BITS_REMOTE(bits) : 0, false};
  release_transit_right(dest, /*used=*/true);
  TransitRight reply{r.reply() == kDeadPort ? nullptr : r.reply(), r.reply() ? MACH_MSGH_BITS_LOCAL(bits) : 0, false};
  release_transit_right(reply);
  kstd::memset(r.bytes() + 8, 0, 16);
  r.header()->msgh_bits = bits & MACH_MSGH_BITS_COMPLEX;
}

}  // namespace

[[gnu::weak]] mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t* msg, mach_msg_size_t size) {
  if (size < sizeof(mach_msg_header_t) || size > Kmsg::kMaxSize) return MACH_SEND_MSG_TOO_SMALL;
  Kmsg* k = kmsg_from_kernel(msg, size);
  if (!k) return MACH_SEND_NO_BUFFER;
  send_from_kernel(k);  // never waits; a null or dead destination destroys it
  return MACH_MSG_SUCCESS;
}

[[gnu::weak]] mach_msg_return_t mach_msg_rpc_from_kernel(mach_msg_header_t* msg, mach_msg_size_t send_size,
                                                         mach_msg_size_t rcv_size) {
  if (send_size < sizeof(mach_msg_header_t) || send_size > Kmsg::kMaxSize) return MACH_SEND_MSG_TOO_SMALL;
  Port* dest;
  kstd::memcpy(&dest, reinterpret_cast<const char*>(msg) + 8, sizeof dest);
  if (!dest) return MACH_SEND_INVALID_DEST;
  auto made = Port::create();
  if (!made.ok()) return MACH_SEND_NO_BUFFER;
  Port* port = made.value().leak_ref();  // the kernel's receive right: destroy_receive_right below
  kstd::memcpy(reinterpret_cast<char*>(msg) + 16, &port, sizeof port);
  msg->msgh_bits = (msg->msgh_bits & ~MACH_MSGH_BITS_LOCAL_MASK) | MACH_MSGH_BITS(0, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  Kmsg* k = kmsg_from_kernel(msg, send_size);
  if (!k) {
    destroy_receive_right(port);
    return MACH_SEND_NO_BUFFER;
  }
  send_from_kernel(k);
  Kmsg* r = nullptr;
  // thread_abort interrupts the wait, and the wait goes on (GNU Mach's
  // exception_raise_continue_slow): the call is not lost, and a thread
  // suspended meanwhile stops on its way back to user mode. Only a
  // thread being terminated (its waits interrupted for good) gives up.
  mach_msg_return_t mr;
  do {
    mr = receive_from_kernel_port(port, &r);
  } while (mr == MACH_RCV_INTERRUPTED && !sched::waits_interrupted(*sched::current_thread()));
  if (r) {
    consume_reply_header(*r);
    if (r->size() > rcv_size) {
      kmsg_destroy(r);  // its body's rights and regions go with it
      mr = MACH_RCV_TOO_LARGE;
    } else {
      kstd::memcpy(msg, r->bytes(), r->size());
      Kmsg::free(r);
    }
  }
  destroy_receive_right(port);  // a reply still to come dies with it
  return mr;
}

void mig_release_translated(ipc_port_t port) { release_send_right(port); }

[[gnu::weak]] void mach_msg_destroy_from_kernel(mach_msg_header_t* msg) {
  // The received form: header rights (if any) and body items as
  // kmsg_destroy releases them.
  Kmsg* k = Kmsg::alloc(msg->msgh_size);
  if (!k) return;  // out of kernel memory: its rights stay counted (a leak the audit reports)
  kstd::memcpy(k->bytes(), msg, msg->msgh_size);
  kmsg_destroy(k);
}

}  // namespace umach::ipc
