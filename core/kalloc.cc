// core/kalloc.cc: see kalloc.h.
#include "core/kalloc.h"

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/zone.h"

namespace umach {
namespace {

constexpr size_t kSmallest = 64;  // log2 6
constexpr size_t kLargest = 4096;
[[clang::no_destroy]] constinit Zone g_kalloc_zones[] = {
    Zone("kalloc.64", 64),     Zone("kalloc.128", 128),   Zone("kalloc.256", 256),   Zone("kalloc.512", 512),
    Zone("kalloc.1024", 1024), Zone("kalloc.2048", 2048), Zone("kalloc.4096", 4096),
};

Zone& zone_for(size_t size) {
  size_t i = 0;
  for (size_t s = kSmallest; s < size; s <<= 1) ++i;
  return g_kalloc_zones[i];
}

size_t pages_for(size_t size) { return (size + Platform::kPageSize - 1) / Platform::kPageSize; }

}  // namespace

void* kalloc(size_t size) {
  if (size == 0) return nullptr;
  if (size <= kLargest) return zone_for(size).alloc();
  auto pa = page_allocator().alloc(pages_for(size));
  return pa.ok() ? Platform::phys_to_virt(pa.value()) : nullptr;
}

void kfree(void* buffer, size_t size) {
  if (!buffer) return;
  if (size <= kLargest) zone_for(size).free(buffer);
  else page_allocator().free(Platform::virt_to_phys(buffer), pages_for(size));
}

}  // namespace umach
