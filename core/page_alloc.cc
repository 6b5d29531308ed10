// core/page_alloc.cc: see page_alloc.h.
#include "core/page_alloc.h"

#include "core/fault_inject.h"
#include "core/kstd/cstring.h"
#include "core/log.h"
#include "core/platform/platform.h"

namespace umach {
namespace {

constexpr size_t kPage = Platform::kPageSize;
constexpr uint64_t kFull = ~uint64_t{0};

size_t words_for(size_t pages) { return (pages + 63) / 64; }

constinit PageAllocator g_page_allocator;

}  // namespace

PageAllocator& page_allocator() { return g_page_allocator; }

void PageAllocator::init(kstd::Span<const PhysRange> ranges) {
  SpinlockGuard guard(lock_);
  kassert(range_count_ == 0);
  for (const PhysRange& pr : ranges) {
    kassert(pr.base % kPage == 0 && pr.size % kPage == 0);
    size_t total = pr.size / kPage;
    // Two bitmaps: allocated pages, then pages that may hold old data.
    size_t bitmap_pages = (2 * words_for(total) * 8 + kPage - 1) / kPage;
    if (total <= bitmap_pages) continue;  // too small to be worth a bitmap
    kassert(range_count_ < kMaxRanges);
    Range& r = ranges_[range_count_++];
    r.bitmap = static_cast<uint64_t*>(Platform::phys_to_virt(pr.base));
    r.base = pr.base + bitmap_pages * kPage;
    r.pages = total - bitmap_pages;
    r.hint = 0;
    size_t words = words_for(r.pages);
    kstd::memset(r.bitmap, 0, words * 8);
    if (r.pages % 64) r.bitmap[words - 1] = kFull << (r.pages % 64);  // no pages past the end
    r.dirty = r.bitmap + words;
    kstd::memset(r.dirty, Platform::kRamZeroAtBoot ? 0 : 0xff, words * 8);
    total_pages_ += r.pages;
    free_pages_ += r.pages;
  }
  free_hint_.store(free_pages_, kstd::MemoryOrder::relaxed);
  kassert(range_count_ > 0);
}

PageAllocator::Range* PageAllocator::range_of_locked(paddr_t pa, size_t npages) {
  for (size_t i = 0; i < range_count_; ++i) {
    Range& r = ranges_[i];
    if (pa >= r.base && pa + npages * kPage <= r.base + r.pages * kPage) return &r;
  }
  return nullptr;
}

bool PageAllocator::run_is_free_locked(const Range& r, size_t first, size_t n) const {
  for (size_t i = first; i < first + n; ++i)
    if (r.bitmap[i / 64] & (uint64_t{1} << (i % 64))) return false;
  return true;
}

void PageAllocator::mark_locked(Range& r, size_t first, size_t n, bool allocated) {
  for (size_t i = first; i < first + n; ++i) {
    uint64_t bit = uint64_t{1} << (i % 64);
    uint64_t& word = r.bitmap[i / 64];
    if (allocated) {
      kassert(!(word & bit));
      word |= bit;
    } else {
      if (!(word & bit)) panic("page_free: page %#llx is not allocated", static_cast<unsigned long long>(r.base + i * kPage));
      word &= ~bit;
      r.dirty[i / 64] |= bit;  // whatever its owner wrote is still there
    }
  }
  if (allocated)
    free_pages_ -= n;
  else
    free_pages_ += n;
  free_hint_.store(free_pages_, kstd::MemoryOrder::relaxed);
}

bool PageAllocator::alloc_one_locked(paddr_t& out) {
  for (size_t ri = 0; ri < range_count_; ++ri) {
    Range& r = ranges_[ri];
    size_t words = words_for(r.pages);
    for (size_t k = 0; k < words; ++k) {
      size_t w = (r.hint + k) % words;
      if (r.bitmap[w] == kFull) continue;
      size_t bit = static_cast<size_t>(__builtin_ctzll(~r.bitmap[w]));
      r.hint = w;
      mark_locked(r, w * 64 + bit, 1, true);
      out = r.base + (w * 64 + bit) * kPage;
      return true;
    }
  }
  return false;
}

bool PageAllocator::alloc_run_locked(size_t n, size_t align, paddr_t& out) {
  for (size_t ri = 0; ri < range_count_; ++ri) {
    Range& r = ranges_[ri];
    size_t base_pfn = r.base / kPage;
    size_t first = (align - base_pfn % align) % align;  // first index whose frame is aligned
    for (size_t i = first; i + n <= r.pages; i += align) {
      if (!run_is_free_locked(r, i, n)) continue;
      mark_locked(r, i, n, true);
      out = r.base + i * kPage;
      return true;
    }
  }
  return false;
}

Result<paddr_t> PageAllocator::alloc(size_t npages, size_t align_pages) {
  kassert(npages > 0 && kstd::is_pow2(align_pages));
  if (fault_inject::should_fail()) return Error{KERN_RESOURCE_SHORTAGE};
  SpinlockGuard guard(lock_);
  kassert(range_count_ > 0);
  paddr_t pa = 0;
  bool ok = (npages == 1 && align_pages == 1) ? alloc_one_locked(pa)
                                              : alloc_run_locked(npages, align_pages, pa);
  if (!ok) return Error{KERN_RESOURCE_SHORTAGE};
  return pa;
}

Result<paddr_t> PageAllocator::alloc_zeroed() {
  paddr_t pa = UMACH_TRY(alloc());
  bool dirty;
  {
    SpinlockGuard guard(lock_);
    Range* r = range_of_locked(pa, 1);
    size_t i = (pa - r->base) / kPage;
    dirty = r->dirty[i / 64] & (uint64_t{1} << (i % 64));
  }
  // A page never handed out since a zero-filled boot needs no zeroing (on
  // hosted, touching it would also make the host allocate it twice over).
  if (dirty) kstd::memset(Platform::phys_to_virt(pa), 0, kPage);
  return pa;
}

void PageAllocator::free(paddr_t pa, size_t npages) {
  SpinlockGuard guard(lock_);
  Range* r = range_of_locked(pa, npages);
  if (!r || pa % kPage) panic("page_free: %#llx (+%zu pages) is not RAM the allocator owns", static_cast<unsigned long long>(pa), npages);
  mark_locked(*r, (pa - r->base) / kPage, npages, false);
}

size_t PageAllocator::free_pages() const {
  SpinlockGuard guard(lock_);
  return free_pages_;
}

void PageAllocator::check_invariants() const {
  SpinlockGuard guard(lock_);
  size_t free_count = 0, total = 0;
  for (size_t ri = 0; ri < range_count_; ++ri) {
    const Range& r = ranges_[ri];
    total += r.pages;
    for (size_t i = 0; i < r.pages; ++i)
      if (!(r.bitmap[i / 64] & (uint64_t{1} << (i % 64)))) ++free_count;
    if (r.pages % 64) kassert((r.bitmap[r.pages / 64] >> (r.pages % 64)) == (kFull >> (r.pages % 64)));
    if (ri > 0) kassert(ranges_[ri - 1].base + ranges_[ri - 1].pages * kPage <= r.base || r.base + r.pages * kPage <= ranges_[ri - 1].base);
  }
  kassert(total == total_pages_);
  kassert(free_count == free_pages_);
  kassert(free_hint_.load(kstd::MemoryOrder::relaxed) == free_pages_);
}

}  // namespace umach
