// ipc/kmsg.h: a message inside the kernel.
//
// A Kmsg holds a message's bytes in the layout of ABI.md with every port
// right and region translated (the kernel form): header slots and inline
// port items hold Port* references (one per right, counted in the port),
// descriptors of port items carry the type the receiver will see
// (MACH_MSG_TYPE_PORT_*); an out-of-line region's address field holds
// its vm::VmMapCopy, an out-of-line port array's a kalloc'ed array of
// Port* references (msgt_size 64 while in the kernel), null for an empty
// one. Kernel routines see and build messages in this form.
//
// ipc/kmsg_copy.h turns a sender's message into that form and back.
#pragma once

#include <mach/message.h>
#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/list.h"

namespace umach::sched {
class Thread;
}  // namespace umach::sched

namespace umach::ipc {

class IpcSpace;
class Port;

// MACH_PORT_DEAD in a kernel-form slot (null is MACH_PORT_NULL).
inline Port* const kDeadPort = reinterpret_cast<Port*>(~uintptr_t{0});

// What a message forced with MACH_SEND_NOTIFY shares with the sender's
// send-right entry, so that neither needs the other's lock: the entry
// keeps `name` current (MACH_PORT_NULL once the right is gone) and sees
// the right free for another forced message once `received` is set;
// whoever drops the last of the two references frees it.
struct AcceptRequest {
  kstd::Atomic<mach_port_name_t> name{MACH_PORT_NULL};
  kstd::Atomic<bool> received{false};
  kstd::Atomic<uint32_t> refs{2};
};
AcceptRequest* new_accept_request();
void release_accept_request(AcceptRequest* request);

class Kmsg {
 public:
  // The largest message umach accepts (MACH_SEND_NO_BUFFER beyond).
  static constexpr mach_msg_size_t kMaxSize = 64 * 1024;

  [[nodiscard]] static Kmsg* alloc(mach_msg_size_t size);
  static void free(Kmsg* kmsg);
  // A buffer whose message is gone (received, copied out and copied to
  // the user), made fresh for another message of up to capacity() bytes:
  // a trap may keep one per thread instead of going to the zones twice a
  // message.
  static Kmsg* reuse(Kmsg* kmsg);
  // From a zone (a small buffer worth keeping), not whole pages.
  bool from_zone() const { return size_class_ != 0; }

  mach_msg_header_t* header() { return reinterpret_cast<mach_msg_header_t*>(bytes_); }
  const mach_msg_header_t* header() const { return reinterpret_cast<const mach_msg_header_t*>(bytes_); }
  char* bytes() { return bytes_; }
  mach_msg_size_t size() const { return header()->msgh_size; }
  mach_msg_size_t capacity() const { return capacity_; }

  // The destination and reply ports of a copied-in message (references).
  Port* dest() const;
  Port* reply() const;
  // The destination right was used up (its reference released) by whoever
  // handed the message over: the slot says MACH_PORT_NULL from now on.
  void forget_dest();

  ListNode link_;  // on a port's queue, guarded by the port's lock

  // Set when the message is taken off its port's queue: the port's
  // protected payload, which the receiver then sees instead of the port's
  // name (msgh_protected_payload, MACH_MSG_TYPE_PROTECTED_PAYLOAD).
  bool has_payload_ = false;
  rpc_uintptr_t payload_ = 0;

  // A message forced onto a full queue with MACH_SEND_NOTIFY: the
  // send-once right for its msg-accepted notification, and what it shares
  // with the sender's entry (ipc/msg.cc).
  Port* accept_notify_ = nullptr;
  AcceptRequest* accept_ = nullptr;

 private:
  mach_msg_size_t capacity_ = 0;
  uint32_t size_class_ = 0;
  alignas(8) char bytes_[];  // capacity_ bytes follow
};

size_t live_kmsgs();

// A buffer set aside for a message the kernel must send even when memory
// is short (memory_object_create: without it an object's paged-out data
// would be lost). While the scope lasts, the current thread's next
// message from the kernel (kmsg_from_kernel) whose own buffer cannot be
// had takes it, if it is large enough; unused, it is freed at the end.
// (On a CPU running no thread, as in hosted unit tests that call the core
// from a plain host thread, there is nowhere to keep it: it is freed at
// once, and the message can fail for want of memory as any other.)
class KmsgReserve {
 public:
  explicit KmsgReserve(Kmsg* kmsg);
  ~KmsgReserve();
  KmsgReserve(const KmsgReserve&) = delete;
  KmsgReserve& operator=(const KmsgReserve&) = delete;

 private:
  sched::Thread* self_;  // the current thread, null on a CPU running none
  void* previous_;       // the reserve an enclosing scope set
};
// The current thread's reserved buffer for a message of `size` bytes
// (made fresh), or null.
Kmsg* take_reserved_kmsg(mach_msg_size_t size);

}  // namespace umach::ipc
