// tests/fuzz/ipc_copyin_fuzz.cc: libFuzzer over mach_msg's copy-in (and the
// queue, receive and copy-out behind it).
//
// Each input is a message a sender sends from a space that holds one of
// every kind of right; its first byte chooses which known names replace
// the header's slots, and body slots whose low byte is below 0x20 are
// replaced by a known name too, so dispositions meet real rights often;
// the message id's low byte adds dead-name requests, a full queue and the
// notify options. Both spaces have address spaces: body slots whose low
// byte is 0x20-0x2f become addresses inside a sender's region that holds
// known names, so out-of-line data and port arrays are copied in (and
// out to the receiver) as often as they fail.
// Whatever happens, the kernel must not crash or trip a sanitizer, and
// after both spaces are gone no message, port, entry, space, VM object or
// page may be left.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <mach/notify.h>
#include <umach/backend.h>

#include "core/page_alloc.h"
#include "core/selftest.h"
#include "core/zone.h"
#include "core/task/host.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/page.h"
#include "vm/vm_user.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using umach::RefPtr;
using umach::ipc::IpcSpace;

constexpr uint64_t kRegionSize = 4 * umach::vm::kPageSize;

struct World {
  RefPtr<IpcSpace> sender, receiver;
  RefPtr<umach::vm::VmMap> sender_map, receiver_map;
  mach_port_name_t names[8] = {};  // in the sender's space
  mach_port_name_t target = 0;     // the receiver's port
  uint64_t region = 0;             // the sender's, kRegionSize bytes of known names
};

void give(IpcSpace& from, mach_port_name_t name, mach_msg_type_name_t disposition, IpcSpace& to, mach_port_name_t* out) {
  umach::ipc::TransitRight r;
  if (from.copyin_right(name, disposition, &r) != KERN_SUCCESS) std::abort();
  if (to.copyout_right(r, out) != KERN_SUCCESS) std::abort();
}

World make_world() {
  World w;
  w.sender = IpcSpace::create().value();
  w.receiver = IpcSpace::create().value();
  w.sender_map = RefPtr<umach::vm::VmMap>::adopt(umach::vm::VmMap::create(nullptr));
  w.receiver_map = RefPtr<umach::vm::VmMap>::adopt(umach::vm::VmMap::create(nullptr));
  if (!w.sender_map || !w.receiver_map) std::abort();
  w.sender->set_map(w.sender_map.get());
  w.receiver->set_map(w.receiver_map.get());
  if (w.receiver->allocate(MACH_PORT_RIGHT_RECEIVE, &w.target) != KERN_SUCCESS) std::abort();
  give(*w.receiver, w.target, MACH_MSG_TYPE_MAKE_SEND, *w.sender, &w.names[0]);   // send
  give(*w.receiver, w.target, MACH_MSG_TYPE_MAKE_SEND_ONCE, *w.sender, &w.names[1]);  // send-once
  if (w.sender->allocate(MACH_PORT_RIGHT_RECEIVE, &w.names[2]) != KERN_SUCCESS) std::abort();  // receive
  if (w.sender->allocate(MACH_PORT_RIGHT_PORT_SET, &w.names[3]) != KERN_SUCCESS) std::abort();
  if (w.sender->allocate(MACH_PORT_RIGHT_DEAD_NAME, &w.names[4]) != KERN_SUCCESS) std::abort();
  give(*w.sender, w.names[2], MACH_MSG_TYPE_MAKE_SEND, *w.sender, &w.names[5]);  // send+receive entry
  w.names[6] = MACH_PORT_NULL;
  w.names[7] = MACH_PORT_DEAD;
  if (umach::vm::allocate(*w.sender_map, &w.region, kRegionSize, true) != KERN_SUCCESS) std::abort();
  std::vector<mach_port_name_t> known(kRegionSize / 4);
  for (size_t i = 0; i < known.size(); ++i) known[i] = w.names[i % 8];
  if (umach::vm::map_write(*w.sender_map, w.region, known.data(), kRegionSize) != KERN_SUCCESS) std::abort();
  return w;
}

void patch_slot(uint8_t* slot, const World& w) {
  if (slot[0] < 0x20) {
    const uint64_t name = w.names[slot[0] % 8];
    std::memcpy(slot, &name, 8);
  } else if (slot[0] < 0x30) {
    const uint64_t addr = w.region + (uint64_t{slot[1]} << 6) % kRegionSize;
    std::memcpy(slot, &addr, 8);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  umach::fuzz::boot();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 + sizeof(mach_msg_header_t) || size > 1 + 8192) return 0;
  const umach::fuzz::LeakAudit audit;  // (zones' spare slabs and the VM's free pages drained, so pages compare)
  {
    World w = make_world();
    const uint8_t mode = data[0];
    std::vector<uint64_t> buf((size - 1 + 7) / 8 + 1);
    auto* bytes = reinterpret_cast<uint8_t*>(buf.data());
    std::memcpy(bytes, data + 1, size - 1);
    const auto msg_size = static_cast<mach_msg_size_t>(size - 1) & ~3u;
    if (mode & 1) {  // destination: one of the known names
      const uint64_t dest = w.names[(mode >> 1) % 8];
      std::memcpy(bytes + 8, &dest, 8);
    }
    if (mode & 0x10) {  // reply: one of the known names
      const uint64_t reply = w.names[(mode >> 5) % 8];
      std::memcpy(bytes + 16, &reply, 8);
    }
    for (size_t at = sizeof(mach_msg_header_t) + 8; at + 8 <= msg_size; at += 8) patch_slot(bytes + at, w);
    auto* head = reinterpret_cast<mach_msg_header_t*>(bytes);
    // The message id's low byte sets the scene further: dead-name requests
    // on the send and send-once rights (notified on the sender's receive
    // right), a full destination queue, MACH_SEND_NOTIFY/CANCEL with a
    // known name as notify port.
    const uint8_t scene = bytes[offsetof(mach_msg_header_t, msgh_id)];
    for (int i = 0; i < 2; ++i) {
      if (!(scene & (1 << i))) continue;
      umach::ipc::TransitRight notify, previous;
      if (w.sender->copyin_right(w.names[2], MACH_MSG_TYPE_MAKE_SEND_ONCE, &notify) != KERN_SUCCESS) std::abort();
      if (w.sender->request_notification(w.names[i], MACH_NOTIFY_DEAD_NAME, 0, notify, &previous) != KERN_SUCCESS)
        std::abort();
    }
    if (scene & 4) {
      mach_msg_header_t fill{};
      fill.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
      fill.msgh_size = sizeof fill;
      fill.msgh_remote_port = w.target;
      if (w.receiver->set_qlimit(w.target, 1) != KERN_SUCCESS ||
          umach::ipc::mach_msg_send(*w.receiver, &fill, sizeof fill, MACH_SEND_MSG, 0) != MACH_MSG_SUCCESS)
        std::abort();
    }
    mach_msg_option_t option = MACH_SEND_MSG | MACH_SEND_TIMEOUT;
    if (scene & 8) option |= MACH_SEND_NOTIFY;
    if (scene & 16) option |= MACH_SEND_CANCEL;
    const mach_port_name_t notify = w.names[(scene >> 5) % 8];
    const mach_msg_return_t sent = umach::ipc::mach_msg_send(*w.sender, head, msg_size, option, 0, notify);
    if (getenv("UMACH_FUZZ_VERBOSE")) fprintf(stderr, "send: %#x\n", sent);
    // Receive whatever arrived (the sender's own receive right may have been
    // the destination too), then end both spaces.
    std::vector<uint64_t> in(8192 / 8 + 8);
    auto* rcv = reinterpret_cast<mach_msg_header_t*>(in.data());
    for (mach_port_name_t name : {w.target, w.names[2]}) {
      IpcSpace& space = name == w.target ? *w.receiver : *w.sender;
      while (umach::ipc::mach_msg_receive(space, rcv, 8192 + 64, name, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) ==
             MACH_MSG_SUCCESS) {
      }
    }
    w.sender->check_invariants();
    w.receiver->check_invariants();
    w.sender->terminate();
    w.receiver->terminate();
  }
  audit.check(/*pages=*/true);
  return 0;
}
