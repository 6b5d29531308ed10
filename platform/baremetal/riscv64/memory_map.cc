// platform/baremetal/riscv64/memory_map.cc: usable RAM (memory_map.h).
//
// Start from the memory nodes and cut every reservation out of them; a cut
// in the middle of a range splits it in two. Then shrink each range to whole
// pages and sort by address. Ranges are half-open [base, end) internally.
#include "platform/baremetal/riscv64/memory_map.h"

#include "core/log.h"
#include "core/platform/platform.h"
#include "platform/baremetal/riscv64/pmap.h"

extern "C" char __kernel_end[];  // linker.ld: page aligned end of the image

namespace umach::riscv64 {
namespace {

constexpr unsigned kMaxUsable = 64;

struct Span64 {
  uint64_t base, end;
};

// Written once at boot, read-only after.
PhysRange g_usable[kMaxUsable];
unsigned g_usable_count = 0;

class RangeSet {
 public:
  void add(uint64_t base, uint64_t size) {
    uint64_t end = base + size < base ? ~uint64_t{0} : base + size;
    push({base, end});
  }

  // Removes [base, end) from every range.
  void cut(uint64_t base, uint64_t size) {
    uint64_t end = base + size < base ? ~uint64_t{0} : base + size;
    unsigned n = count_;  // pieces pushed below lie outside the cut
    for (unsigned i = 0; i < n; ++i) {
      Span64& r = spans_[i];
      if (end <= r.base || base >= r.end) continue;
      Span64 above{end, r.end};
      r.end = base > r.base ? base : r.base;
      if (above.base < above.end) push(above);
    }
  }

  // Page aligned, empty ones dropped, sorted by base.
  unsigned finish(PhysRange* out, unsigned capacity) const {
    constexpr uint64_t kPage = Platform::kPageSize;
    unsigned n = 0;
    for (unsigned i = 0; i < count_; ++i) {
      uint64_t base = (spans_[i].base + kPage - 1) & ~(kPage - 1);
      uint64_t end = spans_[i].end & ~(kPage - 1);
      if (base >= end || spans_[i].base > base) continue;  // empty, or rounding overflowed
      if (n == capacity) {
        klog("riscv64: more than %u usable ranges; the rest is not used\n", capacity);
        break;
      }
      unsigned j = n++;
      for (; j > 0 && out[j - 1].base > base; --j) out[j] = out[j - 1];
      out[j] = {base, end - base};
    }
    return n;
  }

 private:
  void push(Span64 s) {
    if (count_ == kMaxUsable) {
      klog("riscv64: memory map too fragmented; dropping %#llx-%#llx\n", static_cast<unsigned long long>(s.base),
           static_cast<unsigned long long>(s.end));
      return;
    }
    spans_[count_++] = s;
  }

  Span64 spans_[kMaxUsable];
  unsigned count_ = 0;
};

}  // namespace

void memory_map_init(const BootInfo& info, uint64_t dtb, uint64_t dtb_size) {
  RangeSet ram;
  for (unsigned i = 0; i < info.memory_count; ++i) ram.add(info.memory[i].base, info.memory[i].size);
  for (unsigned i = 0; i < info.reserved_count; ++i) ram.cut(info.reserved[i].base, info.reserved[i].size);
  ram.cut(0, reinterpret_cast<uintptr_t>(__kernel_end));
  ram.cut(dtb, dtb_size);
  ram.cut(kIdentityMapEnd, ~uint64_t{0} - kIdentityMapEnd);
  g_usable_count = ram.finish(g_usable, kMaxUsable);
}

}  // namespace umach::riscv64

namespace umach::platform {

kstd::Span<const PhysRange> Backend::phys_ranges() {
  return {riscv64::g_usable, riscv64::g_usable_count};
}

}  // namespace umach::platform
