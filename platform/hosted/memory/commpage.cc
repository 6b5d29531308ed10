// platform/hosted/memory/commpage.cc: builds the commpage (layout in
// commpage.h).
#include "platform/hosted/memory/commpage.h"

#include <string.h>

#include "core/page_alloc.h"
#include "core/platform/platform.h"

namespace umach::hosted {

namespace {

void put32(uint8_t* p, uint32_t v) { memcpy(p, &v, 4); }

}  // namespace

void commpage_write(void* page, uintptr_t trap_target) {
  using L = CommpageLayout;
  auto* p = static_cast<uint8_t*>(page);
  memset(p, 0xcc, kPageSize);
  for (unsigned n = 0; n < L::kEntryCount; ++n) {
    uint8_t* e = p + n * L::kEntrySize;
    e[0] = 0x49, e[1] = 0x89, e[2] = 0xca;  // mov %rcx, %r10
    e[3] = 0xb8;                            // mov $-N, %eax
    put32(e + 4, static_cast<uint32_t>(-static_cast<int32_t>(n)));
    e[8] = 0xff, e[9] = 0x25;  // jmp *rel32(%rip), relative to the next instruction
    put32(e + 10, static_cast<uint32_t>(L::kTargetOffset - (n * L::kEntrySize + 14)));
  }
  put32(p + L::kHeaderOffset, L::kMagic);
  put32(p + L::kHeaderOffset + 4, L::kVersion);
  put32(p + L::kHeaderOffset + 8, L::kEntrySize);
  put32(p + L::kHeaderOffset + 12, L::kEntryCount);
  uint64_t target = trap_target;
  memcpy(p + L::kTargetOffset, &target, 8);
}

Result<paddr_t> commpage_create(uintptr_t trap_target) {
  auto page = page_allocator().alloc(1);
  if (!page.ok()) return Error{page.error()};
  commpage_write(Platform::phys_to_virt(page.value()), trap_target);
  return page.value();
}

void commpage_free(paddr_t page) { page_allocator().free(page, 1); }

}  // namespace umach::hosted
