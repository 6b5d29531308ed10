// vm/swap.cc: see swap.h.
#include "vm/swap.h"

#include "core/kassert.h"
#include "core/kstd/cstring.h"
#include "core/log.h"
#include "vm/page.h"

namespace umach::vm {
namespace {

char* g_slots = nullptr;      // slot 1's page (slot n at g_slots + (n - 1) pages)
uint64_t* g_bitmap = nullptr;  // bit n - 1: slot n in use
size_t g_total = 0;
size_t g_used UMACH_GUARDED_BY(g_vm_lock) = 0;
size_t g_hint UMACH_GUARDED_BY(g_vm_lock) = 0;  // bitmap word where the next scan starts
uint64_t g_writes UMACH_GUARDED_BY(g_vm_lock) = 0;
uint64_t g_reads UMACH_GUARDED_BY(g_vm_lock) = 0;

char* slot_page(uint32_t slot) {
  kassert(slot >= 1 && slot <= g_total);
  return g_slots + (size_t{slot} - 1) * kPageSize;
}

}  // namespace

void swap_init(void* base, size_t bytes) {
  const size_t pages = bytes / kPageSize;
  // b bitmap pages cover 8 * kPageSize * b slots: the fewest that cover the rest.
  size_t bitmap_pages = 1;
  while (bitmap_pages < pages && (pages - bitmap_pages) > bitmap_pages * kPageSize * 8) ++bitmap_pages;
  if (!base || pages < bitmap_pages + 1) {
    klog("umach: no swap\n");
    return;
  }
  g_bitmap = static_cast<uint64_t*>(base);
  kstd::memset(g_bitmap, 0, bitmap_pages * kPageSize);
  g_slots = static_cast<char*>(base) + bitmap_pages * kPageSize;
  g_total = pages - bitmap_pages;
  klog("umach: swap %zu KiB (%zu pages)\n", g_total * kPageSize / 1024, g_total);
}

uint32_t swap_alloc() {
  if (g_used == g_total) return 0;
  const size_t words = (g_total + 63) / 64;
  for (size_t i = 0; i < words; ++i) {
    const size_t w = (g_hint + i) % words;
    uint64_t free_bits = ~g_bitmap[w];
    if (w == words - 1 && g_total % 64) free_bits &= (uint64_t{1} << (g_total % 64)) - 1;
    if (!free_bits) continue;
    const unsigned bit = static_cast<unsigned>(__builtin_ctzll(free_bits));
    g_bitmap[w] |= uint64_t{1} << bit;
    ++g_used;
    g_hint = w;
    return static_cast<uint32_t>(w * 64 + bit + 1);
  }
  return 0;
}

void swap_free(uint32_t slot) {
  const size_t n = size_t{slot} - 1;
  kassert(slot >= 1 && n < g_total && (g_bitmap[n / 64] >> (n % 64) & 1));
  g_bitmap[n / 64] &= ~(uint64_t{1} << (n % 64));
  --g_used;
}

void swap_write(uint32_t slot, const void* page) {
  kstd::memcpy(slot_page(slot), page, kPageSize);
  ++g_writes;
}

void swap_read(uint32_t slot, void* page) {
  kstd::memcpy(page, slot_page(slot), kPageSize);
  ++g_reads;
}

SwapCounts swap_counts() {
  SpinlockGuard hold(g_vm_lock);
  return SwapCounts{g_total, g_used, g_writes, g_reads};
}

}  // namespace umach::vm
