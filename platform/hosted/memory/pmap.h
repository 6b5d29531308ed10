// platform/hosted/memory/pmap.h: the hosted pmap, one per address space.
//
// Owns the machine-level mappings of one task's address space inside its
// window (address_window.h). Two layers:
//   - entries: every page the VM entered (va -> pa, Mach protection), the
//     truth a Mach pmap keeps; they survive everything but remove().
//   - runs: the host mappings currently in place. A run is one mmap of the
//     memfd: virtually and physically contiguous pages with one protection,
//     at most kMaxRunPages long. Runs are a cache of the entries: the pmap
//     may forget any run (a Mach pmap may drop mappings) and the next touch
//     faults it back (fault_in).
// Referenced/modified bits are emulated from the host's protection: a
// run's host protection is PROT_NONE until it is referenced and read-only
// until it is modified; the fault path calls fault_in(), which upgrades
// the run. When a run goes away (forgotten, split, re-formed) its bits are
// kept in its pages' entries, so no modification is ever lost.
//   - Referenced is exact per page (it is pageout's referenced bit,
//     vm/pageout.h): a run holds either referenced pages only (its bit
//     set) or unreferenced ones only (clear in the run and in their
//     entries). Clearing a page's bit takes it out of its run (its host
//     mapping becomes a reservation); a fault on it, or on a page of an
//     unreferenced run, references that page alone; runs form only of
//     pages alike (map_around_locked), so used pages join up again.
//   - Modified is per run, conservatively (a write to one page marks its
//     whole run), so host mappings stay few: the host allows ~65,000 per
//     process.
// The budget caps the runs of this pmap; past it, the least recently used
// runs are forgotten.
//
// While its range is held by another address space (a shared range,
// address_window.h), a pmap is not resident: it only records entries, and
// AddressRange::activate() maps them back.
//
// Locking: one spinlock per pmap guards everything; host system calls run
// under it (they are short, and spinlocks yield on hosted). Its rank is
// LockRank::kPmap (core/lock_order.h): inside an address range's lock, and
// outside the zones and the page allocator it may allocate from.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <map>

#include "core/kstd/atomic.h"
#include "core/result.h"
#include "core/spinlock.h"
#include "platform/hosted/memory/physmem.h"

namespace umach::hosted {

class AddressRange;

// What the fault path learns from fault_in().
enum class FaultOutcome {
  kResolved,    // mapped (again) or upgraded: retry the access
  kNotEntered,  // no entry at va: the VM must resolve it (vm_fault)
  kProtection,  // the entry forbids this access: vm_fault or an exception
};

class Pmap {
 public:
  static constexpr size_t kMaxRunPages = 16;      // 64 KiB: "map around" a fault
  static constexpr size_t kDefaultBudget = 1024;  // host mappings per pmap

  // The pmap of an address space in `range` (which must outlive it). It is
  // resident if nobody holds the range yet.
  explicit Pmap(AddressRange& range, size_t budget = kDefaultBudget);
  ~Pmap();  // removes every mapping
  Pmap(const Pmap&) = delete;
  Pmap& operator=(const Pmap&) = delete;

  AddressRange& range() const { return range_; }

  // Maps `size` bytes from physical `pa` at `va` (page aligned, inside the
  // range) with `prot` (kProt* bits, not kProtNone); replaces earlier
  // entries there. `access` is the access that made the VM enter the pages
  // (vm_fault's fault type): a write marks them referenced and modified and
  // maps them writable at once, a read marks them referenced, kProtNone
  // leaves both bits clear (the first touch faults). KERN_INVALID_ARGUMENT
  // for a bad range, KERN_RESOURCE_SHORTAGE if the host refuses the mapping.
  Result<void> enter(vaddr_t va, paddr_t pa, size_t size, unsigned prot, unsigned access = kProtRead)
      UMACH_EXCLUDES(lock_);
  // Sets the protection of the entries in [va, va + size); kProtNone
  // removes them, as Mach's pmap_protect does.
  Result<void> protect(vaddr_t va, size_t size, unsigned prot) UMACH_EXCLUDES(lock_);
  // Removes the entries in [va, va + size); the range stays reserved.
  void remove(vaddr_t va, size_t size) UMACH_EXCLUDES(lock_);
  // The physical address mapped at va, if any.
  Result<paddr_t> extract(vaddr_t va) const UMACH_EXCLUDES(lock_);

  // The fault path: an access to va (a write if `write`) faulted. Maps a
  // forgotten or unreferenced page back (with the referenced pages around
  // it) or upgrades its run's referenced/modified state; the VM is not
  // involved (kResolved). note_access is the same, named for callers that
  // emulate the hardware bits rather than resolve a fault.
  FaultOutcome fault_in(vaddr_t va, bool write) UMACH_EXCLUDES(lock_);
  FaultOutcome note_access(vaddr_t va, bool write) { return fault_in(va, write); }

  // The emulated bits of the page at va: true if it was touched since the
  // last clear (referenced: exactly; modified: it or, conservatively, any
  // page of its run was written). Clearing removes the page's host
  // mapping (referenced) or makes its run read-only (modified), so the
  // next such access faults. The entry and its protection stay.
  bool test_and_clear_referenced(vaddr_t va) UMACH_EXCLUDES(lock_);
  bool test_and_clear_modified(vaddr_t va) UMACH_EXCLUDES(lock_);
  bool is_referenced(vaddr_t va) const UMACH_EXCLUDES(lock_);
  bool is_modified(vaddr_t va) const UMACH_EXCLUDES(lock_);

  size_t host_mappings() const UMACH_EXCLUDES(lock_);  // runs in place now
  size_t entry_count() const UMACH_EXCLUDES(lock_);
  size_t budget() const { return budget_; }
  bool resident() const UMACH_EXCLUDES(lock_);

  void check_invariants() const UMACH_EXCLUDES(lock_);

 private:
  friend class AddressRange;
  enum : uint8_t { kReferenced = 1, kModified = 2 };

  struct Entry {
    paddr_t pa;
    uint8_t prot;
    uint8_t bits;  // referenced/modified of runs this page has left
  };
  struct Run {
    vaddr_t end;
    paddr_t pa;
    uint8_t prot;
    uint8_t bits;
    uint64_t stamp;  // key in lru_
  };
  using Runs = std::map<vaddr_t, Run>;

  // What the host allows a run with these emulated bits: nothing until it
  // is referenced (so the first touch faults), no writing until modified.
  static unsigned host_prot_of(unsigned prot, uint8_t bits) {
    if (!(bits & kReferenced)) return kProtNone;
    if (!(bits & kModified)) return prot & ~unsigned{kProtWrite};
    return prot;
  }

  // AddressRange::activate: evict every run / map entries back.
  void make_resident(bool resident) UMACH_EXCLUDES(lock_);

  bool in_range(vaddr_t va, size_t size) const;
  Runs::iterator run_at_locked(vaddr_t va) UMACH_REQUIRES(lock_);
  Runs::const_iterator run_at_locked(vaddr_t va) const UMACH_REQUIRES(lock_);
  void split_run_locked(vaddr_t va) UMACH_REQUIRES(lock_);
  void drop_run_locked(Runs::iterator run, bool reserve) UMACH_REQUIRES(lock_);
  void touch_locked(Runs::iterator run) UMACH_REQUIRES(lock_);
  void set_run_bits_locked(Runs::iterator run, uint8_t bits) UMACH_REQUIRES(lock_);
  bool map_around_locked(vaddr_t va, uint8_t bits) UMACH_REQUIRES(lock_);
  bool mergeable_locked(vaddr_t page, vaddr_t va, const Entry& e) const UMACH_REQUIRES(lock_);
  void enforce_budget_locked(size_t room) UMACH_REQUIRES(lock_);
  void remove_locked(vaddr_t va, size_t size) UMACH_REQUIRES(lock_);
  uint8_t bits_locked(vaddr_t va) const UMACH_REQUIRES(lock_);
  bool referenced_locked(vaddr_t page) const UMACH_REQUIRES(lock_);

  AddressRange& range_;
  const size_t budget_;
  mutable Spinlock lock_{LockRank::kPmap};
  bool resident_ UMACH_GUARDED_BY(lock_) = false;
  // resident_ for resident(), read without the lock: the user loop asks at
  // every return to user mode and every copy (TestTask::range_shared), and
  // a locked read would tell it nothing more (residency may change right
  // after either way; only the range's claim holds it).
  kstd::Atomic<bool> resident_now_{false};
  std::map<vaddr_t, Entry> entries_ UMACH_GUARDED_BY(lock_);  // by page address
  Runs runs_ UMACH_GUARDED_BY(lock_);                         // by first page
  std::map<uint64_t, vaddr_t> lru_ UMACH_GUARDED_BY(lock_);   // stamp -> run start
  uint64_t clock_ UMACH_GUARDED_BY(lock_) = 0;
};

}  // namespace umach::hosted
