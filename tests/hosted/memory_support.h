// tests/hosted/memory_support.h: helpers for the hosted memory tests: a
// window per test, physical pages that free themselves, and the host's view
// of a mapping (/proc/self/maps).
#pragma once

#include <gtest/gtest.h>
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::test {

using hosted::kPageSize;
using hosted::vaddr_t;

// A fresh window (1 GiB unless told), released at the end of the test.
class Window {
 public:
  explicit Window(size_t bytes = size_t{1} << 30) {
    auto r = hosted::allocate_window(bytes);
    EXPECT_TRUE(r.ok());
    range_ = r.ok() ? r.value() : nullptr;
  }
  ~Window() {
    if (range_) range_->release_ref();
  }
  hosted::AddressRange& range() { return *range_; }
  vaddr_t at(size_t offset) const { return range_->vm_min() + offset; }

 private:
  hosted::AddressRange* range_ = nullptr;
};

// Physical pages from the kernel's allocator, freed when the test ends.
class PhysPages {
 public:
  explicit PhysPages(size_t pages, bool contiguous = true) {
    if (contiguous) {
      auto r = page_allocator().alloc(pages);
      EXPECT_TRUE(r.ok());
      for (size_t i = 0; i < pages; ++i) pa_.push_back(r.value() + i * kPageSize);
      blocks_.push_back({r.value(), pages});
    } else {
      for (size_t i = 0; i < pages; ++i) {
        // Skipping a page between two keeps them physically apart.
        auto a = page_allocator().alloc(1);
        auto gap = page_allocator().alloc(1);
        EXPECT_TRUE(a.ok() && gap.ok());
        pa_.push_back(a.value());
        blocks_.push_back({a.value(), 1});
        blocks_.push_back({gap.value(), 1});
      }
    }
  }
  ~PhysPages() {
    for (auto [pa, n] : blocks_) page_allocator().free(pa, n);
  }
  paddr_t operator[](size_t i) const { return pa_[i]; }
  uint8_t* bytes(size_t i) const { return static_cast<uint8_t*>(Platform::phys_to_virt(pa_[i])); }

 private:
  std::vector<paddr_t> pa_;
  std::vector<std::pair<paddr_t, size_t>> blocks_;
};

// The host's protection of the mapping holding va ("rw-s", "---p"), or ""
// if nothing is mapped there.
inline std::string host_prot_at(vaddr_t va) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[512];
  std::string prot;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char p[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, p) == 3 && va >= lo && va < hi) {
      prot = p;
      break;
    }
  }
  if (f) fclose(f);
  return prot;
}

}  // namespace umach::test
