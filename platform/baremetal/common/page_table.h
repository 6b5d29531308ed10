// platform/baremetal/common/page_table.h: the radix page tables behind the
// bare-metal pmaps, written once for both ISAs.
//
// x86-64 4-level paging and RISC-V Sv39 are the same tree: 4 KiB tables of
// 512 8-byte entries, 9 bits of the virtual address per level, 4 KiB pages
// at level 0. Only the entry format differs; each ISA describes it in an
// `Mmu` struct (amd64/pmap.h, riscv64/pmap.h) giving
//   kLevels              levels of tables; the root is level kLevels - 1
//   kUserMin, kUserMax   the user range [min, max), page aligned; min is a
//                        root-entry boundary and max lies in the lower half
//   valid(e)             e maps something: a table, or a page at level 0
//   entry_pa(e)          the physical address of what e maps
//   table_entry(pa)      an entry of a user-range table pointing at table pa
//
// Ownership: a pmap's root, and every table reached from the root entries
// that cover the user range (its "user entries"), are the pmap's own pages
// from page_allocator(). The root's other entries are copies of the kernel
// root's: what they reach is the kernel's (the identity map), shared by
// every pmap and never written or freed here. Only 4 KiB pages are mapped
// in the user range, so there every valid entry above level 0 is a table.
// Tables are reached through the direct map (Platform::phys_to_virt).
// A table is not freed when its last entry goes: it stays, empty, until
// free_all (pmap_destroy), so removing costs only the entries it clears and
// a pmap holds at most the tables its largest working set needed.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/result.h"

namespace umach::baremetal {

template <class Mmu>
class PageTables {
 public:
  using Pte = uint64_t;
  static constexpr unsigned kRootLevel = Mmu::kLevels - 1;
  static constexpr unsigned kEntries = 512;

  // The bytes one entry at `level` maps.
  static constexpr uint64_t span(unsigned level) { return uint64_t{Platform::kPageSize} << (9 * level); }
  static constexpr unsigned index(uint64_t va, unsigned level) { return (va / span(level)) % kEntries; }

  static_assert(Mmu::kUserMin % span(kRootLevel) == 0, "the user range starts on a root entry of its own");
  static_assert(Mmu::kUserMin < Mmu::kUserMax && Mmu::kUserMax <= span(kRootLevel) * kEntries / 2,
                "the user range lies in the lower half");
  static_assert(Mmu::kUserMax % Platform::kPageSize == 0);
  static constexpr unsigned kUserFirst = index(Mmu::kUserMin, kRootLevel);
  static constexpr unsigned kUserLast = index(Mmu::kUserMax - 1, kRootLevel);

  static Pte* table(paddr_t pa) { return static_cast<Pte*>(Platform::phys_to_virt(pa)); }

  // One store, so the hardware walker never sees half an entry.
  static void store(Pte& e, Pte value) { __atomic_store_n(&e, value, __ATOMIC_RELAXED); }

  // A new root: the kernel's entries copied from `kernel_root`, the user
  // entries empty.
  static Result<paddr_t> make_root(paddr_t kernel_root) {
    paddr_t root = UMACH_TRY(page_allocator().alloc_zeroed());
    Pte* t = table(root);
    const Pte* k = table(kernel_root);
    for (unsigned i = 0; i < kEntries; ++i)
      if (i < kUserFirst || i > kUserLast) t[i] = k[i];
    return root;
  }

  // The level-0 entry for the page at user address `va`, or null when a
  // table on the way is missing.
  static Pte* find(paddr_t root, uint64_t va) {
    Pte* t = table(root);
    for (unsigned level = kRootLevel; level > 0; --level) {
      Pte e = t[index(va, level)];
      if (!Mmu::valid(e)) return nullptr;
      t = table(Mmu::entry_pa(e));
    }
    return &t[index(va, 0)];
  }

  // The same, making the missing tables. Null when a table cannot be
  // allocated; the tables made before that stay, empty (see above).
  static Pte* find_or_make(paddr_t root, uint64_t va) {
    Pte* t = table(root);
    for (unsigned level = kRootLevel; level > 0; --level) {
      Pte& e = t[index(va, level)];
      if (!Mmu::valid(e)) {
        Result<paddr_t> page = page_allocator().alloc_zeroed();
        if (!page.ok()) return nullptr;
        store(e, Mmu::table_entry(page.value()));
      }
      t = table(Mmu::entry_pa(e));
    }
    return &t[index(va, 0)];
  }

  // Calls fn(page_va, entry) for each valid level-0 entry of the pages in
  // [va, end), in address order; a missing table's whole span is skipped
  // in one step. fn may clear or rewrite the entry.
  template <class Fn>
  static void for_each_page(paddr_t root, uint64_t va, uint64_t end, Fn&& fn) {
    while (va < end) {
      unsigned level = kRootLevel;
      Pte* e = &table(root)[index(va, level)];
      while (level > 0 && Mmu::valid(*e)) {
        Pte* t = table(Mmu::entry_pa(*e));
        --level;
        e = &t[index(va, level)];
      }
      if (level == 0 && Mmu::valid(*e)) fn(va, *e);
      va = (va & ~(span(level) - 1)) + span(level);  // the next entry at this level
    }
  }

  // Frees every table the user entries of `root` reach, then root itself.
  static void free_all(paddr_t root) {
    const Pte* t = table(root);
    for (unsigned i = kUserFirst; i <= kUserLast; ++i)
      if (Mmu::valid(t[i])) free_table(Mmu::entry_pa(t[i]), kRootLevel - 1);
    page_allocator().free(root);
  }

 private:
  // Depth-first; recursion depth is at most kLevels - 1.
  static void free_table(paddr_t pa, unsigned level) {
    if (level > 0) {
      const Pte* t = table(pa);
      for (unsigned i = 0; i < kEntries; ++i)
        if (Mmu::valid(t[i])) free_table(Mmu::entry_pa(t[i]), level - 1);
    }
    page_allocator().free(pa);
  }
};

}  // namespace umach::baremetal
