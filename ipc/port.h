// ipc/port.h: ports and port sets.
//
// A Port is a message queue with rights to it. Exactly one receive right
// exists while the port is active: held in one space's entry (receiver_,
// receiver_name_) or in transit in a message (receiver_ == nullptr). Send
// rights are counted in srights_ (one per entry that holds send rights,
// whatever its user references, plus one per right in transit) and
// send-once rights in sorights_; the make-send count mscount_ counts
// MAKE_SEND dispositions since the last no-senders notification. These
// counts are separate from the reference count, which says only how long
// the memory lives.
//
// Destroying the receive right makes the port dead (active_ false). The
// spaces that name it are not walked: each turns its entry into a dead
// name the next time it looks at it (IpcSpace::lookup_locked), as GNU Mach
// does.
#pragma once

#include <mach/port.h>
#include <mach/message.h>

#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/result.h"
#include "core/sched/wait_queue.h"
#include "ipc/kmsg.h"
#include "ipc/object.h"

namespace umach::ipc {

class IpcSpace;
class Port;
class PortSet;

// A dead-name request (mach_port_request_notification with
// MACH_NOTIFY_DEAD_NAME): the name one space gives the port and the
// send-once right to notify. It hangs on the port while the port lives
// and the entry points at it; when the port dies the port sends and frees
// every request at once, and an entry that still points at one only
// remembers that it had one (IpcSpace::lookup_locked adds the user
// reference the notification carries, as GNU Mach does).
struct DeadNameRequest {
  ListNode link;
  mach_port_name_t name = MACH_PORT_NULL;
  Port* notify = nullptr;  // a send-once right: a reference, counted in its port's sorights_
};

// What a kernel port stands for (the kernel's RPC dispatch converts).
enum class KObjectType : uint8_t {
  kNone,
  kTask,
  kThread,
  kHost,
  kHostPriv,
  kMemoryObject,         // a kernel-made memory object (vm/memory_object.h)
  kMemoryObjectControl,  // a pager's request port for its object (vm/pager.h)
  kMemoryObjectName,     // a pager-backed object's name port
  kDefaultPager,         // the kernel's default pager (vm/default_pager.h)
  kDeviceMaster,
  kDevice,
  kProcessor,
  kProcessorSet,      // the default set's control port
  kProcessorSetName,  // and its name port
  kTest,
};

class Port final : public IpcObject {
 public:
  // A new active port with no rights yet.
  [[nodiscard]] static Result<RefPtr<Port>> create();

  bool active_locked() const UMACH_REQUIRES(lock) { return active_; }
  IpcSpace* receiver_locked() const UMACH_REQUIRES(lock) { return receiver_; }
  mach_port_name_t receiver_name_locked() const UMACH_REQUIRES(lock) { return receiver_name_; }
  PortSet* pset_locked() const UMACH_REQUIRES(lock) { return pset_; }

  void check_local() const;

  // State the space code manipulates under the port's lock.
  bool active_ UMACH_GUARDED_BY(lock) = true;
  // Set with active_ = false (and never cleared): a lookup may read it
  // without the lock to see that a port is still alive.
  kstd::Atomic<bool> died_{false};
  IpcSpace* receiver_ UMACH_GUARDED_BY(lock) = nullptr;  // borrowed: the space holds an entry
  mach_port_name_t receiver_name_ UMACH_GUARDED_BY(lock) = MACH_PORT_NULL;
  PortSet* pset_ UMACH_GUARDED_BY(lock) = nullptr;       // the set holds a reference to us
  mach_port_mscount_t mscount_ UMACH_GUARDED_BY(lock) = 0;
  uint32_t srights_ UMACH_GUARDED_BY(lock) = 0;
  uint32_t sorights_ UMACH_GUARDED_BY(lock) = 0;
  mach_port_seqno_t seqno_ UMACH_GUARDED_BY(lock) = 0;
  mach_port_msgcount_t qlimit_ UMACH_GUARDED_BY(lock) = MACH_PORT_QLIMIT_DEFAULT;
  mach_port_msgcount_t msgcount_ UMACH_GUARDED_BY(lock) = 0;
  rpc_uintptr_t protected_payload_ UMACH_GUARDED_BY(lock) = 0;
  bool has_protected_payload_ UMACH_GUARDED_BY(lock) = false;
  // Notification requests: send-once rights held for the requester (a
  // reference each, counted in their ports' sorights_).
  Port* nsrequest_ UMACH_GUARDED_BY(lock) = nullptr;  // no-senders
  mach_port_mscount_t nssync_ UMACH_GUARDED_BY(lock) = 0;
  Port* pdrequest_ UMACH_GUARDED_BY(lock) = nullptr;  // port-destroyed
  List<DeadNameRequest, &DeadNameRequest::link> dnrequests_ UMACH_GUARDED_BY(lock);
  // While this port's receive right sits in a message queued on another
  // port: that port (guarded by the kernel's one transit lock, kmsg.cc).
  // Following it from a destination finds every port whose queue the
  // destination's own receive right is (transitively) inside, which is how
  // a send that would close a circle is caught.
  Port* destination_ = nullptr;
  KObjectType kobject_type_ UMACH_GUARDED_BY(lock) = KObjectType::kNone;
  void* kobject_ UMACH_GUARDED_BY(lock) = nullptr;

  ListNode pset_link_;  // guarded by the set's lock

  // The queued messages (msgcount_ of them), oldest first, and the threads
  // waiting to receive from this port or for room in its queue. A waiter
  // asserts its wait while it holds the port's lock, so a sender that
  // queues under the lock and wakes after it cannot be missed.
  // Both queues are guarded by the port's own lock.
  List<Kmsg, &Kmsg::link_> messages_ UMACH_GUARDED_BY(lock);
  sched::WaitQueue receivers_{lock};
  sched::WaitQueue senders_{lock};

  // Room in the queue goes to the sender that waited longest: the one
  // woken here is counted in msgcount_ already (its slot is reserved, so a
  // sender arriving meanwhile cannot take it), and queues without looking
  // at the limit again (ipc/msg.cc). Wakes as many as there is room for.
  void grant_room_locked() UMACH_REQUIRES(lock) {
    // Senders assert their waits under this port's lock, which we hold: a
    // queue seen empty here is empty.
    senders_.lock.assert_held();  // the port's
    while (msgcount_ < qlimit_ && senders_.may_have_waiters() && senders_.wakeup_one_locked()) ++msgcount_;
  }

  // Use create(); public only so the zone can construct it.
  Port() : IpcObject(ObjectKind::kPort) {}
  ~Port() { check_canary(); }
};

// A port set: receive rights gathered so that one receive serves them all.
class PortSet final : public IpcObject {
 public:
  [[nodiscard]] static Result<RefPtr<PortSet>> create();

  bool active_ UMACH_GUARDED_BY(lock) = true;
  mach_port_name_t name_ UMACH_GUARDED_BY(lock) = MACH_PORT_NULL;
  List<Port, &Port::pset_link_> members_ UMACH_GUARDED_BY(lock);
  size_t member_count_ UMACH_GUARDED_BY(lock) = 0;
  // Threads receiving on the set, and a count of messages queued on its
  // members: a receiver that found nothing sleeps only if no message
  // arrived since it started looking (it checks under the wait queue's
  // lock, which the sender's wakeup takes after counting).
  sched::WaitQueue receivers_;
  kstd::Atomic<uint64_t> arrivals_{0};

  void check_local() const;

  // Use create(); public only so the zone can construct it.
  PortSet() : IpcObject(ObjectKind::kPortSet) {}
  ~PortSet() { check_canary(); }
};

// Live objects, for leak audits and tests.
size_t live_ports();
size_t live_port_sets();

}  // namespace umach::ipc
