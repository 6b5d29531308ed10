// ipc/kmsg.cc: message buffers and their copyin, copyout and destruction
// (ipc/kmsg.h).
#include "ipc/kmsg_copy.h"

#include <mach/notify.h>

#include "core/kstd/atomic.h"
#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/kalloc.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/zone.h"
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

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
  bool inl, longform, dealloc;
  uint32_t number;
  uint64_t data_bytes;  // before padding
};

Item read_item(const char* p) {
  uint32_t word, number;
  kstd::memcpy(&word, p, 4);
  kstd::memcpy(&number, p + 4, 4);
  return Item{word & 0xff,         (word >> 8) & 0xffff,
              ((word >> 29) & 1) != 0, ((word >> 30) & 1) != 0,
              ((word >> 31) & 1) != 0, number,
              (static_cast<uint64_t>(number) * ((word >> 8) & 0xffff) + 7) / 8};
}

void set_item_name(char* p, unsigned name) { p[0] = static_cast<char>(name); }
void set_item_size(char* p, unsigned bits) {
  p[1] = static_cast<char>(bits & 0xff);
  p[2] = static_cast<char>(bits >> 8);
}
void set_item_dealloc(char* p) { p[3] = static_cast<char>(p[3] | 0x80); }

uint64_t round8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

// The bytes an item takes in the message: its descriptor, then its data
// in line, or the address of its out-of-line data.
uint64_t item_length(const Item& it) { return it.inl ? 8 + round8(it.data_bytes) : 16; }

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

uint64_t slot_u64(const char* p) {
  uint64_t v;
  kstd::memcpy(&v, p, 8);
  return v;
}

void set_slot_u64(char* p, uint64_t v) { kstd::memcpy(p, &v, 8); }

// An out-of-line item in kernel form: data holds a vm::VmMapCopy*, a port
// array a kalloc'ed array of its rights' Port* (msgt_size 64), each null
// when the item is empty.
void* slot_pointer(const char* p) { return reinterpret_cast<void*>(static_cast<uintptr_t>(slot_u64(p))); }
void set_slot_pointer(char* p, const void* v) { set_slot_u64(p, reinterpret_cast<uintptr_t>(v)); }

TransitRight transit(Port* port, mach_msg_type_name_t type) {
  if (port == kDeadPort) return TransitRight{nullptr, 0, true};
  return TransitRight{port, port ? type : 0, false};
}

// Releases n rights of kind `type` stored as Port* at `slots` (8 bytes each).
void release_slots(const char* slots, uint64_t n, mach_msg_type_name_t type) {
  for (uint64_t i = 0; i < n; ++i) {
    TransitRight r = transit(slot_port(slots + 8 * i), type);
    release_transit_right(r);
  }
}

// Takes the item at `p` out of the sender's space and map: port names
// become references, out-of-line regions copies (moved with
// msgt_deallocate), port arrays kernel arrays of references. On failure
// the item holds nothing: what it had taken is released.
// The most rights one out-of-line port array may carry: its kernel array
// (8 MiB of references) is allocated before the names are read, so a
// sender cannot make the kernel reserve more on a count alone.
constexpr uint64_t kMaxPortArray = uint64_t{1} << 20;

mach_msg_return_t copyin_port_array(IpcSpace& space, char* p, const Item& it) {
  if (it.bits != 32) return MACH_SEND_INVALID_TYPE;  // names are 4 bytes (ABI.md)
  const uint64_t addr = slot_u64(p + 8), n = it.number, bytes = n * 4;
  if (n > kMaxPortArray) return MACH_SEND_NO_BUFFER;
  char* ports = nullptr;
  if (n) {
    vm::VmMap* map = space.map();
    if (!map) return MACH_SEND_INVALID_MEMORY;
    ports = static_cast<char*>(kalloc(n * 8));
    if (!ports) return MACH_SEND_NO_BUFFER;
    // The names land in the array's first half; each becomes its right's
    // reference in place, from the last (name i is at 4i, its slot at 8i).
    if (vm::map_read(*map, addr, ports, bytes) != KERN_SUCCESS) {
      kfree(ports, n * 8);
      return MACH_SEND_INVALID_MEMORY;
    }
    for (uint64_t i = n; i-- > 0;) {
      TransitRight r;
      if (space.copyin_right(slot_name(ports + 4 * i), it.name, &r) != KERN_SUCCESS) {
        release_slots(ports + 8 * (i + 1), n - i - 1, received(it.name));
        kfree(ports, n * 8);
        return MACH_SEND_INVALID_RIGHT;
      }
      set_slot_port(ports + 8 * i, r.dead ? kDeadPort : r.port);
    }
    if (it.dealloc) (void)vm::deallocate(*map, vm::page_trunc(addr), vm::page_round(addr + bytes) - vm::page_trunc(addr));
  }
  set_slot_pointer(p + 8, ports);
  set_item_name(p, received(it.name));
  set_item_size(p, 64);
  return MACH_MSG_SUCCESS;
}

mach_msg_return_t copyin_item(IpcSpace& space, char* p, const Item& it) {
  if (!it.inl) {
    if (is_port_name(it.name)) return copyin_port_array(space, p, it);
    vm::VmMapCopy* copy = nullptr;
    if (it.data_bytes) {  // a null region's address is ignored
      vm::VmMap* map = space.map();
      if (!map) return MACH_SEND_INVALID_MEMORY;
      auto c = vm::copyin(*map, slot_u64(p + 8), it.data_bytes, it.dealloc);
      if (!c.ok()) return MACH_SEND_INVALID_MEMORY;
      copy = c.value();
    }
    set_slot_pointer(p + 8, copy);
    return MACH_MSG_SUCCESS;
  }
  if (!is_port_name(it.name)) return MACH_MSG_SUCCESS;
  if (it.bits != 64) return MACH_SEND_INVALID_TYPE;
  for (uint32_t i = 0; i < it.number; ++i) {
    char* slot = p + 8 + 8 * i;
    TransitRight r;
    if (space.copyin_right(slot_name(slot), it.name, &r) != KERN_SUCCESS) {
      release_slots(p + 8, i, received(it.name));
      return MACH_SEND_INVALID_RIGHT;
    }
    set_slot_port(slot, r.dead ? kDeadPort : r.port);
  }
  set_item_name(p, received(it.name));
  return MACH_MSG_SUCCESS;
}

// Releases what a kernel-form item holds: its rights, its region.
void release_item(char* p, const Item& it) {
  if (it.inl) {
    if (is_received_port(it.name)) release_slots(p + 8, it.number, it.name);
    return;
  }
  void* data = slot_pointer(p + 8);
  if (is_received_port(it.name)) {
    if (!data) return;
    release_slots(static_cast<char*>(data), it.number, it.name);
    kfree(data, uint64_t{it.number} * 8);
  } else {
    vm::discard(static_cast<vm::VmMapCopy*>(data));
  }
}

// Releases the rights and regions of a kernel-form body's items before
// offset `stop` (the whole body when stop is its end).
void release_body(Kmsg& k, uint64_t stop) {
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos < stop && pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    release_item(b + pos, it);
    pos += item_length(it);
  }
}

// A receive that could not take something: MACH_RCV_BODY_ERROR (unless
// the header already failed) with the shortage's bits.
mach_msg_return_t body_error(mach_msg_return_t result, mach_msg_return_t bits) {
  return (result == MACH_MSG_SUCCESS ? MACH_RCV_BODY_ERROR : result) | bits;
}

mach_msg_return_t ipc_shortage_bits(kern_return_t kr) {
  return kr == KERN_RESOURCE_SHORTAGE ? MACH_MSG_IPC_KERNEL : MACH_MSG_IPC_SPACE;
}

mach_msg_return_t vm_shortage_bits(kern_return_t kr) {
  return kr == KERN_NO_SPACE ? MACH_MSG_VM_SPACE : MACH_MSG_VM_KERNEL;
}

// Zero-filled memory for n bytes in `map`, its pages already there (so a
// write into it cannot fail for want of memory).
kern_return_t place_zeroed(vm::VmMap* map, uint64_t n, uint64_t* addr) {
  if (!map) return KERN_NO_SPACE;
  auto copy = vm::copy_from_buffer(nullptr, n);
  if (!copy.ok()) return copy.error();
  auto placed = vm::copyout(*map, copy.value());
  if (!placed.ok()) {
    vm::discard(copy.value());
    return placed.error();
  }
  *addr = placed.value();
  return KERN_SUCCESS;
}

// Puts the kernel-form item at `p` into `space` and its map: rights get
// names, regions addresses. What cannot be received is destroyed (a
// right's name reads MACH_PORT_NULL, a region's address 0 and its
// msgt_size 0) and `result` says so.
void copyout_item(IpcSpace& space, char* p, const Item& it, mach_msg_return_t& result) {
  if (it.inl) {
    if (!is_received_port(it.name)) return;
    for (uint32_t i = 0; i < it.number; ++i) {
      char* slot = p + 8 + 8 * i;
      TransitRight r = transit(slot_port(slot), it.name);
      mach_port_name_t name;
      if (kern_return_t kr = space.copyout_right(r, &name); kr != KERN_SUCCESS)
        result = body_error(result, ipc_shortage_bits(kr));
      set_slot_name(slot, name);
    }
    return;
  }
  // In a received message, out-of-line memory says msgt_deallocate (the
  // manual): it is the receiver's to deallocate.
  set_item_dealloc(p);
  vm::VmMap* map = space.map();
  void* data = slot_pointer(p + 8);
  uint64_t addr = 0;
  if (!is_received_port(it.name)) {
    if (auto* copy = static_cast<vm::VmMapCopy*>(data)) {
      auto placed = map ? vm::copyout(*map, copy) : Result<uint64_t>(Error{KERN_NO_SPACE});
      if (placed.ok()) {
        addr = placed.value();
      } else {
        vm::discard(copy);
        set_item_size(p, 0);
        result = body_error(result, vm_shortage_bits(placed.error()));
      }
    }
    set_slot_u64(p + 8, addr);
    return;
  }
  char* ports = static_cast<char*>(data);
  const uint64_t n = it.number;
  set_item_size(p, 32);
  if (ports) {
    // The memory first: rights are never named in memory the receiver
    // does not get (the manual).
    kern_return_t kr = place_zeroed(map, n * 4, &addr);
    if (kr != KERN_SUCCESS) {
      release_slots(ports, n, it.name);
      set_item_size(p, 0);
      result = body_error(result, vm_shortage_bits(kr));
    } else {
      // Names in place, from the first (slot i at 8i, its name to 4i).
      for (uint64_t i = 0; i < n; ++i) {
        TransitRight r = transit(slot_port(ports + 8 * i), it.name);
        mach_port_name_t name;
        if (kern_return_t nr = space.copyout_right(r, &name); nr != KERN_SUCCESS)
          result = body_error(result, ipc_shortage_bits(nr));
        kstd::memcpy(ports + 4 * i, &name, 4);
      }
      // The pages are there: this fails only if another of the receiver's
      // threads unmapped or protected the region meanwhile; it is told.
      if (vm::map_write(*map, addr, ports, n * 4) != KERN_SUCCESS) result = body_error(result, MACH_MSG_VM_SPACE);
    }
    kfree(ports, n * 8);
  }
  set_slot_u64(p + 8, addr);
}

// Names every port right and places every region of a kernel-form body
// in `space` and its map.
mach_msg_return_t copyout_body(IpcSpace& space, Kmsg& k, mach_msg_return_t result) {
  char* b = k.bytes();
  for (uint64_t pos = sizeof(mach_msg_header_t); pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    copyout_item(space, b + pos, it, result);
    pos += item_length(it);
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

KmsgReserve::KmsgReserve(Kmsg* kmsg) : self_(sched::current_thread()), previous_(nullptr) {
  if (self_) previous_ = kstd::exchange(self_->kmsg_reserve, kmsg);
  else if (kmsg) Kmsg::free(kmsg);
}

KmsgReserve::~KmsgReserve() {
  if (!self_) return;
  if (void* unused = kstd::exchange(self_->kmsg_reserve, previous_)) Kmsg::free(static_cast<Kmsg*>(unused));
}

Kmsg* take_reserved_kmsg(mach_msg_size_t size) {
  sched::Thread* self = sched::current_thread();
  auto* k = self ? static_cast<Kmsg*>(self->kmsg_reserve) : nullptr;
  if (!k || size > k->capacity()) return nullptr;
  self->kmsg_reserve = nullptr;
  return Kmsg::reuse(k);
}

size_t live_kmsgs() {
  return g_kmsg_256.live() + g_kmsg_1k.live() + g_kmsg_4k.live() + g_page_kmsgs.load(kstd::MemoryOrder::relaxed);
}

Port* Kmsg::dest() const { return slot_port(bytes_ + 8); }
Port* Kmsg::reply() const { return slot_port(bytes_ + 16); }
void Kmsg::forget_dest() { set_slot_port(bytes_ + 8, nullptr); }

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

  // The body, item by item; the first error releases what was taken and
  // the message is destroyed.
  char* b = k.bytes();
  mach_msg_return_t error = MACH_MSG_SUCCESS;
  uint64_t pos = sizeof(mach_msg_header_t);
  while (pos < size) {
    if (size - pos < 8) {
      error = MACH_SEND_MSG_TOO_SMALL;
      break;
    }
    // A long-form descriptor has the short form's layout (ABI.md): the
    // bit changes nothing.
    const Item it = read_item(b + pos);
    if (it.name > MACH_MSG_TYPE_MAKE_SEND_ONCE) {
      error = MACH_SEND_INVALID_TYPE;
      break;
    }
    if (size - pos < item_length(it)) {
      error = MACH_SEND_MSG_TOO_SMALL;
      break;
    }
    error = copyin_item(space, b + pos, it);
    if (error != MACH_MSG_SUCCESS) break;
    pos += item_length(it);
  }
  if (error == MACH_MSG_SUCCESS) return MACH_MSG_SUCCESS;
  // The message is destroyed: the items before this one, and the header's
  // rights (the failing item released its own).
  release_body(k, pos);
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
  if (kern_return_t kr = space.copyout_right(reply, &reply_name, &created); kr != KERN_SUCCESS)
    result = MACH_RCV_HEADER_ERROR | ipc_shortage_bits(kr);
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
  if (result != MACH_MSG_SUCCESS) {
    // The reply right could not be received: the body is destroyed and the
    // receiver gets the header alone (the manual), so it is never given
    // rights or memory with a message it is told was lost.
    release_body(k, k.size());
    h->msgh_bits &= ~MACH_MSGH_BITS_COMPLEX;
    h->msgh_size = sizeof(mach_msg_header_t);
    return result;
  }
  return copyout_body(space, k, result);
}

mach_msg_return_t kmsg_copyout_pseudo(IpcSpace& space, Kmsg& k) {
  char* b = k.bytes();
  const mach_msg_bits_t bits = k.header()->msgh_bits;
  TransitRight dest = transit(k.dest(), MACH_MSGH_BITS_REMOTE(bits));
  TransitRight reply = transit(k.reply(), MACH_MSGH_BITS_LOCAL(bits));
  mach_port_name_t dest_name, reply_name;
  mach_msg_return_t result = MACH_MSG_SUCCESS;
  if (kern_return_t kr = space.copyout_right(dest, &dest_name); kr != KERN_SUCCESS)
    result = MACH_RCV_HEADER_ERROR | ipc_shortage_bits(kr);
  if (kern_return_t kr = space.copyout_right(reply, &reply_name); kr != KERN_SUCCESS)
    result = MACH_RCV_HEADER_ERROR | ipc_shortage_bits(kr);
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
    if (it.name == MACH_MSG_TYPE_PORT_RECEIVE) {
      const char* slots = it.inl ? b + pos + 8 : static_cast<const char*>(slot_pointer(b + pos + 8));
      for (uint64_t i = 0; slots && i < it.number; ++i)
        if (Port* p = slot_port(slots + 8 * i); p && p != kDeadPort) f(p);
    }
    pos += item_length(it);
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
    if (is_port_name(it.name)) set_item_name(b + pos, received(it.name));
    pos += item_length(it);
  }
}

namespace {

// The right disposition `d` names on `port` (a reference the kernel
// client holds), counted in the port: MOVE_* moves the caller's right
// into the message; COPY_SEND, MAKE_SEND and MAKE_SEND_ONCE make a new
// one (a dead port gives a dead right).
Port* kernel_right(Port* port, mach_msg_type_name_t d) {
  if (!port || port == kDeadPort) return port;
  if (d == MACH_MSG_TYPE_MOVE_SEND || d == MACH_MSG_TYPE_MOVE_SEND_ONCE || d == MACH_MSG_TYPE_MOVE_RECEIVE)
    return port;
  SpinlockGuard g(port->lock);
  if (!port->active_) return kDeadPort;
  if (d == MACH_MSG_TYPE_MAKE_SEND_ONCE) {
    ++port->sorights_;
  } else {
    if (d == MACH_MSG_TYPE_MAKE_SEND) ++port->mscount_;
    ++port->srights_;
  }
  port->ref();
  return port;
}

}  // namespace

void kmsg_copyin_from_kernel(Kmsg& k) {
  char* b = k.bytes();
  mach_msg_bits_t bits = k.header()->msgh_bits;
  const mach_msg_type_name_t remote = MACH_MSGH_BITS_REMOTE(bits), local = MACH_MSGH_BITS_LOCAL(bits);
  set_slot_port(b + 8, kernel_right(slot_port(b + 8), remote));
  set_slot_port(b + 16, kernel_right(slot_port(b + 16), local));
  k.header()->msgh_bits = (bits & MACH_MSGH_BITS_COMPLEX) |
                          MACH_MSGH_BITS(slot_port(b + 8) ? received(remote) : 0,
                                         slot_port(b + 16) ? received(local) : 0);
  if (!(bits & MACH_MSGH_BITS_COMPLEX)) return;
  for (uint64_t pos = sizeof(mach_msg_header_t); pos + 8 <= k.size();) {
    const Item it = read_item(b + pos);
    if (is_port_name(it.name)) {
      // The kernel's clients send port rights in line only.
      kassert(it.inl && it.bits == 64);
      for (uint64_t i = 0; i < it.number; ++i) {
        char* slot = b + pos + 8 + 8 * i;
        set_slot_port(slot, kernel_right(slot_port(slot), it.name));
      }
      set_item_name(b + pos, received(it.name));
    }
    pos += item_length(it);
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
  if (bits & MACH_MSGH_BITS_COMPLEX) release_body(*k, k->size());
  Kmsg::free(k);
}

}  // namespace umach::ipc
