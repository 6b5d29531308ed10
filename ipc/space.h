// ipc/space.h: a task's IPC name space, and the rights it names.
//
// Names are GNU Mach's: (index << 8) | generation. An index is a slot in
// the space's table; each reuse of a slot bumps its generation, so a stale
// name (one whose right was released) never reaches the slot's next right.
// Allocating a name pops a free slot (O(1)); looking a name up is one
// array access and a compare. Names a task chooses itself
// (mach_port_allocate_name) live in an AVL tree instead, so choosing a huge
// index costs no table; table names skip any generation the tree holds.
//
// One entry per name holds the rights: receive and send rights to the same
// port share an entry (so a space names a port once), each send-once right
// has its own, a port set has one, a dead name counts user references like
// send rights. A second tree maps a port to the entry holding its receive
// or send rights, to find that entry when a send right arrives.
//
// Rights to a dead port are not chased down when the port dies: an entry
// becomes a dead name when it is next looked up (lookup_locked), keeping
// its user references (a send-once right becomes one dead-name reference).
//
// The space's lock (rank kIpcSpace) guards the table, the trees and every
// entry; a port's lock nests inside it.
#pragma once

#include <mach/message.h>
#include <mach/port.h>

#include "core/avl_tree.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/spinlock.h"
#include "ipc/port.h"

namespace umach::vm {
class VmMap;
}  // namespace umach::vm

namespace umach::ipc {

inline constexpr mach_port_name_t name_index(mach_port_name_t name) { return name >> 8; }
inline constexpr uint8_t name_gen(mach_port_name_t name) { return static_cast<uint8_t>(name & 0xff); }
inline constexpr mach_port_name_t make_name(uint32_t index, uint8_t gen) { return (index << 8) | gen; }
inline constexpr mach_port_urefs_t kUrefsMax = 0xffff;

struct IpcEntry {
  mach_port_name_t name = MACH_PORT_NULL;
  mach_port_type_t type = MACH_PORT_TYPE_NONE;  // MACH_PORT_TYPE_* right bits
  mach_port_urefs_t urefs = 0;                  // send rights' or dead name's references
  IpcObject* object = nullptr;                  // one reference; null for a dead name
  bool in_name_tree = false;                    // a chosen name (not in the table)
  // A dead-name request for this name: valid while the port is active;
  // once it died, only a mark that the notification went (port.h).
  DeadNameRequest* request = nullptr;
  // A MACH_SEND_NOTIFY message forced onto a full queue through this send
  // right, shared with the message (kmsg.h); pending until it is received.
  AcceptRequest* accept = nullptr;
  AvlNode name_node;
  AvlNode object_node;                          // in the reverse map while it has send/receive
  Port* port() const { return static_cast<Port*>(object); }
};

// A port right on its way through a message, or through
// mach_port_insert_right/extract_right: the port (one reference, and the
// right counted in it) and what the receiver gets (MACH_MSG_TYPE_PORT_*).
// `port` null with `dead` false is MACH_PORT_NULL; with `dead`, MACH_PORT_DEAD.
struct TransitRight {
  Port* port = nullptr;
  mach_msg_type_name_t type = 0;
  bool dead = false;
};

class IpcSpace : public RefCounted<IpcSpace> {
 public:
  [[nodiscard]] static Result<RefPtr<IpcSpace>> create();
  static void last_reference_dropped(IpcSpace* space);
  IpcSpace() = default;  // use create()
  ~IpcSpace();
  IpcSpace(const IpcSpace&) = delete;
  IpcSpace& operator=(const IpcSpace&) = delete;

  // Destroys every right the space holds (task death); later calls fail
  // with KERN_INVALID_TASK.
  void terminate() UMACH_EXCLUDES(lock);

  // The mach_port_* calls, with the errors the GNU Mach manual documents.
  kern_return_t allocate(mach_port_right_t right, mach_port_name_t* name) UMACH_EXCLUDES(lock);
  kern_return_t allocate_name(mach_port_right_t right, mach_port_name_t name) UMACH_EXCLUDES(lock);
  kern_return_t deallocate(mach_port_name_t name) UMACH_EXCLUDES(lock);
  kern_return_t destroy(mach_port_name_t name) UMACH_EXCLUDES(lock);
  kern_return_t mod_refs(mach_port_name_t name, mach_port_right_t right, mach_port_delta_t delta)
      UMACH_EXCLUDES(lock);
  kern_return_t get_refs(mach_port_name_t name, mach_port_right_t right, mach_port_urefs_t* refs)
      UMACH_EXCLUDES(lock);
  kern_return_t type(mach_port_name_t name, mach_port_type_t* type) UMACH_EXCLUDES(lock);
  kern_return_t rename(mach_port_name_t old_name, mach_port_name_t new_name) UMACH_EXCLUDES(lock);
  kern_return_t move_member(mach_port_name_t member, mach_port_name_t after) UMACH_EXCLUDES(lock);
  kern_return_t get_receive_status(mach_port_name_t name, mach_port_status_t* status) UMACH_EXCLUDES(lock);
  kern_return_t set_qlimit(mach_port_name_t name, mach_port_msgcount_t qlimit) UMACH_EXCLUDES(lock);
  kern_return_t set_mscount(mach_port_name_t name, mach_port_mscount_t mscount) UMACH_EXCLUDES(lock);
  kern_return_t set_seqno(mach_port_name_t name, mach_port_seqno_t seqno) UMACH_EXCLUDES(lock);
  // A receive right's protected payload: received messages carry it in
  // place of the port's name until it is cleared.
  kern_return_t set_protected_payload(mach_port_name_t name, rpc_uintptr_t payload) UMACH_EXCLUDES(lock);
  kern_return_t clear_protected_payload(mach_port_name_t name) UMACH_EXCLUDES(lock);
  // mach_port_set_ktype's checks (ipc/mach_port_server.cc says what the
  // call does): `name` must hold `right`, a send, send-once or receive
  // right (KERN_INVALID_VALUE: no right; KERN_INVALID_NAME,
  // KERN_INVALID_RIGHT), to a port that stands for no kernel object
  // (KERN_INVALID_ARGUMENT).
  kern_return_t check_user_port(mach_port_name_t name, mach_port_right_t right) UMACH_EXCLUDES(lock);
  // mach_port_names: every name with its type, in two kalloc'ed arrays
  // of `*count` elements (null when the space is empty) that the caller
  // kfree's (core/kalloc.h). KERN_RESOURCE_SHORTAGE, KERN_INVALID_TASK.
  kern_return_t names(mach_port_name_t** names, mach_port_type_t** types, size_t* count) UMACH_EXCLUDES(lock);
  // mach_port_get_set_status: the names of a port set's members, kalloc'ed
  // likewise. KERN_INVALID_NAME, KERN_INVALID_RIGHT (not a port set).
  kern_return_t set_members(mach_port_name_t name, mach_port_name_t** members, size_t* count) UMACH_EXCLUDES(lock);
  // mach_port_insert_right: gives `name` the right `right` carries (from
  // copyin_right in the caller's space). Consumes `right` on success.
  kern_return_t insert_right(mach_port_name_t name, TransitRight& right) UMACH_EXCLUDES(lock);

  // Takes the right `disposition` (MACH_MSG_TYPE_MOVE_RECEIVE ... MAKE_SEND_ONCE)
  // that `name` denotes out of the space, for a message. MACH_PORT_NULL
  // and MACH_PORT_DEAD pass through as such.
  kern_return_t copyin_right(mach_port_name_t name, mach_msg_type_name_t disposition, TransitRight* out)
      UMACH_EXCLUDES(lock);
  // A message header's two rights at once: both are checked before either
  // is taken, so an error changes nothing (MACH_SEND_INVALID_DEST for the
  // destination, MACH_SEND_INVALID_REPLY for the reply; a null reply name
  // takes nothing). The destination must be a live send or send-once right.
  // `cancel` (MACH_SEND_CANCEL's notify port): a dead-name request on the
  // destination's name whose notify port it is goes silently if the
  // destination right leaves the space.
  mach_msg_return_t copyin_header(mach_port_name_t dest_name, mach_msg_type_name_t dest_disposition,
                                  mach_port_name_t reply_name, mach_msg_type_name_t reply_disposition,
                                  TransitRight* dest, TransitRight* reply, const Port* cancel = nullptr)
      UMACH_EXCLUDES(lock);
  // Puts a right in transit into the space, merging a send right with an
  // entry that already names the port; consumes `right` (on failure too:
  // the right is destroyed, and the name is MACH_PORT_NULL, or
  // MACH_PORT_DEAD in a dead space).
  // `created`, if given, says whether the right got a new name (rather
  // than joining an entry that already named the port).
  kern_return_t copyout_right(TransitRight& right, mach_port_name_t* name, bool* created = nullptr)
      UMACH_EXCLUDES(lock);

  // MACH_SEND_NOTIFY (ipc/msg.cc): the message `kmsg` to `name`'s send
  // right may be forced onto its destination's full queue. Makes the
  // send-once right for its msg-accepted notification from the receive
  // right `notify` and ties the message to the send right (one forced
  // message per right): MACH_SEND_INVALID_NOTIFY, MACH_SEND_NO_NOTIFY,
  // MACH_SEND_NOTIFY_IN_PROGRESS otherwise.
  mach_msg_return_t request_msg_accepted(mach_port_name_t name, mach_port_name_t notify, Kmsg& kmsg)
      UMACH_EXCLUDES(lock);

  // The port whose receive right `name` denotes (a new reference), for a
  // receiver: KERN_INVALID_NAME, KERN_INVALID_RIGHT otherwise.
  kern_return_t receive_port(mach_port_name_t name, RefPtr<Port>* port) UMACH_EXCLUDES(lock);
  // mach_port_request_notification: MACH_NOTIFY_NO_SENDERS (with `sync`)
  // or MACH_NOTIFY_PORT_DESTROYED for `name`'s receive right, or
  // MACH_NOTIFY_DEAD_NAME for any right to a port (on a dead name with
  // `sync`, it fires at once). `notify` (a send-once right, or none)
  // replaces the previous request, which is handed back in `previous`.
  // Consumes `notify` on success.
  kern_return_t request_notification(mach_port_name_t name, mach_msg_id_t id, mach_port_mscount_t sync,
                                     TransitRight& notify, TransitRight* previous) UMACH_EXCLUDES(lock);
  // What a receive on `name` waits on: a port (receive right), returned
  // locked and without a reference (its receive right, and so the port,
  // cannot go while it is locked), or a set (a reference).
  kern_return_t receive_source(mach_port_name_t name, Port** locked_port, RefPtr<PortSet>* set)
      UMACH_EXCLUDES(lock);

  size_t entry_count() const UMACH_EXCLUDES(lock);
  void check_invariants() const UMACH_EXCLUDES(lock);

  // The address space a message's out-of-line memory leaves and enters
  // (the task's map; GNU Mach passes space and map side by side). Set
  // once, before the space is used, and kept (a reference) until the
  // space goes. Null for a space of IPC alone: its messages cannot carry
  // out-of-line memory (MACH_SEND_INVALID_MEMORY) nor receive it
  // (MACH_MSG_VM_SPACE).
  void set_map(vm::VmMap* map);
  vm::VmMap* map() const { return map_; }

  mutable Spinlock lock{LockRank::kIpcSpace};

 private:
  struct Slot {
    IpcEntry* entry;
    uint32_t next_free;  // the next free index, 0 for none (index 0 is never used)
    uint8_t gen;         // the generation this slot's next name gets
  };
  struct ByName {
    static uint64_t key(const IpcEntry& e) { return e.name; }
  };
  struct ByObject {
    static uint64_t key(const IpcEntry& e) { return reinterpret_cast<uintptr_t>(e.object); }
  };

  IpcEntry* lookup_locked(mach_port_name_t name) UMACH_REQUIRES(lock);
  IpcEntry* entry_of_port_locked(const Port* port) UMACH_REQUIRES(lock);
  kern_return_t new_entry_locked(mach_port_name_t chosen, IpcEntry** out) UMACH_REQUIRES(lock);
  void free_entry_locked(IpcEntry* entry) UMACH_REQUIRES(lock);
  void drop_spare_entry_locked() UMACH_REQUIRES(lock);
  kern_return_t grow_table_locked() UMACH_REQUIRES(lock);
  void set_object_locked(IpcEntry* entry, IpcObject* object) UMACH_REQUIRES(lock);
  // `releasing`: user references are being released (deallocate,
  // mod_refs), not the name destroyed (destroy, task death).
  void drop_rights_locked(IpcEntry* entry, mach_port_type_t rights, bool releasing = true) UMACH_REQUIRES(lock);
  void destroy_entry_locked(IpcEntry* entry) UMACH_REQUIRES(lock);
  kern_return_t allocate_object_locked(IpcEntry* entry, mach_port_right_t right) UMACH_REQUIRES(lock);
  // `cancel`: MACH_SEND_CANCEL's notify port (entry_deleted_locked).
  kern_return_t copyin_locked(IpcEntry* entry, mach_msg_type_name_t disposition, TransitRight* out,
                              const Port* cancel = nullptr) UMACH_REQUIRES(lock);
  // Takes the entry's dead-name request off its port: the send-once right
  // to notify, or null if there was none or the port died (it was used).
  Port* cancel_request_locked(IpcEntry* entry) UMACH_REQUIRES(lock);
  // The entry is losing its last right to its port (still set): its
  // dead-name request becomes a port-deleted notification, or goes
  // silently if its notify port is `cancel`. True if instead the port
  // died after the caller's lookup and the request was answered with a
  // dead-name notification: the name must then stay, as a dead name
  // (become_notified_dead_name_locked, once its object is cleared).
  [[nodiscard]] bool entry_deleted_locked(IpcEntry* entry, const Port* cancel = nullptr) UMACH_REQUIRES(lock);
  void become_notified_dead_name_locked(IpcEntry* entry) UMACH_REQUIRES(lock);
  // The entry's send right goes: a forced message's msg-accepted
  // notification will carry MACH_PORT_NULL.
  void drop_accept_locked(IpcEntry* entry) UMACH_REQUIRES(lock);
  // copyin_header when the destination and the reply are one name.
  mach_msg_return_t copyin_header_one_name_locked(mach_port_name_t name, mach_msg_type_name_t dest_disposition,
                                                  mach_msg_type_name_t reply_disposition, TransitRight* dest,
                                                  TransitRight* reply, const Port* cancel) UMACH_REQUIRES(lock);
  // May a message's reply take `disposition` from `entry` (a dead name
  // passes as MACH_PORT_DEAD)?
  bool reply_allowed_locked(const IpcEntry* entry, mach_msg_type_name_t disposition) UMACH_REQUIRES(lock);
  // Could copyin_locked take `disposition` from `entry` (`uses` times)?
  bool copyin_allowed_locked(const IpcEntry* entry, mach_msg_type_name_t disposition, int uses)
      UMACH_REQUIRES(lock);
  kern_return_t receive_port_locked(mach_port_name_t name, Port** port) UMACH_REQUIRES(lock);
  // MACH_NOTIFY_DEAD_NAME for `entry`: registers, replaces or (null
  // `notify`) cancels its request, using `*spare` for a new one and leaving
  // a cancelled one there for the caller to free.
  kern_return_t request_dead_name_locked(IpcEntry* entry, mach_port_mscount_t sync, TransitRight& notify,
                                         TransitRight* previous, DeadNameRequest** spare) UMACH_REQUIRES(lock);
  // Its part for a port that is still alive; false if it died meanwhile.
  bool request_dead_name_live_locked(IpcEntry* entry, TransitRight& notify, TransitRight* previous,
                                     DeadNameRequest** spare) UMACH_REQUIRES(lock);

  Slot* table_ UMACH_GUARDED_BY(lock) = nullptr;
  uint32_t table_size_ UMACH_GUARDED_BY(lock) = 0;
  uint32_t free_head_ UMACH_GUARDED_BY(lock) = 0;
  AvlTree<IpcEntry, &IpcEntry::name_node, ByName> chosen_names_ UMACH_GUARDED_BY(lock);
  AvlTree<IpcEntry, &IpcEntry::object_node, ByObject> by_object_ UMACH_GUARDED_BY(lock);
  size_t entries_ UMACH_GUARDED_BY(lock) = 0;
  IpcEntry* spare_entry_ UMACH_GUARDED_BY(lock) = nullptr;  // one freed entry's memory, kept for the next
  bool active_ UMACH_GUARDED_BY(lock) = true;
  vm::VmMap* map_ = nullptr;  // a reference, or null
  Canary<0x53504143u> canary_;  // "SPAC"
};

// What happens to a right in transit that is never received: a send right
// is released (the last one may send a no-senders notification), a
// send-once right sends a send-once notification on itself, a receive
// right destroys its port. `used`: the right delivered a message (its
// destination) and just goes, without a notification.
void release_transit_right(TransitRight& right, bool used = false);
// Releases a send right the kernel keeps as a bare Port* (a special port,
// a pager's port): as a send right in transit. Null and dead: nothing.
void release_send_right(Port* right);

// Destroys a port whose receive right goes away (port death): it stops
// being active, leaves its set, and every name for it becomes a dead name.
// Consumes the caller's reference, which stood for the receive right.
void destroy_receive_right(Port* port);

size_t live_spaces();

}  // namespace umach::ipc
