// tests/fuzz/ipc_ports_fuzz.cc: libFuzzer over sequences of mach_port_*
// calls (and the right transfers and messages between them) on two name
// spaces.
//
// Each input is a program of 4-byte steps [op, x, y, z] run against two
// spaces. Names come from a small pool per space that the calls fill
// (allocate, copyout, rename's new name), so calls meet real rights
// often; some bytes pick MACH_PORT_NULL, MACH_PORT_DEAD or a made-up name
// instead. Rights move between the spaces (copyin_right then copyout_right
// or insert_right), notifications are requested with send-once rights
// made from the spaces' own receive rights, and header-only messages are
// sent and received with every disposition, so rights, dead names,
// notifications and sets change hands in every order.
// Whatever happens, the kernel must not crash or trip a sanitizer, every
// call must leave both spaces consistent (check_invariants after each
// step), and once both spaces are gone no message, port, entry, space or
// zone object may be left.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <mach/notify.h>
#include <umach/backend.h>

#include "core/kalloc.h"
#include "ipc/msg.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using umach::RefPtr;
using umach::ipc::IpcSpace;
using umach::ipc::TransitRight;

constexpr int kPool = 16;

struct World {
  RefPtr<IpcSpace> space[2];
  mach_port_name_t pool[2][kPool] = {};

  // (fuzz_support.h's run_program)
  void step(const uint8_t* p);
  void check() const {
    space[0]->check_invariants();
    space[1]->check_invariants();
  }
  void finish() {
    space[0]->terminate();
    space[1]->terminate();
  }
};

// A name for a call in space s: mostly from its pool, else one of the
// reserved values or a made-up name (an index with any generation).
mach_port_name_t pick(const World& w, int s, uint8_t b) {
  if (b < 0xe0) return w.pool[s][b % kPool];
  switch (b & 3) {
    case 0:
      return MACH_PORT_NULL;
    case 1:
      return MACH_PORT_DEAD;
    case 2:
      return (uint32_t{b} << 8) | b;
    default:
      return w.pool[s][b % kPool] ^ 0x100;  // a neighbour's generation
  }
}

void keep(World& w, int s, uint8_t slot, mach_port_name_t name) {
  if (MACH_PORT_VALID(name)) w.pool[s][slot % kPool] = name;
}

void release(TransitRight& r) {
  if (r.port || r.dead) umach::ipc::release_transit_right(r);
}

// One step. Results are not checked against expectations here (the unit
// tests do that); what is checked is that nothing breaks.
void step(World& w, const uint8_t* p) {
  const uint8_t op = p[0], x = p[1], y = p[2], z = p[3];
  const int s = op & 1;
  IpcSpace& space = *w.space[s];
  IpcSpace& other = *w.space[s ^ 1];
  const mach_port_name_t name = pick(w, s, x);
  switch ((op >> 1) % 14) {
    case 0: {  // allocate (rights 0-5: send, send-once and 5 are refused)
      mach_port_name_t made = MACH_PORT_NULL;
      if (space.allocate(y % 6, &made) == KERN_SUCCESS) keep(w, s, z, made);
      break;
    }
    case 1: {  // allocate_name, a pool name or a made-up one
      const mach_port_name_t chosen = z & 1 ? pick(w, s, x) : (uint32_t{x} << 8) | (z & 0xfe);
      if (space.allocate_name(y % 6, chosen) == KERN_SUCCESS) keep(w, s, x, chosen);
      break;
    }
    case 2:
      (void)space.deallocate(name);
      break;
    case 3:
      (void)space.destroy(name);
      break;
    case 4:
      (void)space.mod_refs(name, y % 6, static_cast<int8_t>(z) % 4);
      break;
    case 5: {
      mach_port_type_t type = 0;
      mach_port_urefs_t refs = 0;
      (void)space.type(name, &type);
      (void)space.get_refs(name, y % 6, &refs);
      mach_port_status_t status;
      (void)space.get_receive_status(name, &status);
      break;
    }
    case 6: {  // rename to a pool name or a made-up one
      const mach_port_name_t to = z & 1 ? pick(w, s, y) : (uint32_t{y} << 8) | (z & 0xfe);
      if (space.rename(name, to) == KERN_SUCCESS) keep(w, s, x, to);
      break;
    }
    case 7:
      (void)space.move_member(name, pick(w, s, y));
      break;
    case 8: {  // a right moves: to the other space (copyout or insert_right), or back into this one
      TransitRight r;
      const auto disposition = static_cast<mach_msg_type_name_t>(MACH_MSG_TYPE_MOVE_RECEIVE + y % 7);
      if (space.copyin_right(name, disposition, &r) != KERN_SUCCESS) break;
      IpcSpace& to = z & 1 ? other : space;
      const int t = z & 1 ? s ^ 1 : s;
      if (z & 2) {
        const mach_port_name_t at = pick(w, t, z >> 2);
        if (to.insert_right(at, r) == KERN_SUCCESS) keep(w, t, z >> 2, at);
        else release(r);
      } else {
        mach_port_name_t out = MACH_PORT_NULL;
        if (to.copyout_right(r, &out) == KERN_SUCCESS) keep(w, t, z >> 2, out);
      }
      break;
    }
    case 9: {  // a notification request, its send-once right made from a receive right of either space
      static constexpr mach_msg_id_t kIds[] = {MACH_NOTIFY_DEAD_NAME, MACH_NOTIFY_NO_SENDERS,
                                               MACH_NOTIFY_PORT_DESTROYED, MACH_NOTIFY_SEND_ONCE};
      TransitRight notify, previous;
      IpcSpace& from = z & 1 ? other : space;
      if (!(z & 2) &&
          from.copyin_right(pick(w, z & 1 ? s ^ 1 : s, z >> 2), MACH_MSG_TYPE_MAKE_SEND_ONCE, &notify) != KERN_SUCCESS)
        break;
      if (space.request_notification(name, kIds[y % 4], y >> 4, notify, &previous) != KERN_SUCCESS) release(notify);
      release(previous);
      break;
    }
    case 10:
      switch (y % 6) {
        case 0:
          (void)space.set_qlimit(name, z % 8);
          break;
        case 1:
          (void)space.set_mscount(name, z);
          break;
        case 2:
          (void)space.set_seqno(name, z);
          break;
        case 3:
          (void)space.set_protected_payload(name, z);
          break;
        case 4:
          (void)space.clear_protected_payload(name);
          break;
        default:
          (void)space.check_user_port(name, z % 6);
          break;
      }
      break;
    case 11: {  // a header-only message, any dispositions, never waiting
      mach_msg_header_t m{};
      m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MOVE_RECEIVE + y % 8, MACH_MSG_TYPE_MOVE_RECEIVE + (y >> 3) % 8);
      if (y & 0x80) m.msgh_bits |= MACH_MSGH_BITS_COMPLEX;  // with no body: a short message
      m.msgh_size = sizeof m;
      m.msgh_remote_port = name;
      m.msgh_local_port = pick(w, s, z);
      m.msgh_id = z;
      (void)umach::ipc::mach_msg_send(space, &m, sizeof m, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0);
      break;
    }
    case 12: {  // a receive, into a buffer big or too small, keeping the rights it brings
      uint64_t buf[16] = {};
      auto* m = reinterpret_cast<mach_msg_header_t*>(buf);
      const mach_msg_size_t size = y & 1 ? sizeof buf : sizeof(mach_msg_header_t) - 8;
      const mach_msg_option_t large = y & 2 ? MACH_RCV_LARGE : 0;
      if (umach::ipc::mach_msg_receive(space, m, size, name, MACH_RCV_MSG | MACH_RCV_TIMEOUT | large, 0) ==
          MACH_MSG_SUCCESS) {
        keep(w, s, z, m->msgh_remote_port);
        keep(w, s, z + 1, m->msgh_local_port);
      }
      break;
    }
    default: {  // the calls that answer arrays
      mach_port_name_t* names = nullptr;
      mach_port_type_t* types = nullptr;
      size_t count = 0;
      if (space.names(&names, &types, &count) == KERN_SUCCESS && count) {
        keep(w, s, y, names[z % count]);
        umach::kfree(names, count * sizeof *names);
        umach::kfree(types, count * sizeof *types);
      }
      mach_port_name_t* members = nullptr;
      if (space.set_members(name, &members, &count) == KERN_SUCCESS && members)
        umach::kfree(members, count * sizeof *members);
      break;
    }
  }
}

void World::step(const uint8_t* p) { ::step(*this, p); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  umach::fuzz::boot();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return umach::fuzz::run_program<4>(data, size, 512, /*pages=*/false, [] {
    World w;
    for (auto& s : w.space) s = IpcSpace::create().value();
    return w;
  });
}
