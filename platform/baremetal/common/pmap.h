// platform/baremetal/common/pmap.h: the contract's pmap calls (PhysicalMaps
// in core/platform/contract.h) for both bare-metal ISAs, over the radix
// tables of page_table.h. Each ISA's pmap.cc defines PageTablePmaps'
// functions (common/machine_traits.h) as calls to PmapOps<its Mmu>.
//
// Beyond what page_table.h needs, the Mmu gives the leaf format and the
// calling CPU's view of translation:
//   leaf_entry(pa, prot, access)  a user page's entry (prot not NONE)
//   reprotect(e, prot)            e's page with protection prot (not NONE),
//                                 keeping e's accessed bit
//   kAccessed                     the leaf's accessed (referenced) bit
//   kernel_root()                 the root the kernel booted on
//   active(root)                  the calling CPU translates through root
//   flush(va)                     drops the calling CPU's translations of va
//   load_root(root)               switches the calling CPU to root and
//                                 drops every non-global translation
//
// TLB: a change to a pmap the calling CPU runs on flushes each page it
// touched; a pmap no CPU runs on needs nothing, since switching roots drops
// the old translations (neither ISA tags them with an ASID or PCID yet).
// There is one CPU today: with SMP, a change to a pmap that another CPU
// runs on will need a shootdown, and destroying one a remote switch.
// Locking: none. The VM makes every call under its lock (the contract); a
// pmap is activated by the thread that runs in it.
#pragma once

#include <mach/vm_prot.h>
#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"
#include "core/platform/platform.h"
#include "core/zone.h"
#include "platform/baremetal/common/page_table.h"

namespace umach::baremetal {

using ::umach::kNoPhys;

// The machine state of one address space.
struct Pmap {
  paddr_t root;  // owned, with the tables below its user entries (page_table.h)
};

[[clang::no_destroy]] inline constinit TypedZone<Pmap> g_pmaps("pmap");

template <class Mmu>
struct PmapOps {
  using Tables = PageTables<Mmu>;
  using Pte = typename Tables::Pte;
  static constexpr uint64_t kPageMask = Platform::kPageSize - 1;

  static Pmap* create() {
    Pmap* p = g_pmaps.create();
    if (!p) return nullptr;
    Result<paddr_t> root = Tables::make_root(Mmu::kernel_root());
    if (!root.ok()) {
      g_pmaps.destroy(p);
      return nullptr;
    }
    p->root = root.value();
    return p;
  }

  // A CPU may still translate through p: a thread with no address space
  // of its own keeps the last one loaded (the scheduler switches only to
  // threads that have one), so destroying it switches the calling CPU
  // away first. One CPU today; with SMP, every CPU that has p loaded.
  static void destroy(Pmap* p) {
    if (Mmu::active(p->root)) Mmu::load_root(Mmu::kernel_root());
    Tables::free_all(p->root);
    g_pmaps.destroy(p);
  }

  static bool enter(Pmap& p, uint64_t va, paddr_t pa, unsigned prot, unsigned access) {
    check_range(va, Platform::kPageSize);
    kassert((pa & kPageMask) == 0 && (prot & VM_PROT_ALL) != 0);
    Pte* e = Tables::find_or_make(p.root, va);
    if (!e) return false;
    Tables::store(*e, Mmu::leaf_entry(pa, prot & VM_PROT_ALL, access));
    if (Mmu::active(p.root)) Mmu::flush(va);
    return true;
  }

  static void protect(Pmap& p, uint64_t va, size_t size, unsigned prot) {
    check_range(va, size);
    prot &= VM_PROT_ALL;
    const bool active = Mmu::active(p.root);
    Tables::for_each_page(p.root, va, va + size, [&](uint64_t at, Pte& e) {
      Tables::store(e, prot == VM_PROT_NONE ? 0 : Mmu::reprotect(e, prot));
      if (active) Mmu::flush(at);
    });
  }

  static void remove(Pmap& p, uint64_t va, size_t size) { protect(p, va, size, VM_PROT_NONE); }

  static paddr_t extract(const Pmap& p, uint64_t va) {
    if (va < Mmu::kUserMin || va >= Mmu::kUserMax) return kNoPhys;
    const Pte* e = Tables::find(p.root, va & ~kPageMask);
    if (!e || !Mmu::valid(*e)) return kNoPhys;
    return Mmu::entry_pa(*e) + (va & kPageMask);
  }

  // The walker sets the accessed bit with an atomic update, so it is
  // cleared with one (a plain store could lose a dirty bit set meanwhile).
  // The calling CPU may hold the translation with the bit set: dropping it
  // makes the next access walk the tables again and set it (or fault,
  // where the hardware does not set it: vm_fault then enters the page
  // again, with the bit set).
  static bool test_and_clear_referenced(Pmap& p, uint64_t va) {
    check_range(va, Platform::kPageSize);
    Pte* e = Tables::find(p.root, va);
    if (!e || !Mmu::valid(*e)) return false;
    const Pte was = __atomic_fetch_and(e, ~Mmu::kAccessed, __ATOMIC_RELAXED);
    if (Mmu::active(p.root)) Mmu::flush(va);
    return (was & Mmu::kAccessed) != 0;
  }

  // The leaf entry mapping va, 0 if none: for self-tests and debuggers.
  static Pte leaf(const Pmap& p, uint64_t va) {
    if (va < Mmu::kUserMin || va >= Mmu::kUserMax) return 0;
    const Pte* e = Tables::find(p.root, va & ~kPageMask);
    return e ? *e : 0;
  }

  static void activate(const Pmap* p) { Mmu::load_root(p ? p->root : Mmu::kernel_root()); }
  // The scheduler's switch (contract: pmap_activate): loading a root drops
  // the CPU's translations, so only when it changes.
  static void activate_if_needed(const Pmap* p) {
    const paddr_t root = p ? p->root : Mmu::kernel_root();
    if (!Mmu::active(root)) Mmu::load_root(root);
  }

 private:
  // The VM never passes a range outside the pmap's; one that did could reach
  // the kernel's shared tables, so it is a bug worth stopping for.
  static void check_range(uint64_t va, size_t size) {
    kassert((va & kPageMask) == 0 && (size & kPageMask) == 0);
    kassert(va >= Mmu::kUserMin && va <= Mmu::kUserMax && size <= Mmu::kUserMax - va);
  }
};

}  // namespace umach::baremetal
