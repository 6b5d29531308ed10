// ipc/kmsg.cc: message buffers and their copyin, copyout and destruction
// (ipc/kmsg.h).
#include "ipc/kmsg_copy.h"

#include <mach/notify.h>

#include "core/kstd/atomic.h"
#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/zone.h"

namespace umach::ipc {
namespace {

// Buffers come in three zone sizes; larger messages take whole pages.
struct SizeClass {
  mach_msg_size_t capacity;
  Zone* zone;
};
[[clang::no_destroy]] constinit Zone g_kmsg_256("ipc.kmsg.256", sizeof(Kmsg) + 256, 8);
[[clang::no_destroy]] constinit Zone g_kmsg_1k("ipc.kmsg.1k", sizeof(Kmsg) + 1024, 8);
[[clang::no_destroy]] constinit Zone g_kmsg_4k("ipc.kmsg.4k", sizeof(Kmsg) + 4096, 8);
const SizeClass kClasses[] = {{256, &g_kmsg_256}, {1024, &g_kmsg_1k}, {4096, &g_kmsg_4k}};
kstd::Atomic<size_t> g_page_kmsgs{0};

size_t pages_for(mach_msg_size_t capacity) {
  return (sizeof(Kmsg) + capacity + Platform::kPageSize - 1) / Platform::kPageSize;
}

// One typed item of a message body, read with the ABI's word layout.
struct Item {
  unsigned name, bits;
  bool inl, longform;
  uint32_t number;
  uint64_t data_bytes;  // before padding
};

Item read_item(const char* p) {
  uint32_t word, number;
  kstd::memcpy(&word, p, 4);
  kstd::memcpy(&number, p + 4, 4);
  return Item{word & 0xff, (word >> 8) & 0xffff, ((word >> 29) & 1) != 0, ((word >> 30) & 1) != 0, number,
              (static_cast<uint64_t>(number) * ((word >> 8) & 0xffff) + 7) / 8};
}

void set_item_name(char* p, unsigned name) { p[0] = static_cast<char>(name); }

uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

bool is_port_name(unsigned name) { return name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE; }
bool is_received_port(unsigned name) { return name >= MACH_MSG_TYPE_PORT_RECEIVE && name <= MACH_MSG_TYPE_PORT_SEND_ONCE; }
bool is_send_disposition(unsigned d) { return d >= MACH_MSG_TYPE_MOVE_SEND && d <= MACH_MSG_TYPE_MAKE_SEND_ONCE; }

mach_msg_type_name_t received(mach_msg_type_name_t d) {
  switch (d) {
    case MACH_MSG_TYPE_COPY_SEND: case MACH_MSG_TYPE_MAKE_SEND: case MACH_MSG_TYPE_MOVE_SEND:
      return MACH_MSG_TYPE_PORT_SEND;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: case MACH_MSG_TYPE_MOVE_SEND_ONCE:
      return MACH_MSG_TYPE_PORT_SEND_ONCE;
    case MACH_MSG_TYPE_MOVE_RECEIVE:
      return MACH_MSG_TYPE_PORT_RECEIVE;
    default:
      return 0;
  }
}

Port* slot_port(const char* p) {
  Port* port;
  kstd::memcpy(&port, p, sizeof port);
  return port;
}

void set_slot_port(char* p, Port* port) { kstd::memcpy(p, &port, sizeof port); }

void set_slot_name(char* p, mach_port_name_t name) {
  const uint64_t slot = name;
  kstd::memcpy(p, &slot, 8);
}

mach_port_name_t slot_name(const char* p) {
  mach_port_name_t name;
  kstd::memcpy(&name, p, 4);
  return name;
}

TransitRight transit(Port* port, mach_msg_type_name_t type) {
  if (port == kDeadPort) return TransitRight{nullptr, 0, true};
  return TransitRight{port, port ? type : 0, false};
}

// Releases the port rights of a kernel-form body, from its start up to
// (not including) slot `stop_slot` of the item at `stop` (the whole body
// when stop is the end).
void release_body(Kmsg& k, uint64_t stop, uint32_t stop_slot) {
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos <= stop && pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    if (it.inl && is_received_port(it.name)) {
      const uint32_t n = pos == stop ? stop_slot : it.number;
      for (uint32_t i = 0; i < n; ++i) {
        TransitRight r = transit(slot_port(b + pos + 8 + 8 * i), it.name);
        release_transit_right(r);
      }
    }
    if (pos == stop) break;
    pos += 8 + round8(it.data_bytes);
  }
}

// Names every port right of a kernel-form body in `space`; `result`
// becomes MACH_RCV_BODY_ERROR if one could not be named (it reads
// MACH_PORT_DEAD).
mach_msg_return_t copyout_body(IpcSpace& space, Kmsg& k, mach_msg_return_t result) {
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    if (it.inl && is_received_port(it.name)) {
      for (uint32_t i = 0; i < it.number; ++i) {
        char* slot = b + pos + 8 + 8 * i;
        TransitRight r = transit(slot_port(slot), it.name);
        mach_port_name_t name;
        if (space.copyout_right(r, &name) != KERN_SUCCESS && result == MACH_MSG_SUCCESS) result = MACH_RCV_BODY_ERROR;
        set_slot_name(slot, name);
      }
    }
    pos += 8 + round8(it.data_bytes);
  }
  return result;
}

}  // namespace

Kmsg* Kmsg::alloc(mach_msg_size_t size) {
  if (size > kMaxSize) return nullptr;
  void* mem = nullptr;
  mach_msg_size_t capacity = 0;
  uint32_t cls = 0;
  for (const SizeClass& c : kClasses) {
    ++cls;
    if (size <= c.capacity) {
      mem = c.zone->alloc();
      capacity = c.capacity;
      break;
    }
  }
  if (capacity == 0) {
    cls = 0;
    capacity = static_cast<mach_msg_size_t>(pages_for(size) * Platform::kPageSize - sizeof(Kmsg));
    auto pa = page_allocator().alloc(pages_for(size));
    if (pa.ok()) {
      mem = Platform::phys_to_virt(pa.value());
      g_page_kmsgs.fetch_add(1, kstd::MemoryOrder::relaxed);
    }
  }
  if (!mem) return nullptr;
  Kmsg* k = kstd::construct_at<Kmsg>(mem);
  k->capacity_ = capacity;
  k->size_class_ = cls;
  return k;
}

void Kmsg::free(Kmsg* k) {
  const uint32_t cls = k->size_class_;
  const mach_msg_size_t capacity = k->capacity_;
  kstd::destroy_at(k);
  if (cls == 0) {
    page_allocator().free(Platform::virt_to_phys(k), pages_for(capacity));
    g_page_kmsgs.fetch_sub(1, kstd::MemoryOrder::relaxed);
  } else {
    kClasses[cls - 1].zone->free(k);
  }
}

Kmsg* Kmsg::reuse(Kmsg* k) {
  kassert(k->accept_notify_ == nullptr && k->accept_ == nullptr);
  const uint32_t cls = k->size_class_;
  const mach_msg_size_t capacity = k->capacity_;
  kstd::destroy_at(k);
  Kmsg* fresh = kstd::construct_at<Kmsg>(static_cast<void*>(k));
  fresh->capacity_ = capacity;
  fresh->size_class_ = cls;
  return fresh;
}

size_t live_kmsgs() {
  return g_kmsg_256.live() + g_kmsg_1k.live() + g_kmsg_4k.live() + g_page_kmsgs.load(kstd::MemoryOrder::relaxed);
}

Port* Kmsg::dest() const { return slot_port(bytes_ + 8); }
Port* Kmsg::reply() const { return slot_port(bytes_ + 16); }

mach_msg_return_t kmsg_copyin(IpcSpace& space, Kmsg& k, const Port* cancel) {
  mach_msg_header_t* h = k.header();
  const mach_msg_size_t size = h->msgh_size;
  if (size < sizeof(mach_msg_header_t) || (size & 3) != 0) return MACH_SEND_MSG_TOO_SMALL;
  const mach_msg_bits_t bits = h->msgh_bits;
  const mach_msg_type_name_t rtype = MACH_MSGH_BITS_REMOTE(bits), ltype = MACH_MSGH_BITS_LOCAL(bits);
  const mach_port_name_t dest_name = slot_name(k.bytes() + 8), reply_name = slot_name(k.bytes() + 16);
  if ((bits & MACH_MSGH_BITS_UNUSED) || !is_send_disposition(rtype)) return MACH_SEND_INVALID_HEADER;
  if (reply_name != MACH_PORT_NULL && !is_send_disposition(ltype)) return MACH_SEND_INVALID_HEADER;
  if (!MACH_PORT_VALID(dest_name)) return MACH_SEND_INVALID_DEST;
  TransitRight dest, reply;
  mach_msg_return_t mr = space.copyin_header(dest_name, rtype, reply_name, ltype, &dest, &reply, cancel);
  if (mr != MACH_MSG_SUCCESS) return mr;
  set_slot_port(k.bytes() + 8, dest.port);
  set_slot_port(k.bytes() + 16, reply.dead ? kDeadPort : reply.port);
  const mach_msg_type_name_t reply_type = reply.port || reply.dead ? received(ltype) : 0;
  h->msgh_bits = (bits & MACH_MSGH_BITS_COMPLEX) | MACH_MSGH_BITS(received(rtype), reply_type);
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return MACH_MSG_SUCCESS;

  // The body: every port item's names become references, in order; the
  // first error releases what was taken and the message is destroyed.
  char* b = k.bytes();
  mach_msg_return_t error = MACH_MSG_SUCCESS;
  uint64_t pos = sizeof(mach_msg_header_t);
  uint32_t done_slots = 0;
  while (pos < size) {
    if (size - pos < 8) {
      error = MACH_SEND_MSG_TOO_SMALL;
      break;
    }
    const Item it = read_item(b + pos);
    if (it.longform || !it.inl || it.name > MACH_MSG_TYPE_MAKE_SEND_ONCE) {
      error = MACH_SEND_INVALID_TYPE;  // out-of-line data comes with the VM
      break;
    }
    if (size - pos - 8 < round8(it.data_bytes)) {
      error = MACH_SEND_MSG_TOO_SMALL;
      break;
    }
    if (is_port_name(it.name)) {
      if (it.bits != 64) {
        error = MACH_SEND_INVALID_TYPE;
        break;
      }
      for (done_slots = 0; done_slots < it.number; ++done_slots) {
        char* slot = b + pos + 8 + 8 * done_slots;
        TransitRight r;
        if (space.copyin_right(slot_name(slot), it.name, &r) != KERN_SUCCESS) {
          error = MACH_SEND_INVALID_RIGHT;
          break;
        }
        set_slot_port(slot, r.dead ? kDeadPort : r.port);
      }
      if (error != MACH_MSG_SUCCESS) break;
      set_item_name(b + pos, received(it.name));
      done_slots = 0;
    }
    pos += 8 + round8(it.data_bytes);
  }
  if (error == MACH_MSG_SUCCESS) return MACH_MSG_SUCCESS;
  // The message is destroyed: the rights of the items before this one, the
  // slots of this one already taken, and the header's.
  const uint64_t stop = pos;
  // The failing item's descriptor still says its disposition: mark it
  // received so release_body reads its first slots as references.
  if (stop + 8 <= size && is_port_name(read_item(b + stop).name))
    set_item_name(b + stop, received(read_item(b + stop).name));
  release_body(k, stop, done_slots);
  release_transit_right(dest);
  release_transit_right(reply);
  return error;
}

mach_msg_return_t kmsg_copyout(IpcSpace& space, Kmsg& k, mach_port_name_t receive_name, mach_port_name_t notify) {
  mach_msg_header_t* h = k.header();
  char* b = k.bytes();
  const mach_msg_bits_t bits = h->msgh_bits;
  // The destination right brought the message here; the receiver names the
  // port by its receive right, so the right itself is used up.
  TransitRight dest = transit(k.dest(), MACH_MSGH_BITS_REMOTE(bits));
  const mach_msg_type_name_t dest_type = MACH_MSGH_BITS_REMOTE(bits);
  release_transit_right(dest, /*used=*/true);
  TransitRight reply = transit(k.reply(), MACH_MSGH_BITS_LOCAL(bits));
  mach_port_name_t reply_name = MACH_PORT_NULL;
  mach_msg_return_t result = MACH_MSG_SUCCESS;
  bool created = false;
  if (space.copyout_right(reply, &reply_name, &created) != KERN_SUCCESS) result = MACH_RCV_HEADER_ERROR;
  if (created && notify != MACH_PORT_NULL) {
    // MACH_RCV_NOTIFY. Should the port die first, `sync` makes the request
    // answer at once, so the receiver hears either way.
    TransitRight so, previous;
    if (space.copyin_right(notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &so) == KERN_SUCCESS &&
        space.request_notification(reply_name, MACH_NOTIFY_DEAD_NAME, 1, so, &previous) != KERN_SUCCESS)
      release_transit_right(so, /*used=*/true);  // the kernel's own right: no send-once notification
    release_transit_right(previous);
  }
  set_slot_name(b + 8, reply_name);
  mach_msg_type_name_t local_type = dest_type;
  if (k.has_payload_) {
    // The receiver asked to see its payload, not the port's name.
    kstd::memcpy(b + 16, &k.payload_, 8);
    local_type = MACH_MSG_TYPE_PROTECTED_PAYLOAD;
  } else {
    set_slot_name(b + 16, receive_name);
  }
  h->msgh_bits = (bits & MACH_MSGH_BITS_COMPLEX) | MACH_MSGH_BITS(MACH_MSGH_BITS_LOCAL(bits), local_type);
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return result;
  return copyout_body(space, k, result);
}

mach_msg_return_t kmsg_copyout_pseudo(IpcSpace& space, Kmsg& k) {
  char* b = k.bytes();
  const mach_msg_bits_t bits = k.header()->msgh_bits;
  TransitRight dest = transit(k.dest(), MACH_MSGH_BITS_REMOTE(bits));
  TransitRight reply = transit(k.reply(), MACH_MSGH_BITS_LOCAL(bits));
  mach_port_name_t dest_name, reply_name;
  mach_msg_return_t result = MACH_MSG_SUCCESS;
  if (space.copyout_right(dest, &dest_name) != KERN_SUCCESS) result = MACH_RCV_HEADER_ERROR;
  if (space.copyout_right(reply, &reply_name) != KERN_SUCCESS) result = MACH_RCV_HEADER_ERROR;
  set_slot_name(b + 8, dest_name);
  set_slot_name(b + 16, reply_name);
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return result;
  return copyout_body(space, k, result);
}

namespace {

// Guards every Port::destination_ (lock_order.h: inside a port's lock).
[[clang::no_destroy]] constinit Spinlock g_transit_lock{LockRank::kIpcTransit};

// Calls f(port) for each receive right in a kernel-form body.
template <class F>
void for_each_receive_right(Kmsg& k, F f) {
  if (!(k.header()->msgh_bits & MACH_MSGH_BITS_COMPLEX)) return;
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    if (it.inl && it.name == MACH_MSG_TYPE_PORT_RECEIVE)
      for (uint32_t i = 0; i < it.number; ++i)
        if (Port* p = slot_port(b + pos + 8 + 8 * i); p && p != kDeadPort) f(p);
    pos += 8 + round8(it.data_bytes);
  }
}

}  // namespace

bool kmsg_enqueue_would_be_circular(Kmsg& k, Port* dest) {
  if (!(k.header()->msgh_bits & MACH_MSGH_BITS_COMPLEX)) return false;
  SpinlockGuard g(g_transit_lock);
  bool circular = false;
  // Every port on the chain from dest is alive: each is queued in a message
  // on the next, and a port that dies leaves the chain first.
  for_each_receive_right(k, [&](Port* right) {
    for (Port* p = dest; p && !circular; p = p->destination_) circular = p == right;
  });
  if (!circular) for_each_receive_right(k, [&](Port* right) { right->destination_ = dest; });
  return circular;
}

void kmsg_left_queue(Kmsg& k) {
  if (!(k.header()->msgh_bits & MACH_MSGH_BITS_COMPLEX)) return;
  SpinlockGuard g(g_transit_lock);
  for_each_receive_right(k, [](Port* right) { right->destination_ = nullptr; });
}

void port_leaves_transit(Port* port) {
  SpinlockGuard g(g_transit_lock);
  port->destination_ = nullptr;
}

void kmsg_convert_from_kernel(Kmsg& k) {
  if (!(k.header()->msgh_bits & MACH_MSGH_BITS_COMPLEX)) return;
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    if (it.inl && is_port_name(it.name)) set_item_name(b + pos, received(it.name));
    pos += 8 + round8(it.data_bytes);
  }
}

void kmsg_destroy(Kmsg* k) {
  // A forced message that is never received: the msg-accepted request's
  // right dies unused (a send-once notification), and the sender may
  // force another.
  kmsg_take_accept_request(*k, /*received=*/false);
  const mach_msg_bits_t bits = k->header()->msgh_bits;
  TransitRight dest = transit(k->dest(), MACH_MSGH_BITS_REMOTE(bits));
  TransitRight reply = transit(k->reply(), MACH_MSGH_BITS_LOCAL(bits));
  release_transit_right(dest);
  release_transit_right(reply);
  if (bits & MACH_MSGH_BITS_COMPLEX) release_body(*k, k->size(), 0);
  Kmsg::free(k);
}

}  // namespace umach::ipc
