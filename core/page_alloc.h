// core/page_alloc.h: the physical page allocator.
//
// Owns every page of the ranges the platform reported at boot. A bitmap per
// range (one bit a page, set = allocated) lives in the first pages of the
// range itself. Single pages come from a next-fit scan of 64-page words
// (O(1) amortised while memory is not nearly full); runs of pages with an
// alignment come from a linear scan, which only zones' slabs use.
// A second bitmap remembers which pages may hold old data, so a page that
// was never used since a zero-filled boot is handed out as zeros for free.
// Later the VM's page database (VmPage, queues) sits on top of this.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/kstd/span.h"
#include "core/platform/contract.h"
#include "core/result.h"
#include "core/spinlock.h"

namespace umach {

class PageAllocator {
 public:
  static constexpr size_t kMaxRanges = 32;

  constexpr PageAllocator() = default;

  // Takes ownership of the ranges; called once at boot.
  void init(kstd::Span<const PhysRange> ranges) UMACH_EXCLUDES(lock_);
  bool initialized() const { return range_count_ != 0; }

  // `npages` contiguous pages whose physical address is a multiple of
  // `align_pages` pages (a power of two). KERN_RESOURCE_SHORTAGE when none.
  Result<paddr_t> alloc(size_t npages = 1, size_t align_pages = 1) UMACH_EXCLUDES(lock_);
  // One page of zeros: zeroed here unless it was never used since boot
  // on a machine whose RAM starts zero (Platform::kRamZeroAtBoot).
  Result<paddr_t> alloc_zeroed() UMACH_EXCLUDES(lock_);
  // Returns pages; freeing a page that is not allocated panics.
  void free(paddr_t pa, size_t npages = 1) UMACH_EXCLUDES(lock_);

  size_t free_pages() const UMACH_EXCLUDES(lock_);
  // The same without the lock: exact as of the last allocation or free,
  // for heuristics that must not take a lock on a fast path (the fault
  // path's pageout trigger, vm/pageout.h).
  size_t free_pages_unlocked() const { return free_hint_.load(kstd::MemoryOrder::relaxed); }
  size_t total_pages() const { return total_pages_; }

  void check_invariants() const UMACH_EXCLUDES(lock_);

 private:
  struct Range {
    paddr_t base = 0;     // first page the allocator hands out
    size_t pages = 0;
    uint64_t* bitmap = nullptr;
    uint64_t* dirty = nullptr;  // bit set: the page may hold old contents
    size_t hint = 0;      // word index where the next single-page scan starts
  };

  Range* range_of_locked(paddr_t pa, size_t npages) UMACH_REQUIRES(lock_);
  bool run_is_free_locked(const Range& r, size_t first, size_t n) const UMACH_REQUIRES(lock_);
  void mark_locked(Range& r, size_t first, size_t n, bool allocated) UMACH_REQUIRES(lock_);
  bool alloc_one_locked(paddr_t& out) UMACH_REQUIRES(lock_);
  bool alloc_run_locked(size_t n, size_t align, paddr_t& out) UMACH_REQUIRES(lock_);

  mutable Spinlock lock_{LockRank::kPageAllocator};
  Range ranges_[kMaxRanges] UMACH_GUARDED_BY(lock_);
  size_t range_count_ = 0;
  size_t total_pages_ = 0;
  size_t free_pages_ UMACH_GUARDED_BY(lock_) = 0;
  kstd::Atomic<size_t> free_hint_{0};  // free_pages_, stored after each change under lock_
};

PageAllocator& page_allocator();

}  // namespace umach
