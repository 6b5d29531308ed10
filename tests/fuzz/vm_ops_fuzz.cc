// tests/fuzz/vm_ops_fuzz.cc: libFuzzer over sequences of VM calls on two
// maps, checked against a model of what every word must hold.
//
// Each input is a program of 5-byte steps [op, a, b, c, d]: vm_allocate,
// vm_deallocate, vm_protect, vm_inherit, writes, vm_copy, vm_read (copied
// out into either map), vm_write, fork (the child replaces the other
// map), vm_wire, faults, vm_msync, anonymous vm_map and out-of-line
// memory sent from one map's space to the other's, on a window of 32
// pages at the bottom of each map. Data is written to four words of a page,
// so the copy-on-write machinery (shadow chains, copy objects, collapse)
// is exercised by every copy and fork.
//
// The model: each mapped word that may hold something other than zero
// names a cell; a copy (vm_copy, vm_read, vm_write, a message's
// out-of-line memory, a fork's COPY
// inheritance) gives the destination new cells with the source's values,
// a fork's SHARE inheritance gives the child the parent's cells (a write
// through either map is seen through both), a write sets the cell. A word
// with no cell reads as zero. Every read that succeeds must match the
// model (a read may fail: protections), and the maps' invariants must hold
// after every step; once both maps are gone no page, object or zone object
// may be left.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include <mach/vm_inherit.h>
#include <mach/vm_prot.h>
#include <mach/vm_sync.h>
#include <umach/backend.h>

#include "core/spinlock.h"
#include "ipc/msg.h"
#include "ipc/space.h"
#include "tests/fuzz/fuzz_support.h"
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/map.h"
#include "vm/page.h"
#include "vm/vm_user.h"

namespace {

using umach::RefPtr;
using umach::vm::VmMap;

constexpr uint64_t P = umach::vm::kPageSize;
constexpr uint64_t kWindowPages = 32;
constexpr uint64_t kWordsPerPage = 4;  // the words the fuzzer touches in a page

struct Model {
  std::vector<uint64_t> cells;                 // values
  std::map<uint64_t, size_t> words[2];         // per map: address -> cell
  size_t new_cell(uint64_t v) {
    cells.push_back(v);
    return cells.size() - 1;
  }
  uint64_t value(int m, uint64_t addr) const {
    auto it = words[m].find(addr);
    return it == words[m].end() ? 0 : cells[it->second];
  }
  void forget(int m, uint64_t start, uint64_t end) {
    words[m].erase(words[m].lower_bound(start), words[m].lower_bound(end));
  }
  using Snapshot = std::vector<std::pair<uint64_t, uint64_t>>;  // offset, value
  Snapshot snapshot(int m, uint64_t src, uint64_t size) const {
    Snapshot values;
    for (auto it = words[m].lower_bound(src); it != words[m].end() && it->first < src + size; ++it)
      values.emplace_back(it->first - src, cells[it->second]);
    return values;
  }
  // [dst, dst + size) of map m now holds `values`. Each destination word
  // is written in place (a shared cell stays shared, as GNU Mach's
  // overwrite copies into a shared entry's object).
  void paste(int m, uint64_t dst, uint64_t size, const Snapshot& values) {
    for (uint64_t at = dst; at < dst + size; at += P)
      for (uint64_t w = 0; w < kWordsPerPage; ++w) {
        auto it = words[m].find(at + 8 * w);
        if (it != words[m].end()) cells[it->second] = 0;
      }
    for (auto [off, v] : values) set(m, dst + off, v);
  }
  // [dst, dst + size) of map dm now holds copies of [src, ...) of sm (the
  // ranges may overlap: a snapshot first).
  void copy(int sm, uint64_t src, int dm, uint64_t dst, uint64_t size) { paste(dm, dst, size, snapshot(sm, src, size)); }
  void set(int m, uint64_t addr, uint64_t v) {
    auto it = words[m].find(addr);
    if (it != words[m].end()) cells[it->second] = v;
    else if (v != 0) words[m][addr] = new_cell(v);
  }
};

// Each map has a space; each space the receive right to a port and a
// send right to the other's, for out-of-line memory between the maps.
struct World {
  RefPtr<VmMap> maps[2];
  RefPtr<umach::ipc::IpcSpace> spaces[2];
  mach_port_name_t port[2] = {};  // receive right, in spaces[i]
  mach_port_name_t peer[2] = {};  // send right to the other's port, in spaces[i]
  Model model;
  uint64_t counter = 0;

  // (fuzz_support.h's run_program)
  void step(const uint8_t* p);
  void check() const {
    umach::SpinlockGuard hold(umach::vm::g_vm_lock);
    maps[0]->check_invariants();
    maps[1]->check_invariants();
  }
  void finish();
};

// A send right in space `to` to the port of space `from`.
mach_port_name_t send_right(World& w, int from, int to) {
  umach::ipc::TransitRight r;
  mach_port_name_t name = MACH_PORT_NULL;
  if (w.spaces[from]->copyin_right(w.port[from], MACH_MSG_TYPE_MAKE_SEND, &r) != KERN_SUCCESS ||
      w.spaces[to]->copyout_right(r, &name) != KERN_SUCCESS)
    std::abort();
  return name;
}

// Map i (new, or a fork's child) gets a space of its own (the old one, if
// any, goes), with its port and the send rights both ways.
void attach_space(World& w, int i) {
  if (w.spaces[i]) w.spaces[i]->terminate();
  w.spaces[i] = umach::ipc::IpcSpace::create().value();
  w.spaces[i]->set_map(w.maps[i].get());
  if (w.spaces[i]->allocate(MACH_PORT_RIGHT_RECEIVE, &w.port[i]) != KERN_SUCCESS) std::abort();
  if (w.spaces[i ^ 1]) {
    if (w.peer[i ^ 1] != MACH_PORT_NULL) (void)w.spaces[i ^ 1]->deallocate(w.peer[i ^ 1]);  // (a dead name now)
    w.peer[i ^ 1] = send_right(w, i, i ^ 1);
    w.peer[i] = send_right(w, i ^ 1, i);
  }
}

World make_world() {
  World w;
  for (int i = 0; i < 2; ++i) {
    w.maps[i] = RefPtr<VmMap>::adopt(VmMap::create(nullptr));
    if (!w.maps[i]) std::abort();
    attach_space(w, i);
  }
  return w;
}

// Out-of-line memory from map m to the other, received at once: the
// receiver's new region holds what the range held (and with `dealloc`
// the sender's range is gone).
void send_ool(World& w, int m, uint64_t at, uint64_t size, bool dealloc) {
  struct {
    mach_msg_header_t head;
    uint32_t type[2];
    uint64_t addr;
  } msg{};
  static_assert(sizeof msg == sizeof(mach_msg_header_t) + 16);
  msg.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
  msg.head.msgh_remote_port = w.peer[m];
  msg.head.msgh_id = 1;
  msg.type[0] = MACH_MSG_TYPE_BYTE | (8u << 8) | (uint32_t{dealloc} << 31);  // out of line
  msg.type[1] = static_cast<uint32_t>(size);
  msg.addr = at;
  const Model::Snapshot values = w.model.snapshot(m, at, size);
  if (umach::ipc::mach_msg_send(*w.spaces[m], &msg.head, sizeof msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0) !=
      MACH_MSG_SUCCESS)
    return;
  if (dealloc) w.model.forget(m, at, at + size);
  uint64_t buf[16] = {};
  auto* rcv = reinterpret_cast<mach_msg_header_t*>(buf);
  const int to = m ^ 1;
  if (umach::ipc::mach_msg_receive(*w.spaces[to], rcv, sizeof buf, w.port[to], MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) !=
      MACH_MSG_SUCCESS)
    return;
  uint64_t addr;
  memcpy(&addr, reinterpret_cast<uint8_t*>(buf) + sizeof(mach_msg_header_t) + 8, sizeof addr);
  if (getenv("UMACH_FUZZ_VERBOSE"))
    fprintf(stderr, "  received into map %d at %#llx\n", to, static_cast<unsigned long long>(addr));
  if (addr == 0) return;  // no room in the receiver's map
  w.model.forget(to, addr, addr + size);
  w.model.paste(to, addr, size, values);
}

uint64_t base(const World& w, int m) { return w.maps[m]->min(); }
uint64_t page_addr(const World& w, int m, uint8_t page) { return base(w, m) + (page % kWindowPages) * P; }
uint64_t pages(uint8_t n) { return (1 + n % 8) * P; }

void fail(const char* what, int m, uint64_t addr, uint64_t got, uint64_t want) {
  fprintf(stderr, "vm_ops_fuzz: %s of map %d at %#llx: read %#llx, the model says %#llx\n", what, m,
          static_cast<unsigned long long>(addr), static_cast<unsigned long long>(got),
          static_cast<unsigned long long>(want));
  std::abort();
}

// Every word the model knows, and the window's grid, read back where readable.
void check_contents(World& w, int m) {
  VmMap& map = *w.maps[m];
  for (auto [addr, cell] : w.model.words[m]) {
    uint64_t v = 0;
    if (umach::vm::map_read(map, addr, &v, sizeof v) == KERN_SUCCESS && v != w.model.cells[cell])
      fail("a modelled word", m, addr, v, w.model.cells[cell]);
  }
  for (uint64_t page = 0; page < kWindowPages; ++page)
    for (uint64_t word = 0; word < kWordsPerPage; ++word) {
      const uint64_t addr = base(w, m) + page * P + 8 * word;
      uint64_t v = 0;
      if (umach::vm::map_read(map, addr, &v, sizeof v) == KERN_SUCCESS && v != w.model.value(m, addr))
        fail("a window word", m, addr, v, w.model.value(m, addr));
    }
}

// The child of map m (replacing the other map): what each of m's regions
// passes on by its inheritance.
void fork(World& w, int m) {
  VmMap* child = umach::vm::map_fork(*w.maps[m]);
  if (!child) return;
  const int c = m ^ 1;
  w.maps[c] = RefPtr<VmMap>::adopt(child);
  attach_space(w, c);
  w.model.words[c].clear();
  uint64_t addr = w.maps[m]->min();
  umach::vm::RegionInfo info;
  while (umach::vm::region(*w.maps[m], addr, &info) == KERN_SUCCESS) {
    const uint64_t start = info.address, end = info.address + info.size;
    if (info.inheritance == VM_INHERIT_SHARE) {
      // Shared from now on, every word the fuzzer may touch: give each a
      // cell both maps name.
      for (uint64_t at = start; at < end; at += P)
        for (uint64_t word = 0; word < kWordsPerPage; ++word) {
          const uint64_t a = at + 8 * word;
          auto it = w.model.words[m].find(a);
          const size_t cell = it != w.model.words[m].end() ? it->second : w.model.new_cell(0);
          w.model.words[m][a] = cell;
          w.model.words[c][a] = cell;
        }
    } else if (info.inheritance == VM_INHERIT_COPY) {
      for (auto it = w.model.words[m].lower_bound(start); it != w.model.words[m].end() && it->first < end; ++it)
        w.model.words[c][it->first] = w.model.new_cell(w.model.cells[it->second]);
    }
    if (end <= addr) break;
    addr = end;
  }
}

void step(World& w, const uint8_t* p) {
  const uint8_t op = p[0], a = p[1], b = p[2], c = p[3], d = p[4];
  const int m = op & 1;
  VmMap& map = *w.maps[m];
  Model& model = w.model;
  const uint64_t at = page_addr(w, m, a);
  const uint64_t size = pages(b);
  switch ((op >> 1) % 16) {
    case 0: {
      uint64_t addr = at;
      if (umach::vm::allocate(map, &addr, size, c & 1) == KERN_SUCCESS) model.forget(m, addr, addr + size);
      break;
    }
    case 1:
      if (umach::vm::deallocate(map, at, size) == KERN_SUCCESS) model.forget(m, at, at + size);
      break;
    case 2:
      (void)umach::vm::protect(map, at, size, c & 1, c >> 1 & 7);
      break;
    case 3:
      (void)umach::vm::inherit(map, at, size, c % 3);
      break;
    case 4: {
      const uint64_t addr = at + 8 * (c % kWordsPerPage);
      const uint64_t v = (++w.counter << 8) | d;
      if (umach::vm::map_write(map, addr, &v, sizeof v) == KERN_SUCCESS) model.set(m, addr, v);
      break;
    }
    case 5:
      check_contents(w, m);
      break;
    case 6: {  // vm_copy within the map
      const uint64_t dst = page_addr(w, m, c);
      if (umach::vm::copy(map, at, size, dst) == KERN_SUCCESS) model.copy(m, at, m, dst, size);
      break;
    }
    case 7: {  // vm_read, copied out into either map
      umach::vm::VmMapCopy* data = nullptr;
      if (umach::vm::read(map, at, size, &data) != KERN_SUCCESS) break;
      const int to = c & 1 ? m ^ 1 : m;
      umach::Result<uint64_t> out = umach::vm::copyout(*w.maps[to], data);
      if (!out.ok()) {
        umach::vm::discard(data);
        break;
      }
      if (getenv("UMACH_FUZZ_VERBOSE"))
        fprintf(stderr, "  copied out into map %d at %#llx\n", to, static_cast<unsigned long long>(out.value()));
      model.forget(to, out.value(), out.value() + size);
      model.copy(m, at, to, out.value(), size);
      break;
    }
    case 8: {  // vm_write of a vm_read, into either map
      umach::vm::VmMapCopy* data = nullptr;
      if (umach::vm::read(map, at, size, &data) != KERN_SUCCESS) break;
      const int to = c & 1 ? m ^ 1 : m;
      const uint64_t dst = page_addr(w, to, d);
      if (umach::vm::write(*w.maps[to], dst, data) != KERN_SUCCESS) {
        umach::vm::discard(data);
        break;
      }
      model.copy(m, at, to, dst, size);
      break;
    }
    case 9:
      fork(w, m);
      break;
    case 10:
      (void)umach::vm::wire(map, at, size, c & 1 ? VM_PROT_NONE : (c >> 1 & 3));
      break;
    case 11:
      (void)umach::vm::vm_fault(map, at + 8 * (c % kWordsPerPage), c & 4 ? VM_PROT_WRITE : VM_PROT_READ);
      break;
    case 12:
      (void)umach::vm::msync(map, at, size, c & 7);
      break;
    case 13: {  // anonymous vm_map, anywhere or here
      uint64_t addr = at;
      if (umach::vm::map_object(map, &addr, size, 0, c & 1, nullptr, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL,
                                d % 3) == KERN_SUCCESS)
        model.forget(m, addr, addr + size);
      break;
    }
    case 14:
      send_ool(w, m, at, size, c & 1);
      break;
    default:
      check_contents(w, m ^ 1);
      break;
  }
}

void World::step(const uint8_t* p) { ::step(*this, p); }

// The contents checked once more, then the spaces (and what they hold)
// go; the maps go with the World.
void World::finish() {
  check_contents(*this, 0);
  check_contents(*this, 1);
  for (auto& space : spaces) space->terminate();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  umach::fuzz::boot();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return umach::fuzz::run_program<5>(data, size, 400, /*pages=*/true, make_world);
}
