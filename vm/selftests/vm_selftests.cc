// vm/selftests/vm_selftests.cc: the VM's self-tests, on every platform (the
// bare-metal images run them on real page tables). Memory is checked
// through the kernel's view of the physical pages (map_read/map_write) and
// the pmap (pmap_extract), so the tests need no user mode. Each runs
// between leak audits: no object, entry, page, pv entry or copy is left.
#include "core/cpu.h"
#include "core/fault_inject.h"
#include "core/kstd/cstring.h"
#include "core/refptr.h"
#include "core/sched/sched.h"
#include "core/selftest.h"
#include "core/task/gsync.h"
#include "default_pager_kserver.h"
#include "mach_kserver.h"
#include "ipc/kmsg_copy.h"
#include "ipc/kobject.h"
#include "ipc/right.h"
#include "vm/copy.h"
#include "vm/default_pager.h"
#include "vm/fault.h"
#include "vm/memory_object.h"
#include "vm/page.h"
#include "vm/pageout.h"
#include "vm/pager.h"
#include "vm/swap.h"
#include "vm/vm_user.h"
#include "ipc/msg.h"
#include "mach/vm_sync.h"
#include "mach/vm_wire.h"

namespace umach::vm {
namespace {

constexpr uint64_t P = kPageSize;

struct MapRef {
  explicit MapRef(VmMap* parent = nullptr) : map(VmMap::create(parent)) {}
  explicit MapRef(VmMap* m, bool) : map(m) {}
  ~MapRef() {
    if (map) map->unref();
  }
  VmMap& operator*() { return *map; }
  VmMap* map;
};

uint64_t read_u64(VmMap& m, uint64_t va) {
  uint64_t v = ~uint64_t{0};
  if (map_read(m, va, &v, sizeof v) != KERN_SUCCESS) return 0xdeadull;
  return v;
}
bool write_u64(VmMap& m, uint64_t va, uint64_t v) { return map_write(m, va, &v, sizeof v) == KERN_SUCCESS; }

// Tests that play a pager hold its port's receive right themselves
// (test_pager_port's reference; null when memory is short): what the
// kernel sends it stays queued there.
ipc::Port* test_pager_port() {
  auto made = ipc::Port::create();
  return made.ok() ? made.value().leak_ref() : nullptr;
}

size_t queued_on(ipc::Port* port) {
  SpinlockGuard g(port->lock);
  return port->msgcount_;
}

// Ends such a test's pager: the test's reference to the object
// pager_object gave it (if any), then the port with what is queued on it.
void end_test_pager(ipc::Port* port, VmObject* object) {
  if (object) {
    SpinlockGuard hold(g_vm_lock);
    VmObject::deallocate(object);
  }
  reap_pagers();
  ipc::destroy_receive_right(port);
  reap_pagers();
}

// A test pager's port and its object, ready (with `strategy`); false (the
// failure checked, nothing left) when either could not be had.
bool ready_test_pager(SelfTestContext& selftest_ctx, ipc::Port** port, VmObject** object,
                      int strategy = MEMORY_OBJECT_COPY_DELAY) {
  *object = nullptr;
  *port = test_pager_port();
  ST_CHECK(*port != nullptr);
  if (!*port) return false;
  ST_CHECK_EQ(pager_object(*port, object), KERN_SUCCESS);
  if (!*object) {
    end_test_pager(*port, nullptr);
    return false;
  }
  ST_CHECK_EQ(kserver::memory_object_ready((*object)->pager()->control, FALSE, strategy), KERN_SUCCESS);
  return true;
}

// A page of zeros for a test pager's object at `offset`, as its pager
// would supply it.
kern_return_t supply_zeros(ipc::Port* control, uint64_t offset) {
  Result<VmMapCopy*> data = copy_from_buffer(nullptr, P);
  if (!data.ok()) return KERN_RESOURCE_SHORTAGE;
  return kserver::memory_object_data_supply(control, offset, reinterpret_cast<uintptr_t>(data.value()),
                                            static_cast<mach_msg_type_number_t>(P), VM_PROT_NONE, FALSE, nullptr, 0);
}

unsigned depth_at(VmMap& m, uint64_t va) {
  SpinlockGuard hold(g_vm_lock);
  VmMapEntry* e = m.lookup(va);
  if (!e || !e->object) return 0;
  return e->object->chain_depth(e->offset + (va - e->start));
}

}  // namespace

UMACH_SELFTEST(vm_allocate_zero_fill_and_errors) {
  MapRef m;
  ST_CHECK(m.map != nullptr);
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 3 * P, true), KERN_SUCCESS);
  ST_CHECK(a >= m.map->min() && a % P == 0);
  ST_CHECK_EQ(read_u64(*m, a + P), 0u);
  ST_CHECK(write_u64(*m, a + P + 8, 0x1234));
  ST_CHECK_EQ(read_u64(*m, a + P + 8), 0x1234u);
  uint64_t fixed = a + P;
  ST_CHECK_EQ(allocate(*m, &fixed, P, false), KERN_NO_SPACE);
  uint64_t outside = m.map->max();
  ST_CHECK_EQ(allocate(*m, &outside, P, false), KERN_INVALID_ADDRESS);
  uint64_t zero = 77;
  ST_CHECK_EQ(allocate(*m, &zero, 0, true), KERN_SUCCESS);
  ST_CHECK_EQ(zero, 0u);
  uint64_t unaligned = a + 3 * P + 5;  // rounded down to a page
  ST_CHECK_EQ(allocate(*m, &unaligned, 10, false), KERN_SUCCESS);
  ST_CHECK_EQ(unaligned, a + 3 * P);
  ST_CHECK_EQ(deallocate(*m, a, 4 * P), KERN_SUCCESS);
  ST_CHECK_EQ(map_read(*m, a, &zero, 8), KERN_INVALID_ADDRESS);
  ST_CHECK_EQ(deallocate(*m, a, 4 * P), KERN_SUCCESS);  // holes are fine
  ST_CHECK_EQ(vm_fault(*m, a, VM_PROT_READ), KERN_INVALID_ADDRESS);
}

UMACH_SELFTEST(vm_fault_enters_pages_with_the_entry_protection) {
  MapRef m;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 2 * P, true), KERN_SUCCESS);
  ST_CHECK_EQ(Platform::pmap_extract(m.map->pmap(), a), kNoPhys);
  ST_CHECK_EQ(vm_fault(*m, a, VM_PROT_WRITE), KERN_SUCCESS);
  paddr_t pa = Platform::pmap_extract(m.map->pmap(), a);
  ST_CHECK(pa != kNoPhys);
  ST_CHECK(write_u64(*m, a, 42));
  ST_CHECK_EQ(*static_cast<uint64_t*>(Platform::phys_to_virt(pa)), 42u);
  ST_CHECK_EQ(protect(*m, a, P, false, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(vm_fault(*m, a, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(map_write(*m, a, &pa, 8), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(protect(*m, a, P, false, VM_PROT_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(Platform::pmap_extract(m.map->pmap(), a), kNoPhys);  // NONE removes the mapping
  ST_CHECK_EQ(vm_fault(*m, a, VM_PROT_READ), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(protect(*m, a, P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
  ST_CHECK_EQ(read_u64(*m, a), 42u);  // the page stayed in its object
}

UMACH_SELFTEST(vm_protect_maximum_and_errors) {
  MapRef m;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 4 * P, true), KERN_SUCCESS);
  ST_CHECK_EQ(protect(*m, a, P, true, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(protect(*m, a, P, false, VM_PROT_DEFAULT), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(protect(*m, a, P, true, VM_PROT_ALL), KERN_PROTECTION_FAILURE);  // the maximum never rises
  ST_CHECK_EQ(protect(*m, a, P, false, 0x40), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(protect(*m, a + 3 * P, 2 * P, false, VM_PROT_READ), KERN_INVALID_ADDRESS);  // runs into a hole
  RegionInfo r;
  ST_CHECK_EQ(region(*m, a, &r), KERN_SUCCESS);
  ST_CHECK_EQ(r.address, a);
  ST_CHECK_EQ(r.size, P);
  ST_CHECK_EQ(r.protection, unsigned{VM_PROT_READ});
  ST_CHECK_EQ(r.max_protection, unsigned{VM_PROT_READ});
  ST_CHECK_EQ(region(*m, a + P, &r), KERN_SUCCESS);
  ST_CHECK_EQ(r.size, 3 * P);
  ST_CHECK_EQ(r.protection, unsigned{VM_PROT_DEFAULT});
  ST_CHECK_EQ(region(*m, a + 4 * P, &r), KERN_NO_SPACE);
  ST_CHECK_EQ(inherit(*m, a, P, 7), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(inherit(*m, a, P, VM_INHERIT_SHARE), KERN_SUCCESS);
  ST_CHECK_EQ(region(*m, a, &r), KERN_SUCCESS);
  ST_CHECK_EQ(r.inheritance, unsigned{VM_INHERIT_SHARE});
  // Entries split by protect merge back when they are alike again.
  ST_CHECK_EQ(protect(*m, a + P, P, false, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(protect(*m, a + P, P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
  {
    SpinlockGuard hold(g_vm_lock);
    ST_CHECK_EQ(m.map->entry_count(), 2u);
    m.map->check_invariants();
  }
}

// A copy of a region whose source is then written keeps the old bytes, and
// writing the copy leaves the source alone, for each copy strategy.
static void check_copy_strategy(SelfTestContext& selftest_ctx, int strategy) {
  MapRef m;
  VmObject* o;
  {
    SpinlockGuard hold(g_vm_lock);
    o = VmObject::create(4 * P, strategy);
  }
  uint64_t src = 0;
  ST_CHECK_EQ(map_object(*m, &src, 4 * P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
              KERN_SUCCESS);
  for (uint64_t i = 0; i < 4; ++i) ST_CHECK(write_u64(*m, src + i * P, 100 + i));
  ST_CHECK_EQ(vm_fault(*m, src, VM_PROT_WRITE), KERN_SUCCESS);  // a writable mapping the copy must revoke
  VmMapCopy* c = nullptr;
  ST_CHECK_EQ(read(*m, src, 4 * P, &c), KERN_SUCCESS);
  Result<uint64_t> dst = copyout(*m, c);
  ST_CHECK(dst.ok());
  uint64_t d = dst.ok() ? dst.value() : 0;
  ST_CHECK(write_u64(*m, src, 900));
  ST_CHECK(write_u64(*m, src + 2 * P, 902));
  ST_CHECK_EQ(read_u64(*m, d), 100u);
  ST_CHECK_EQ(read_u64(*m, d + 2 * P), 102u);
  ST_CHECK(write_u64(*m, d + P, 801));
  ST_CHECK_EQ(read_u64(*m, src + P), 101u);
  ST_CHECK_EQ(read_u64(*m, d + P), 801u);
  // A second copy sees the source as it is now; the first still the old.
  uint64_t d2 = 0;
  ST_CHECK_EQ(allocate(*m, &d2, 4 * P, true), KERN_SUCCESS);
  ST_CHECK_EQ(copy(*m, src, 4 * P, d2), KERN_SUCCESS);
  ST_CHECK(write_u64(*m, src + 3 * P, 903));
  ST_CHECK_EQ(read_u64(*m, d2), 900u);
  ST_CHECK_EQ(read_u64(*m, d2 + 3 * P), 103u);
  ST_CHECK_EQ(read_u64(*m, d + 3 * P), 103u);
  ST_CHECK_EQ(read_u64(*m, d), 100u);
  {
    SpinlockGuard hold(g_vm_lock);
    m.map->check_invariants();
    VmObject::deallocate(o);
  }
}

UMACH_SELFTEST(vm_copy_keeps_old_bytes_copy_none) { check_copy_strategy(selftest_ctx, MEMORY_OBJECT_COPY_NONE); }
UMACH_SELFTEST(vm_copy_keeps_old_bytes_copy_delay) { check_copy_strategy(selftest_ctx, MEMORY_OBJECT_COPY_DELAY); }
UMACH_SELFTEST(vm_copy_keeps_old_bytes_copy_temporary) {
  check_copy_strategy(selftest_ctx, MEMORY_OBJECT_COPY_TEMPORARY);
}

UMACH_SELFTEST(vm_write_and_copy_errors) {
  MapRef m;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 4 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*m, a, 5));
  VmMapCopy* c = nullptr;
  ST_CHECK_EQ(read(*m, a, P, &c), KERN_SUCCESS);
  ST_CHECK_EQ(write(*m, a + 1, c), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(write(*m, a + 8 * P, c), KERN_INVALID_ADDRESS);
  ST_CHECK_EQ(protect(*m, a + 3 * P, P, false, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(write(*m, a + 3 * P, c), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(write(*m, a + 2 * P, c), KERN_SUCCESS);  // consumed
  ST_CHECK_EQ(read_u64(*m, a + 2 * P), 5u);
  ST_CHECK_EQ(read(*m, a + 4 * P, P, &c), KERN_INVALID_ADDRESS);
  ST_CHECK_EQ(protect(*m, a + 3 * P, P, false, VM_PROT_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(read(*m, a + 2 * P, 2 * P, &c), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(copy(*m, a, P, a + 4 * P), KERN_INVALID_ADDRESS);
  ST_CHECK_EQ(copy(*m, a, P, a + P), KERN_SUCCESS);
  ST_CHECK_EQ(read_u64(*m, a + P), 5u);
}

UMACH_SELFTEST(vm_fork_by_inheritance) {
  MapRef parent;
  uint64_t cow = 0, shared = 0, none = 0;
  ST_CHECK_EQ(allocate(*parent, &cow, 2 * P, true), KERN_SUCCESS);
  ST_CHECK_EQ(allocate(*parent, &shared, P, true), KERN_SUCCESS);
  ST_CHECK_EQ(allocate(*parent, &none, P, true), KERN_SUCCESS);
  ST_CHECK_EQ(inherit(*parent, shared, P, VM_INHERIT_SHARE), KERN_SUCCESS);
  ST_CHECK_EQ(inherit(*parent, none, P, VM_INHERIT_NONE), KERN_SUCCESS);
  ST_CHECK(write_u64(*parent, cow, 1));
  ST_CHECK(write_u64(*parent, shared, 2));
  MapRef child(map_fork(*parent), true);
  ST_CHECK(child.map != nullptr);
  if (!child.map) return;
  ST_CHECK_EQ(read_u64(*child, cow), 1u);
  ST_CHECK_EQ(read_u64(*child, cow + P), 0u);
  ST_CHECK(write_u64(*child, cow, 10));
  ST_CHECK(write_u64(*parent, cow + P, 11));
  ST_CHECK_EQ(read_u64(*parent, cow), 1u);
  ST_CHECK_EQ(read_u64(*child, cow + P), 0u);
  ST_CHECK(write_u64(*child, shared, 20));
  ST_CHECK_EQ(read_u64(*parent, shared), 20u);
  ST_CHECK_EQ(map_read(*child, none, &cow, 8), KERN_INVALID_ADDRESS);
  // A grandchild of the child sees the child's bytes.
  MapRef grandchild(map_fork(*child), true);
  ST_CHECK_EQ(read_u64(*grandchild, cow), 10u);
  ST_CHECK(write_u64(*child, cow, 30));
  ST_CHECK_EQ(read_u64(*grandchild, cow), 10u);
  SpinlockGuard hold(g_vm_lock);
  parent.map->check_invariants();
  child.map->check_invariants();
  grandchild.map->check_invariants();
}

// Memory two maps share (COPY_DELAY copies: a copy object per copy): a
// copy made after a write shows that write, even when the copy made just
// before it went away meanwhile and the older copy absorbed it (collapse
// made the older copy the source's copy object; handing that one out
// again, as if it were the source now, showed the older data). Found by
// tests/fuzz/vm_ops_fuzz.cc.
UMACH_SELFTEST(vm_a_copy_of_shared_memory_shows_the_last_write_after_a_copy_went) {
  MapRef parent;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*parent, &a, P, true), KERN_SUCCESS);
  ST_CHECK_EQ(inherit(*parent, a, P, VM_INHERIT_SHARE), KERN_SUCCESS);
  ST_CHECK(write_u64(*parent, a, 1));
  MapRef child(map_fork(*parent), true);
  ST_CHECK(child.map != nullptr);
  if (!child.map) return;
  auto copy_out = [&](VmMap& from, uint64_t* at) {
    VmMapCopy* c = nullptr;
    ST_CHECK_EQ(read(from, a, P, &c), KERN_SUCCESS);
    if (!c) return;
    Result<uint64_t> r = copyout(*parent, c);
    ST_CHECK(r.ok());
    if (r.ok()) *at = r.value();
    else discard(c);
  };
  uint64_t first = 0, last = 0;
  copy_out(*parent, &first);  // the older copy
  ST_CHECK(write_u64(*child, a, 2));
  {
    VmMapCopy* gone = nullptr;  // a newer copy, dropped at once
    ST_CHECK_EQ(read(*child, a, P, &gone), KERN_SUCCESS);
    if (gone) discard(gone);
  }
  copy_out(*parent, &last);
  ST_CHECK_EQ(read_u64(*parent, first), 1u);
  ST_CHECK_EQ(read_u64(*parent, last), 2u);
  ST_CHECK_EQ(read_u64(*parent, a), 2u);
  ST_CHECK(write_u64(*parent, a, 3));
  ST_CHECK_EQ(read_u64(*child, a), 3u);
  ST_CHECK_EQ(read_u64(*parent, first), 1u);
  ST_CHECK_EQ(read_u64(*parent, last), 2u);
  SpinlockGuard hold(g_vm_lock);
  parent.map->check_invariants();
  child.map->check_invariants();
}

// 1,000 generations of fork-then-drop-the-parent keep the chain short.
UMACH_SELFTEST(vm_chain_stays_short_after_generations) {
  MapRef first;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*first, &a, 2 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*first, a, 7));
  VmMap* cur = first.map;
  first.map = nullptr;
  for (int g = 0; g < 1000; ++g) {
    VmMap* child = map_fork(*cur);
    if (!child) break;
    cur->unref();
    cur = child;
    if (!write_u64(*cur, a + P, static_cast<uint64_t>(g))) break;
  }
  ST_CHECK_EQ(read_u64(*cur, a), 7u);
  ST_CHECK_EQ(read_u64(*cur, a + P), 999u);
  ST_CHECK(depth_at(*cur, a) <= 3);
  ST_CHECK(depth_at(*cur, a + P) <= 3);
  cur->unref();
}

// Freeing a 10,000-object chain is a loop, not a recursion.
UMACH_SELFTEST(vm_long_chain_frees_without_recursion) {
  SpinlockGuard hold(g_vm_lock);
  VmObject* top = VmObject::create(P);
  ST_CHECK(top != nullptr);
  if (!top) return;
  for (int i = 0; i < 10000; ++i) {
    VmObject* s = VmObject::make_shadow(top, 0, P);
    if (!s) break;
    // Each object's one reference is its shadower's: nothing collapses here.
    top = s;
  }
  ST_CHECK(top->chain_depth(0) >= 10000);
  VmObject::deallocate(top);
}

UMACH_SELFTEST(vm_wire_and_unwire) {
  MapRef m;
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 3 * P, true), KERN_SUCCESS);
  PageCounts before = page_counts();
  ST_CHECK_EQ(wire(*m, a, 3 * P, VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, before.wired + 3);
  ST_CHECK(Platform::pmap_extract(m.map->pmap(), a + 2 * P) != kNoPhys);
  ST_CHECK_EQ(wire(*m, a, 4 * P, VM_PROT_READ), KERN_INVALID_ADDRESS);
  ST_CHECK_EQ(wire(*m, a, P, 0x80), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(protect(*m, a, P, false, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(wire(*m, a, P, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
  ST_CHECK_EQ(wire(*m, a, 3 * P, VM_PROT_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, before.wired);
  ST_CHECK_EQ(wire_all(*m, VM_WIRE_ALL), KERN_SUCCESS);
  uint64_t b = 0;
  ST_CHECK_EQ(allocate(*m, &b, P, true), KERN_SUCCESS);  // wired as it is made
  ST_CHECK_EQ(page_counts().wired, before.wired + 4);
  ST_CHECK_EQ(wire_all(*m, 0x10), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(wire_all(*m, VM_WIRE_FUTURE), KERN_SUCCESS);  // keeps what is wired
  ST_CHECK_EQ(page_counts().wired, before.wired + 4);
  ST_CHECK_EQ(wire_all(*m, VM_WIRE_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, before.wired);
}

// A wired entry that sees a page through a shadow chain (read-only,
// borrowed) follows when the object above gains its own page there (a
// map sharing that object writes: copy-up). Its mapping and its wiring
// move to the new page at once, so the wired mapping shows what the
// other map wrote and unwiring unwires the page it now holds.
UMACH_SELFTEST(vm_a_wired_borrowed_mapping_follows_a_copy_up) {
  MapRef a;
  uint64_t x = 0;
  ST_CHECK_EQ(allocate(*a, &x, 2 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*a, x, 1) && write_u64(*a, x + P, 2));
  MapRef y(map_fork(*a), true);  // copy-on-write of a's object
  ST_CHECK(y.map != nullptr);
  if (!y.map) return;
  ST_CHECK(write_u64(*y, x + P, 3));  // y's own object now, shadowing a's: page 0 borrowed
  ST_CHECK_EQ(inherit(*y, x, 2 * P, VM_INHERIT_SHARE), KERN_SUCCESS);
  MapRef z(map_fork(*y), true);  // shares y's object
  ST_CHECK(z.map != nullptr);
  if (!z.map) return;
  // Read-only in y, the wiring borrows a's page (a writable entry would
  // be wired with its own copy).
  ST_CHECK_EQ(protect(*y, x, P, false, VM_PROT_READ), KERN_SUCCESS);
  const size_t wired = page_counts().wired;
  ST_CHECK_EQ(wire(*y, x, P, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired + 1);
  const paddr_t borrowed = Platform::pmap_extract(y.map->pmap(), x);
  {
    SpinlockGuard hold(g_vm_lock);
    VmMapEntry* e = (*a).lookup(x);
    VmPage* own = e && e->object ? e->object->lookup(e->offset) : nullptr;
    ST_CHECK(own && own->pa == borrowed);  // a's page, seen through y's chain
  }
  ST_CHECK(write_u64(*z, x, 4));  // copy-up into the object y and z share
  const paddr_t now = Platform::pmap_extract(y.map->pmap(), x);
  ST_CHECK(now != kNoPhys && now != borrowed);
  ST_CHECK_EQ(read_u64(*y, x), 4u);
  ST_CHECK_EQ(read_u64(*a, x), 1u);
  ST_CHECK_EQ(page_counts().wired, wired + 1);
  ST_CHECK_EQ(wire(*y, x, P, VM_PROT_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired);
}

// A read-only wiring holds the page it borrows from below; the wiring
// then follows that entry's view: to its own copy when it is made
// writable and written (copy-up in the wired entry itself), and away when
// the entry is deallocated while it still borrows. Nothing stays wired.
UMACH_SELFTEST(vm_a_read_only_wiring_goes_with_its_entry) {
  MapRef a;
  uint64_t x = 0;
  ST_CHECK_EQ(allocate(*a, &x, 2 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*a, x, 1) && write_u64(*a, x + P, 2));
  MapRef y(map_fork(*a), true);
  ST_CHECK(y.map != nullptr);
  if (!y.map) return;
  ST_CHECK(write_u64(*y, x + P, 3));  // y's own object, borrowing page 0 from a's
  ST_CHECK_EQ(protect(*y, x, 2 * P, false, VM_PROT_READ), KERN_SUCCESS);
  const size_t wired = page_counts().wired;
  ST_CHECK_EQ(wire(*y, x, 2 * P, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired + 2);
  ST_CHECK_EQ(protect(*y, x, 2 * P, false, VM_PROT_READ | VM_PROT_WRITE), KERN_SUCCESS);
  ST_CHECK(write_u64(*y, x, 4));  // copy-up into y's object
  ST_CHECK_EQ(page_counts().wired, wired + 2);
  ST_CHECK_EQ(read_u64(*a, x), 1u);
  ST_CHECK_EQ(wire(*y, x, 2 * P, VM_PROT_NONE), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired);
  // Deallocated while it borrows: a's page is not left wired.
  MapRef z(map_fork(*a), true);
  ST_CHECK(z.map != nullptr);
  if (!z.map) return;
  ST_CHECK(write_u64(*z, x + P, 5));
  ST_CHECK_EQ(protect(*z, x, 2 * P, false, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(wire(*z, x, 2 * P, VM_PROT_READ), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired + 2);
  ST_CHECK_EQ(deallocate(*z, x, 2 * P), KERN_SUCCESS);
  ST_CHECK_EQ(page_counts().wired, wired);
}

UMACH_SELFTEST(vm_map_object_shared_and_copied) {
  MapRef a, b;
  VmObject* o;
  {
    SpinlockGuard hold(g_vm_lock);
    o = VmObject::create(8 * P, MEMORY_OBJECT_COPY_DELAY);
  }
  Result<RefPtr<KernelMemoryObject>> h = KernelMemoryObject::create(o);
  ST_CHECK(h.ok());
  if (!h.ok()) return;
  uint64_t x = 0, y = 0, z = 0;
  ST_CHECK_EQ(map_object(*a, &x, 4 * P, 0, true, o, 2 * P, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_SHARE),
              KERN_SUCCESS);
  ST_CHECK_EQ(map_object(*b, &y, 8 * P, 0xffff, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_SHARE),
              KERN_SUCCESS);
  ST_CHECK_EQ(y & 0xffff, 0u);  // the mask aligned it
  ST_CHECK(write_u64(*a, x, 55));
  ST_CHECK_EQ(read_u64(*b, y + 2 * P), 55u);  // shared: same object, offset 2 pages
  ST_CHECK_EQ(map_object(*b, &z, P, 0, true, o, 0, true, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY), KERN_SUCCESS);
  ST_CHECK(write_u64(*b, y, 66));
  ST_CHECK_EQ(read_u64(*b, z), 0u);  // the copy was taken before
  ST_CHECK_EQ(map_object(*b, &z, 9 * P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
              KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(map_object(*b, &z, P, 0, true, o, 1, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
              KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(map_object(*b, &z, P, 0, true, nullptr, 0, false, 0x20, VM_PROT_ALL, VM_INHERIT_COPY),
              KERN_INVALID_ARGUMENT);
  h.value()->destroy();
}

// Copies of a COPY_DELAY object nobody writes share one copy object (a
// program image mapped copy-on-write by many tasks: no chain grows with
// them); a write to the source, or into the copy itself, ends the reuse,
// and every copy keeps the view it was made with.
UMACH_SELFTEST(vm_copy_delayed_reuses_an_unwritten_copy) {
  MapRef m;
  VmObject* o;
  {
    SpinlockGuard hold(g_vm_lock);
    o = VmObject::create(2 * P, MEMORY_OBJECT_COPY_DELAY);
  }
  uint64_t src = 0;
  ST_CHECK_EQ(map_object(*m, &src, 2 * P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY),
              KERN_SUCCESS);
  ST_CHECK(write_u64(*m, src, 1));
  uint64_t c[5] = {};
  auto map_copy = [&](uint64_t* at) {
    return map_object(*m, at, 2 * P, 0, true, o, 0, true, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY);
  };
  auto copy_object_at = [&](uint64_t va) {
    SpinlockGuard hold(g_vm_lock);
    VmMapEntry* e = m.map->lookup(va);
    return e ? e->object : nullptr;
  };
  ST_CHECK_EQ(map_copy(&c[0]), KERN_SUCCESS);
  ST_CHECK_EQ(map_copy(&c[1]), KERN_SUCCESS);
  ST_CHECK(copy_object_at(c[0]) == copy_object_at(c[1]));  // nothing was written between them
  ST_CHECK(write_u64(*m, src, 2));                          // the source changes
  ST_CHECK_EQ(map_copy(&c[2]), KERN_SUCCESS);
  ST_CHECK(copy_object_at(c[2]) != copy_object_at(c[0]));
  ST_CHECK_EQ(map_copy(&c[3]), KERN_SUCCESS);
  ST_CHECK(copy_object_at(c[3]) == copy_object_at(c[2]));
  ST_CHECK(write_u64(*m, c[3], 30));  // a copy's holder writes: into a shadow, the copy stays as it was
  ST_CHECK_EQ(map_copy(&c[4]), KERN_SUCCESS);
  ST_CHECK_EQ(read_u64(*m, c[0]), 1u);
  ST_CHECK_EQ(read_u64(*m, c[1]), 1u);
  ST_CHECK_EQ(read_u64(*m, c[2]), 2u);
  ST_CHECK_EQ(read_u64(*m, c[3]), 30u);
  ST_CHECK_EQ(read_u64(*m, c[4]), 2u);
  ST_CHECK(write_u64(*m, src, 3));
  ST_CHECK_EQ(read_u64(*m, c[4]), 2u);
  ST_CHECK_EQ(read_u64(*m, c[1]), 1u);
  ST_CHECK_EQ(depth_at(*m, c[1] + P), 3u);  // the first copy, the second, the source (no page anywhere)
  {
    SpinlockGuard hold(g_vm_lock);
    m.map->check_invariants();
    VmObject::deallocate(o);
  }
}

UMACH_SELFTEST(vm_copyin_destroy_moves_the_memory) {
  MapRef a, b;
  uint64_t x = 0;
  ST_CHECK_EQ(allocate(*a, &x, 2 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*a, x + P, 77));
  Result<VmMapCopy*> c = copyin(*a, x, 2 * P, true);
  ST_CHECK(c.ok());
  if (!c.ok()) return;
  ST_CHECK_EQ(map_read(*a, x, &x, 8), KERN_INVALID_ADDRESS);
  Result<uint64_t> y = copyout(*b, c.value());
  ST_CHECK(y.ok());
  if (y.ok()) ST_CHECK_EQ(read_u64(*b, y.value() + P), 77u);
}

// A page sent to a pager (copy_of_page_locked: data_return's one-page
// object) counts in returns_in_flight, the laundry count pageout checks,
// until a map receives it: a pager that keeps what it was returned as its
// own memory must not hold the count up for good (pageout would then send
// every page to the swap area). Received, it is anonymous memory again.
UMACH_SELFTEST(vm_a_returned_page_stops_counting_once_received) {
  MapRef a, b;
  uint64_t x = 0;
  ST_CHECK_EQ(allocate(*a, &x, P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*a, x, 0x5e7));
  VmMapCopy* c = nullptr;
  size_t before = 0;
  {
    SpinlockGuard hold(g_vm_lock);
    before = returns_in_flight();
    VmMapEntry* e = (*a).lookup(x);
    VmPage* p = e && e->object ? e->object->lookup(e->offset) : nullptr;
    ST_CHECK(p != nullptr);
    if (p) c = copy_of_page_locked(p, /*take=*/false);
    ST_CHECK(c != nullptr);
    ST_CHECK_EQ(returns_in_flight(), before + (c ? 1 : 0));
    if (c) ST_CHECK(!c->entries->object->anonymous());
  }
  if (!c) return;
  Result<uint64_t> y = copyout(*b, c);
  ST_CHECK(y.ok());
  if (!y.ok()) return discard(c);
  {
    SpinlockGuard hold(g_vm_lock);
    ST_CHECK_EQ(returns_in_flight(), before);
    VmMapEntry* e = (*b).lookup(y.value());
    ST_CHECK(e && e->object && e->object->anonymous());
  }
  ST_CHECK_EQ(read_u64(*b, y.value()), 0x5e7u);
}

// memory_object_create goes even with memory short (its message's own
// buffer injected away): it takes the one its record set aside, and the
// object's port, with the page pageout gave it (data_initialize), reaches
// the manager. (It used to destroy the port: the data was lost and the
// object's faults failed.) The test plays the default memory manager with
// a port it holds, and pages out the one page of its own object, as
// pageout would.
UMACH_SELFTEST(vm_a_create_goes_even_with_memory_short) {
  ipc::Port* manager = test_pager_port();
  ST_CHECK(manager != nullptr);
  if (!manager) return;
  ipc::Port* before = default_manager_exchange(ipc::kobject_make_send(manager).port);
  default_manager_prepare();
  Pager* pager = nullptr;
  {
    MapRef m;
    uint64_t x = 0;
    ST_CHECK_EQ(allocate(*m, &x, P, true), KERN_SUCCESS);
    ST_CHECK(write_u64(*m, x, 0xc4ea7e));
    {
      SpinlockGuard hold(g_vm_lock);
      VmMapEntry* e = (*m).lookup(x);
      VmObject* o = e ? e->object : nullptr;
      VmPage* page = o ? o->lookup(e->offset) : nullptr;
      ST_CHECK(page != nullptr);
      if (page && default_manager_take(o)) {
        pager = o->pager();
        pager->ref();
        page_protect(page, VM_PROT_NONE);
        ST_CHECK(pager_page_out(page));
      }
    }
    ST_CHECK(pager != nullptr);
    if (pager) {
      const uint64_t injected = fault_inject::injected_count();
      fault_inject::fail_nth(1);
      reap_pagers();  // memory_object_create
      fault_inject::fail_nth(0);
      ST_CHECK_EQ(fault_inject::injected_count(), injected + 1);
      ST_CHECK_EQ(queued_on(manager), 1u);
      send_due_returns();
      ST_CHECK_EQ(queued_on(pager->port), 1u);  // the page's data_initialize
      {
        SpinlockGuard hold(g_vm_lock);
        ST_CHECK(!pager->dead && pager->announced);
      }
      // What the manager gets: the object's port (its receive right in the
      // create), and on it the page. (Only what is queued is taken: a
      // receive would wait.)
      auto take = [&](ipc::Port* port, mach_msg_id_t id) {
        ipc::Kmsg* k = nullptr;
        if (queued_on(port) == 0) return;
        ST_CHECK_EQ(ipc::receive_from_kernel_port(port, &k), MACH_MSG_SUCCESS);
        if (!k) return;
        ST_CHECK_EQ(k->header()->msgh_id, id);
        ipc::kmsg_destroy(k);
      };
      take(pager->port, 2251);  // memory_object_data_initialize
      take(manager, 2250);      // memory_object_create: the object's port dies with it
    }
  }
  if (pager) pager->unref();
  ipc::release_send_right(default_manager_exchange(before));
  reap_pagers();
  ipc::destroy_receive_right(manager);
}

// Memory only a message holds (moved out of its map, or made for it) is
// no default memory manager's to take while in transit: what reads the
// message would wait for the manager, and a manager sending its own data
// for itself. Received, it is anonymous memory again; memory still mapped
// where it came from (a copy-on-write copy) stays pageable all along.
UMACH_SELFTEST(vm_memory_in_transit_is_not_for_the_default_manager) {
  MapRef a, b;
  uint64_t x = 0;
  ST_CHECK_EQ(allocate(*a, &x, 2 * P, true), KERN_SUCCESS);
  ST_CHECK(write_u64(*a, x, 1) && write_u64(*a, x + P, 2));
  auto anonymous_in = [](VmMapCopy* c) {
    SpinlockGuard hold(g_vm_lock);
    return c->entries->object && c->entries->object->anonymous();
  };
  Result<VmMapCopy*> shared = copyin(*a, x, P, false);
  ST_CHECK(shared.ok());
  if (shared.ok()) {
    ST_CHECK(anonymous_in(shared.value()));  // the source still maps it
    discard(shared.value());
  }
  Result<VmMapCopy*> moved = copyin(*a, x + P, P, true);
  ST_CHECK(moved.ok());
  if (!moved.ok()) return;
  ST_CHECK(!anonymous_in(moved.value()));
  Result<VmMapCopy*> made = copy_from_buffer("abc", 3);
  ST_CHECK(made.ok());
  if (made.ok()) {
    ST_CHECK(!anonymous_in(made.value()));
    discard(made.value());
  }
  Result<uint64_t> y = copyout(*b, moved.value());
  ST_CHECK(y.ok());
  if (!y.ok()) return discard(moved.value());
  {
    SpinlockGuard hold(g_vm_lock);
    VmMapEntry* e = (*b).lookup(y.value());
    ST_CHECK(e && e->object && e->object->anonymous());
  }
  ST_CHECK_EQ(read_u64(*b, y.value()), 2u);
}

// Out-of-line memory in a message between two spaces with address spaces
// (ipc/kmsg_copy.h): 4 KiB, 64 KiB and 1 MiB arrive intact, and later
// writes on either side stay on that side.
UMACH_SELFTEST(vm_out_of_line_message_copy_on_write) {
  MapRef sender_map, receiver_map;
  auto sender = ipc::IpcSpace::create();
  auto receiver = ipc::IpcSpace::create();
  ST_CHECK(sender.ok() && receiver.ok() && sender_map.map && receiver_map.map);
  sender.value()->set_map(sender_map.map);
  receiver.value()->set_map(receiver_map.map);
  mach_port_name_t port = MACH_PORT_NULL, to = MACH_PORT_NULL;
  ST_CHECK_EQ(receiver.value()->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  ipc::TransitRight right;
  ST_CHECK_EQ(receiver.value()->copyin_right(port, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  ST_CHECK_EQ(sender.value()->copyout_right(right, &to), KERN_SUCCESS);
  const uint64_t sizes[] = {P, 16 * P, 256 * P};
  for (uint64_t size : sizes) {
    uint64_t src = 0;
    ST_CHECK_EQ(allocate(*sender_map, &src, size, true), KERN_SUCCESS);
    for (uint64_t at = 0; at < size; at += P) ST_CHECK(write_u64(*sender_map, src + at + 8, at ^ 0x5a5a));
    struct {
      mach_msg_header_t head;
      uint32_t word, number;
      uint64_t address;
    } msg{};
    msg.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
    msg.head.msgh_remote_port = to;
    msg.word = MACH_MSG_TYPE_BYTE | (8u << 8);  // out of line: the inline bit clear
    msg.number = static_cast<uint32_t>(size);
    msg.address = src;
    ST_CHECK_EQ(ipc::mach_msg_send(*sender.value(), &msg.head, sizeof msg, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0),
                MACH_MSG_SUCCESS);
    for (uint64_t at = 0; at < size; at += P) ST_CHECK(write_u64(*sender_map, src + at + 8, 1));  // after the send
    ST_CHECK_EQ(ipc::mach_msg_receive(*receiver.value(), &msg.head, sizeof msg, port, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
                MACH_MSG_SUCCESS);
    const uint64_t dst = msg.address;
    ST_CHECK(dst != 0);  // (another map: the same address as src is fine)
    bool intact = true;
    for (uint64_t at = 0; at < size; at += P) intact &= read_u64(*receiver_map, dst + at + 8) == (at ^ 0x5a5a);
    ST_CHECK(intact);
    for (uint64_t at = 0; at < size; at += P) ST_CHECK(write_u64(*receiver_map, dst + at + 8, 2));
    bool kept = true;
    for (uint64_t at = 0; at < size; at += P) kept &= read_u64(*sender_map, src + at + 8) == 1;
    ST_CHECK(kept);
    ST_CHECK_EQ(deallocate(*sender_map, src, size), KERN_SUCCESS);
    ST_CHECK_EQ(deallocate(*receiver_map, dst, size), KERN_SUCCESS);
  }
  sender.value()->terminate();
  receiver.value()->terminate();
}

UMACH_SELFTEST(vm_size_limit) {
  MapRef m;
  ST_CHECK_EQ(set_size_limit(*m, 4 * P, 8 * P), KERN_SUCCESS);
  ST_CHECK_EQ(set_size_limit(*m, 8 * P, 4 * P), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(set_size_limit(*m, 4 * P, 16 * P), KERN_NO_ACCESS);
  uint64_t a = 0;
  ST_CHECK_EQ(allocate(*m, &a, 5 * P, true), KERN_NO_SPACE);
  ST_CHECK_EQ(allocate(*m, &a, 4 * P, true), KERN_SUCCESS);
  uint64_t cur = 0, max = 0;
  get_size_limit(*m, &cur, &max);
  ST_CHECK_EQ(cur, 4 * P);
  ST_CHECK_EQ(max, 8 * P);
}

// Every allocation a fault, a copy and a fork make may fail: each failure
// is reported and leaves nothing behind (the leak audit checks).
UMACH_SELFTEST(vm_error_paths_under_fault_injection) {
  for (uint64_t n = 1; n < 200; ++n) {
    // Every round from the same start (no zone keeping the last round's
    // slab), so that allocation n is the same allocation in every build.
    drain_caches();
    MapRef m;
    if (!m.map) continue;
    uint64_t a = 0;
    if (allocate(*m, &a, 2 * P, true) != KERN_SUCCESS) continue;
    (void)write_u64(*m, a, 1);
    fault_inject::fail_nth(n);
    bool ok = write_u64(*m, a + P, 2);
    VmMapCopy* c = nullptr;
    if (ok && read(*m, a, 2 * P, &c) == KERN_SUCCESS) {
      Result<uint64_t> d = copyout(*m, c);
      if (!d.ok()) discard(c);
      ok = d.ok() && write_u64(*m, d.value(), 3);
    }
    VmMap* child = ok ? map_fork(*m) : nullptr;
    if (child) {
      ok = write_u64(*child, a, 4) && read_u64(*m, a) == 1;
      child->unref();
    } else {
      ok = false;
    }
    fault_inject::fail_nth(0);
    {
      SpinlockGuard hold(g_vm_lock);
      m.map->check_invariants();
    }
    if (ok) break;
  }
}

}  // namespace umach::vm

namespace umach::vm {
namespace {

// The property test's plain model: per task, a byte per page slot (the
// value of the page's first word), or "unmapped"; sharing is modelled by
// slots that name a shared cell.
constexpr int kTasks = 4;
constexpr int kSlots = 8;  // pages per task region
constexpr int kCells = 64;

struct Model {
  // For each task and slot: -1 unmapped, else a cell index; values in cells.
  int slot[kTasks][kSlots];
  uint64_t cell[kCells * 8];
  int ncells = 0;
  int new_cell(uint64_t v) {
    cell[ncells] = v;
    return ncells++;
  }
};

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

}  // namespace

// Random allocate / write / copy / fork / deallocate / protect / share on
// several maps, compared page by page with a plain model after each step.
UMACH_SELFTEST(vm_property_random_operations_match_a_model) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Rng rng{seed * 0x9e3779b97f4a7c15ull};
    VmMap* maps[kTasks] = {};
    Model model;
    uint64_t base = 0;
    maps[0] = VmMap::create(nullptr);
    ST_CHECK(maps[0] != nullptr);
    if (!maps[0]) return;
    base = maps[0]->min() + (uint64_t{1} << 30);
    // Sharing is exact only between maps made by fork with SHARE; the model
    // gives every slot its own cell unless a share says otherwise.
    for (int t = 0; t < kTasks; ++t)
      for (int s = 0; s < kSlots; ++s) model.slot[t][s] = -1;
    int live = 1;
    for (int step = 0; step < 120 && model.ncells < kCells * 8 - kSlots * kTasks * 2; ++step) {
      int t = rng.below(live);
      VmMap& m = *maps[t];
      int s = rng.below(kSlots);
      uint64_t va = base + static_cast<uint64_t>(s) * P;
      switch (rng.below(7)) {
        case 0: {  // allocate one page (fixed)
          uint64_t at = va;
          kern_return_t kr = allocate(m, &at, P, false);
          ST_CHECK_EQ(kr, model.slot[t][s] < 0 ? KERN_SUCCESS : KERN_NO_SPACE);
          if (kr == KERN_SUCCESS) model.slot[t][s] = model.new_cell(0);
          break;
        }
        case 1:
        case 2: {  // write
          uint64_t v = rng.next() | 1;
          bool ok = write_u64(m, va, v);
          ST_CHECK_EQ(ok, model.slot[t][s] >= 0);
          if (ok) model.cell[model.slot[t][s]] = v;
          break;
        }
        case 3: {  // vm_copy one slot onto another of the same task
          int d = rng.below(kSlots);
          kern_return_t kr = copy(m, va, P, base + static_cast<uint64_t>(d) * P);
          bool ok = model.slot[t][s] >= 0 && model.slot[t][d] >= 0;
          ST_CHECK_EQ(kr == KERN_SUCCESS, ok);
          if (ok) model.cell[model.slot[t][d]] = model.cell[model.slot[t][s]];
          break;
        }
        case 4: {  // fork into a free task slot, or replace the last one
          int c = live < kTasks ? live : kTasks - 1;
          if (c == t) break;
          if (live == kTasks) {
            maps[c]->unref();
            maps[c] = nullptr;
          }
          // One random slot is shared with the child, the rest copied.
          int shared = rng.below(kSlots);
          if (model.slot[t][shared] >= 0) ST_CHECK_EQ(inherit(m, base + shared * P, P, VM_INHERIT_SHARE), KERN_SUCCESS);
          maps[c] = map_fork(m);
          ST_CHECK(maps[c] != nullptr);
          if (!maps[c]) {
            live = c;
            break;
          }
          if (model.slot[t][shared] >= 0) ST_CHECK_EQ(inherit(m, base + shared * P, P, VM_INHERIT_COPY), KERN_SUCCESS);
          for (int k = 0; k < kSlots; ++k) {
            int cellk = model.slot[t][k];
            if (cellk < 0)
              model.slot[c][k] = -1;
            else if (k == shared)
              model.slot[c][k] = cellk;
            else
              model.slot[c][k] = model.new_cell(model.cell[cellk]);
          }
          // The parent's shared slot now shares with the child: splitting
          // it from other sharers is not modelled, so un-share those.
          if (live < kTasks) ++live;
          break;
        }
        case 5: {  // deallocate
          ST_CHECK_EQ(deallocate(m, va, P), KERN_SUCCESS);
          model.slot[t][s] = -1;
          break;
        }
        case 6: {  // protect read-only and back: contents survive
          kern_return_t kr = protect(m, va, P, false, VM_PROT_READ);
          ST_CHECK_EQ(kr == KERN_SUCCESS, model.slot[t][s] >= 0);
          if (kr == KERN_SUCCESS) {
            ST_CHECK(!write_u64(m, va, 1));
            ST_CHECK_EQ(protect(m, va, P, false, VM_PROT_DEFAULT), KERN_SUCCESS);
          }
          break;
        }
      }
      // Everything reads as the model says.
      for (int tt = 0; tt < live; ++tt)
        for (int k = 0; k < kSlots; ++k) {
          uint64_t v = 0;
          kern_return_t kr = map_read(*maps[tt], base + static_cast<uint64_t>(k) * P, &v, sizeof v);
          if (model.slot[tt][k] < 0) {
            ST_CHECK_EQ(kr, KERN_INVALID_ADDRESS);
          } else {
            ST_CHECK_EQ(kr, KERN_SUCCESS);
            ST_CHECK_EQ(v, model.cell[model.slot[tt][k]]);
          }
        }
      {
        SpinlockGuard hold(g_vm_lock);
        for (int tt = 0; tt < live; ++tt) maps[tt]->check_invariants();
      }
      if (selftest_ctx.failed()) break;
    }
    for (VmMap*& mm : maps)
      if (mm) mm->unref();
    if (selftest_ctx.failed()) return;
  }
}

}  // namespace umach::vm

namespace umach::vm {
namespace {

uint64_t pattern(uint64_t page, unsigned round) { return page * 0x9e3779b97f4a7c15ull + round; }

// Pages [first, first + n) of the region at a hold their pattern at both ends.
bool holds_pattern(VmMap& m, uint64_t a, uint64_t n, unsigned round, uint64_t first = 0) {
  for (uint64_t i = first; i < first + n; ++i)
    if (read_u64(m, a + i * P) != pattern(i, round) || read_u64(m, a + i * P + P - 8) != ~pattern(i, round))
      return false;
  return true;
}

bool write_pattern(VmMap& m, uint64_t a, uint64_t n, unsigned round) {
  for (uint64_t i = 0; i < n; ++i)
    if (!write_u64(m, a + i * P, pattern(i, round)) || !write_u64(m, a + i * P + P - 8, ~pattern(i, round)))
      return false;
  return true;
}

size_t paged_out() { return page_counts().paged_out; }

}  // namespace

// Pageout (vm/pageout.h) moves every page it can to the swap area; each
// comes back with its bytes at its next use, through copies and forks too,
// and a page paged in and left clean is paged out again without a write.
UMACH_SELFTEST(vm_pageout_and_back_keeps_every_byte) {
  constexpr uint64_t kPages = 64;
  const SwapCounts start = swap_counts();
  if (start.total - start.used < 8 * kPages) return;  // no swap (or no room) here
  {
    MapRef m;
    uint64_t a = 0;
    ST_CHECK_EQ(allocate(*m, &a, kPages * P, true), KERN_SUCCESS);
    ST_CHECK(write_pattern(*m, a, kPages, 1));
    ST_CHECK(pageout(~size_t{0} >> 1) >= kPages);
    ST_CHECK(paged_out() >= kPages);
    const SwapCounts out = swap_counts();
    ST_CHECK(out.used >= start.used + kPages);
    ST_CHECK(holds_pattern(*m, a, kPages, 1));
    ST_CHECK(swap_counts().reads >= out.reads + kPages);

    // Clean pages go out again without a write; rewritten ones are written.
    const uint64_t writes = swap_counts().writes;
    ST_CHECK(pageout(~size_t{0} >> 1) >= kPages);
    ST_CHECK_EQ(swap_counts().writes, writes);
    ST_CHECK(write_pattern(*m, a, kPages / 2, 2));
    ST_CHECK(pageout(~size_t{0} >> 1) >= kPages / 2);  // the other half is out already
    ST_CHECK(swap_counts().writes >= writes + kPages / 2);
    ST_CHECK(holds_pattern(*m, a, kPages / 2, 2));
    ST_CHECK(holds_pattern(*m, a, kPages / 2, 1, kPages / 2));

    // A copy and a fork made while the pages are out see them.
    ST_CHECK(pageout(~size_t{0} >> 1) >= kPages);
    uint64_t b = 0;
    ST_CHECK_EQ(allocate(*m, &b, kPages * P, true), KERN_SUCCESS);
    ST_CHECK_EQ(copy(*m, a, kPages * P, b), KERN_SUCCESS);
    ST_CHECK(pageout(~size_t{0} >> 1) > 0);
    {
      MapRef child(map_fork(*m), true);
      ST_CHECK(child.map != nullptr);
      if (child.map) ST_CHECK(holds_pattern(*child, b, kPages / 2, 2));
    }
    ST_CHECK(holds_pattern(*m, b, kPages / 2, 1, kPages / 2));
    // Every slot goes with its page (other memory paged out keeps its
    // own): both regions' pages have theirs (b's paged in clean keep them).
    const size_t used = swap_counts().used;
    ST_CHECK_EQ(deallocate(*m, a, kPages * P), KERN_SUCCESS);
    ST_CHECK_EQ(deallocate(*m, b, kPages * P), KERN_SUCCESS);
    ST_CHECK(swap_counts().used + 2 * kPages <= used);
  }
}

// An object default_pager_object_create made goes with the last send
// right to its port, even when memory is short just then: the kernel's
// no-senders notification to the port needs none (ipc/kobject.h,
// kobject_notify). Were its message or its dispatch's answer buffer
// refused, the notification would be lost for good and the object, with
// its pages and swap slots, left for ever (the leak audit checks).
UMACH_SELFTEST(vm_default_pager_object_goes_with_its_last_send_right_when_memory_is_short) {
  for (uint64_t n = 1; n <= 3; ++n) {
    ipc_port_t made = nullptr;
    ST_CHECK_EQ(kserver::default_pager_object_create(default_pager_port(), &made, 2 * P), KERN_SUCCESS);
    if (!made) return;
    RefPtr<ipc::Port> port = RefPtr<ipc::Port>::share(made);  // to see it die
    ipc::TransitRight last{made, MACH_MSG_TYPE_PORT_SEND, false};
    fault_inject::fail_nth(n);  // the nth allocation from here on fails
    ipc::release_transit_right(last);
    fault_inject::fail_nth(0);
    ST_CHECK(port->died_.load(kstd::MemoryOrder::acquire));
  }
}

// vm_map of a pager's port (pager_object) with each allocation failing in
// turn: it fails cleanly (an error, nothing left over: the leak audit),
// or the object is made and its pager got memory_object_init, even when
// the failure fell on that message's own buffer: the record set one
// aside before the object was made (ipc::KmsgReserve). (Before, that
// message was lost, and the kernel took the pager for dead: its object's
// faults failed.) Some injected failure is checked to have been absorbed
// (it fell on that buffer, the reserve taken instead).
UMACH_SELFTEST(vm_pager_object_is_made_with_its_init_or_not_at_all) {
  bool init_from_reserve = false;
  for (uint64_t n = 1;; ++n) {
    // Every round from the same start: a zone holding the last round's
    // empty slab would skip a page allocation, and the count would shift
    // (the round failing the init's buffer then failing nothing).
    drain_caches();
    ipc::Port* port = test_pager_port();
    ST_CHECK(port != nullptr);
    if (!port) return;
    VmObject* o = nullptr;
    const uint64_t injected = fault_inject::injected_count();
    fault_inject::fail_nth(n);
    const kern_return_t kr = pager_object(port, &o);
    fault_inject::fail_nth(0);
    const bool failed_one = fault_inject::injected_count() != injected;
    if (kr != KERN_SUCCESS) {
      ST_CHECK(failed_one);
      ST_CHECK_EQ(kr, KERN_RESOURCE_SHORTAGE);
    } else {
      bool dead;
      {
        SpinlockGuard hold(g_vm_lock);
        dead = o->pager()->dead;
      }
      ST_CHECK(!dead);
      ST_CHECK_EQ(queued_on(port), 1u);  // memory_object_init
      init_from_reserve |= failed_one;
    }
    end_test_pager(port, o);
    if (!failed_one) break;  // nothing left to fail
  }
  ST_CHECK(init_from_reserve);
}

// A COPY_CALL copy is announced to both pagers (memory_object_copy to the
// source's, memory_object_init on the copy's new port) even when memory
// is short just then: CopyPagers::make set both buffers aside before the
// copy began (ipc::KmsgReserve). (Were either message lost, the kernel
// would take the copy's pager for dead, and the copy's faults would
// fail.) vm_read runs with each allocation failing in turn (the copy's,
// the pager records' and, as the read ends, the announce's): it fails
// cleanly, or the copy is made and both pagers heard of it. (With
// CopyPagers::make setting nothing aside, the rounds failing the two
// messages' buffers fail here.)
UMACH_SELFTEST(vm_a_copy_by_call_is_announced_even_with_memory_short) {
  for (uint64_t n = 1;; ++n) {
    drain_caches();  // every round from the same start
    ipc::Port* port;
    VmObject* o;
    if (!ready_test_pager(selftest_ctx, &port, &o, MEMORY_OBJECT_COPY_CALL)) return;
    bool failed_one = false;
    {
      MapRef m;
      uint64_t x = 0;
      ST_CHECK_EQ(map_object(*m, &x, 2 * P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
                  KERN_SUCCESS);
      const size_t before = queued_on(port);  // (memory_object_init)
      VmMapCopy* c = nullptr;
      const uint64_t injected = fault_inject::injected_count();
      fault_inject::fail_nth(n);
      const kern_return_t kr = read(*m, x, 2 * P, &c);  // the copy, then its announce
      fault_inject::fail_nth(0);
      failed_one = fault_inject::injected_count() != injected;
      Pager* made = nullptr;
      if (kr != KERN_SUCCESS) {
        ST_CHECK(failed_one);
        ST_CHECK_EQ(kr, KERN_RESOURCE_SHORTAGE);
        ST_CHECK_EQ(queued_on(port), before);
      } else {
        SpinlockGuard hold(g_vm_lock);
        VmObject* copy = c->entries ? c->entries->object : nullptr;
        made = copy ? copy->pager() : nullptr;
        ST_CHECK(made != nullptr);
        if (made) ST_CHECK(made != o->pager());
        if (made) made->ref();
      }
      if (made) {
        bool announced, dead;
        {
          SpinlockGuard hold(g_vm_lock);
          announced = made->announced;
          dead = made->dead;
        }
        ST_CHECK(announced);
        ST_CHECK(!dead);
        ST_CHECK_EQ(queued_on(port), before + 1);  // memory_object_copy, with the new port's receive right
        ST_CHECK_EQ(queued_on(made->port), 1u);    // memory_object_init, queued on that port
        made->unref();
      }
      if (c) discard(c);
    }
    end_test_pager(port, o);
    if (!failed_one) break;  // nothing left to fail
  }
}

// VM_SYNC_SYNCHRONOUS: the data_returns for the range are on the pager's
// port when vm_msync returns, also one another thread took to send first.
// Here a second thread syncs the same page asynchronously all along, and
// the test writes it and syncs synchronously, over and over: every write
// makes one dirty spell, so after the sync of the n-th write the n-th
// return must be queued, whoever sent it. (With more than one CPU the
// other thread now and then takes the page between the write and the
// sync: a sync that sent only what it found itself returned before that
// return was queued, which this test caught within some hundreds of
// rounds.)
struct SyncRace {
  VmMap* map;
  uint64_t at;
  kstd::Atomic<bool> stop{false};
  kstd::Atomic<uint64_t> begun{0};  // the other thread's syncs begun
};

void async_syncer(void* arg) {
  auto* r = static_cast<SyncRace*>(arg);
  while (!r->stop.load(kstd::MemoryOrder::acquire)) {
    r->begun.fetch_add(1, kstd::MemoryOrder::acq_rel);
    (void)msync(*r->map, r->at, P, VM_SYNC_ASYNCHRONOUS);
    sched::thread_yield();
  }
}

UMACH_SELFTEST(vm_synchronous_msync_waits_for_a_return_another_thread_sends) {
  ipc::Port* port;
  VmObject* o;
  if (!ready_test_pager(selftest_ctx, &port, &o)) return;
  ST_CHECK_EQ(supply_zeros(o->pager()->control, 0), KERN_SUCCESS);
  {
    MapRef m;
    SyncRace race{m.map, 0};
    ST_CHECK_EQ(map_object(*m, &race.at, P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
                KERN_SUCCESS);
    // On another CPU where there is one (bound: a yield here would take it).
    const int elsewhere = sched::cpu_count() > 1 ? static_cast<int>((this_cpu().id + 1) % sched::cpu_count()) : -1;
    auto other = sched::kernel_thread("msync async", async_syncer, &race, sched::kPriorityKernel, elsewhere);
    ST_CHECK(other.ok());
    auto drain = [&]() {
      uint64_t taken = 0;
      while (queued_on(port) > 0) {
        ipc::Kmsg* k = nullptr;
        if (ipc::receive_from_kernel_port(port, &k) != MACH_MSG_SUCCESS || !k) break;
        ipc::kmsg_destroy(k);
        ++taken;
      }
      return taken;
    };
    drain();  // memory_object_init
    uint64_t received = 0;  // returns taken off the port so far
    // (The race is rare: many rounds where it can happen, a few where not.)
    const uint64_t rounds = elsewhere >= 0 ? 5000 : 100;
    for (uint64_t n = 1; n <= rounds; ++n) {
      ST_CHECK(write_u64(*m, race.at, n));
      // Into the other thread's sync (or after it, on one CPU).
      const uint64_t seen = race.begun.load(kstd::MemoryOrder::acquire);
      for (int i = 0; i < 1000 && race.begun.load(kstd::MemoryOrder::acquire) == seen; ++i) sched::thread_yield();
      ST_CHECK_EQ(msync(*m, race.at, P, VM_SYNC_SYNCHRONOUS), KERN_SUCCESS);
      const uint64_t queued = queued_on(port);
      if (received + queued != n) {
        ST_CHECK_EQ(received + queued, n);
        break;
      }
      received += drain();
    }
    race.stop.store(true, kstd::MemoryOrder::release);
    if (other.ok()) sched::thread_join(*other.value());
  }
  end_test_pager(port, o);
}

// A page whose data_return cannot be sent for want of memory for the
// message goes back to its object, dirty, rather than be lost. Walked
// with each allocation of a vm_msync failing in turn, the kernel keeping
// its page (plain) or not (VM_SYNC_INVALIDATE): each time, the written
// data is either in a data_return queued on the pager's port, or still
// the object's page and dirty, so that a vm_msync with memory returns it.
// The pager is a port the test holds, its object ready and supplied by
// calling the kernel's routines directly.
UMACH_SELFTEST(vm_a_return_that_cannot_be_sent_keeps_its_page) {
  for (int pass = 0; pass < 2; ++pass) {
    const bool flush = pass == 1;
    bool kept_one = false;  // some round's return message found no memory (the walk reached it)
    for (uint64_t n = 1;; ++n) {
      drain_caches();  // every round from the same start (vm_pager_object_is_made_with_its_init_or_not_at_all)
      ipc::Port* port;
      VmObject* o;
      if (!ready_test_pager(selftest_ctx, &port, &o)) return;
      ipc::Port* control = o->pager()->control;
      ST_CHECK_EQ(supply_zeros(control, 0), KERN_SUCCESS);
      bool failed_one = false;
      {
        MapRef m;
        uint64_t x = 0;
        ST_CHECK_EQ(map_object(*m, &x, P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
                    KERN_SUCCESS);
        ST_CHECK(write_u64(*m, x, 0xd1e7));
        const unsigned flags = VM_SYNC_SYNCHRONOUS | (flush ? VM_SYNC_INVALIDATE : 0u);
        const size_t before = queued_on(port);
        uint64_t unsent;
        {
          SpinlockGuard hold(g_vm_lock);
          unsent = g_counters.returns_unsent;
        }
        const uint64_t injected = fault_inject::injected_count();
        fault_inject::fail_nth(n);
        ST_CHECK_EQ(msync(*m, x, P, flags), KERN_SUCCESS);
        fault_inject::fail_nth(0);
        failed_one = fault_inject::injected_count() != injected;
        {
          SpinlockGuard hold(g_vm_lock);
          kept_one |= g_counters.returns_unsent != unsent;  // (not a failure before the return was made)
        }
        if (queued_on(port) == before) {
          bool here;
          {
            SpinlockGuard hold(g_vm_lock);
            VmPage* page = o->lookup(0);
            here = page && page->dirty;
          }
          ST_CHECK(here);  // not returned: still here to return
          if (here) ST_CHECK_EQ(read_u64(*m, x), 0xd1e7u);
          ST_CHECK_EQ(msync(*m, x, P, flags), KERN_SUCCESS);
          ST_CHECK_EQ(queued_on(port), before + 1);
        }
        // (Flushed, the page is the pager's: a read would wait for it.)
        if (!flush) ST_CHECK_EQ(read_u64(*m, x), 0xd1e7u);
      }
      end_test_pager(port, o);
      if (!failed_one) break;  // nothing left to fail
    }
    ST_CHECK(kept_one);
  }
}

// gsync_wait on a word a pager has not given waits for the pager outside
// the gsync bucket's lock: a gsync_wake on the same word meanwhile (a
// pager's own lock, say) goes through instead of spinning on a lock whose
// holder sleeps. Then the page comes, the wait sleeps on the word, and the
// next wake ends it.
namespace {

struct GsyncRun {
  VmMap* map;
  uint64_t addr;
  kstd::Atomic<int> waited{-1};
  kstd::Atomic<int> woke{-1};
};

void gsync_waiter(void* arg) {
  auto* r = static_cast<GsyncRun*>(arg);
  r->waited.store(gsync::wait(*r->map, r->addr, 0, 0, 0, 0));
}

void gsync_waker(void* arg) {
  auto* r = static_cast<GsyncRun*>(arg);
  r->woke.store(gsync::wake(*r->map, r->addr, 0, 0));
}

template <class Done>
bool within_a_second(Done done) {
  for (int i = 0; i < 1000 && !done(); ++i) sched::sleep_ns(1'000'000);
  return done();
}

}  // namespace

namespace {

struct CopyRun {
  VmMap* map;
  uint64_t addr;
  uint64_t size;
  VmMapCopy* copy = nullptr;
  kstd::Atomic<int> kr{-1};
};

void copy_reader(void* arg) {
  auto* r = static_cast<CopyRun*>(arg);
  VmMapCopy* c = nullptr;
  const kern_return_t kr = read(*r->map, r->addr, r->size, &c);
  r->copy = c;
  r->kr.store(kr, kstd::MemoryOrder::release);
}

}  // namespace

// A COPY_NONE copy asks for the pages its object lacks one at a time,
// and after each wait looks on from where it stopped (copy_needs,
// PagerWait::scan); a page before that point that went meanwhile (here
// flushed by the pager) is asked for again, and the copy has every page.
UMACH_SELFTEST(vm_a_copy_none_asks_again_for_a_page_lost_while_it_waited) {
  ipc::Port* port;
  VmObject* o;
  if (!ready_test_pager(selftest_ctx, &port, &o, MEMORY_OBJECT_COPY_NONE)) return;
  ipc::Port* control = o->pager()->control;
  {
    MapRef m;
    uint64_t x = 0;
    ST_CHECK_EQ(map_object(*m, &x, 3 * P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
                KERN_SUCCESS);
    CopyRun run{m.map, x, 3 * P};
    const size_t before = queued_on(port);  // (memory_object_init)
    auto reader = sched::kernel_thread("copy reader", copy_reader, &run);
    ST_CHECK(reader.ok());
    if (reader.ok()) {
      // Each request answered with a page; after the second, the first
      // page goes again.
      uint64_t asked[6] = {};
      size_t requests = 0;
      while (requests < 6) {
        const bool more = within_a_second(
            [&] { return queued_on(port) > before + requests || run.kr.load(kstd::MemoryOrder::acquire) != -1; });
        ST_CHECK(more);
        if (!more || queued_on(port) == before + requests) break;  // the copy is done
        uint64_t offset = ~uint64_t{0};
        {
          SpinlockGuard hold(g_vm_lock);
          for (uint64_t at = 0; at < 3 * P; at += P)
            if (o->pager()->find_request(at, false)) offset = at;
        }
        ST_CHECK(offset != ~uint64_t{0});
        if (offset == ~uint64_t{0}) break;
        asked[requests++] = offset;
        if (requests == 2)
          ST_CHECK_EQ(kserver::memory_object_lock_request(control, asked[0], P, MEMORY_OBJECT_RETURN_NONE, TRUE,
                                                          VM_PROT_NONE, nullptr, MACH_MSG_TYPE_PORT_SEND_ONCE),
                      KERN_SUCCESS);
        ST_CHECK_EQ(supply_zeros(control, offset), KERN_SUCCESS);
      }
      if (run.kr.load(kstd::MemoryOrder::acquire) == -1 && !within_a_second([&] {
            return run.kr.load(kstd::MemoryOrder::acquire) != -1;
          })) {
        // Failed above, the reader still waiting: the pager's death ends
        // its wait (the copy fails), rather than the join never returning.
        ipc::destroy_receive_right(kstd::exchange(port, nullptr));
        reap_pagers();
      }
      sched::thread_join(*reader.value());
      ST_CHECK_EQ(run.kr.load(kstd::MemoryOrder::acquire), KERN_SUCCESS);
      // Three pages, and the one flushed again.
      ST_CHECK_EQ(requests, 4u);
      ST_CHECK_EQ(asked[0], 0u);
      ST_CHECK_EQ(asked[1], P);
      ST_CHECK_EQ(asked[2], 2 * P);
      ST_CHECK_EQ(asked[3], 0u);
      if (run.copy) {
        SpinlockGuard hold(g_vm_lock);
        for (uint64_t at = 0; at < 3 * P; at += P)
          ST_CHECK(run.copy->entries && run.copy->entries->object->chain_lookup(run.copy->entries->offset + at));
      }
    }
    if (run.copy) discard(run.copy);
  }
  if (port) {
    end_test_pager(port, o);
  } else {
    SpinlockGuard hold(g_vm_lock);
    VmObject::deallocate(o);
  }
  reap_pagers();
}

UMACH_SELFTEST(vm_gsync_wait_waits_for_a_pager_outside_its_bucket) {
  ipc::Port* port;
  VmObject* o;
  if (!ready_test_pager(selftest_ctx, &port, &o)) return;
  ipc::Port* control = o->pager()->control;
  {
    MapRef m;
    uint64_t x = 0;
    ST_CHECK_EQ(map_object(*m, &x, P, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_NONE),
                KERN_SUCCESS);
    GsyncRun run{m.map, x};
    const size_t before = queued_on(port);
    auto waiter = sched::kernel_thread("gsync waiter", gsync_waiter, &run);
    ST_CHECK(waiter.ok());
    if (waiter.ok()) {
      // Its data_request arrives: it waits for the pager.
      ST_CHECK(within_a_second([&] { return queued_on(port) > before; }));
      auto waker = sched::kernel_thread("gsync waker", gsync_waker, &run);
      ST_CHECK(waker.ok());
      if (waker.ok()) {
        ST_CHECK(within_a_second([&] { return run.woke.load() != -1; }));
        ST_CHECK_EQ(run.woke.load(), KERN_INVALID_ARGUMENT);  // went through, and found nobody asleep yet
      }
      // The page (a zero word): the waiter sleeps on it until woken.
      ST_CHECK_EQ(supply_zeros(control, 0), KERN_SUCCESS);
      ST_CHECK(within_a_second([&] { return gsync::waiters() > 0 || run.waited.load() != -1; }));
      while (run.waited.load() == -1) {
        (void)gsync::wake(*m.map, x, 0, 0);
        sched::sleep_ns(1'000'000);
      }
      ST_CHECK_EQ(run.waited.load(), KERN_SUCCESS);
      if (waker.ok()) sched::thread_join(*waker.value());
      sched::thread_join(*waiter.value());
    }
  }
  end_test_pager(port, o);
}

}  // namespace umach::vm
