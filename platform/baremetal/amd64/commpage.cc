// platform/baremetal/amd64/commpage.cc: the commpage's trap entries on
// amd64 (bare_task.h). libmach calls `commpage + N * 16` for trap N with the
// SysV arguments (lib/libmach/traps_x86_64.S); each entry is
//     49 89 ca          mov  %rcx, %r10      (syscall takes rcx for rip)
//     b8 <-N:le32>      mov  $-N, %eax
//     0f 05             syscall
//     c3                ret
// padded with int3, as is the rest of the page, so a stray jump traps. The
// trap's frame then has rsp at the return address of the call into the
// page: the stack arguments start 8 above it (backend.h).
#include "platform/baremetal/common/bare_task.h"

namespace umach::baremetal {

void fill_commpage(uint8_t* page) {
  constexpr size_t kEntrySize = 16;
  constexpr unsigned kEntries = 78;  // traps 0..77 (ABI.md)
  for (size_t i = 0; i < Platform::kPageSize; ++i) page[i] = 0xcc;
  for (unsigned n = 0; n < kEntries; ++n) {
    uint8_t* e = page + n * kEntrySize;
    const uint32_t imm = static_cast<uint32_t>(-static_cast<int32_t>(n));
    const uint8_t code[] = {0x49, 0x89, 0xca, 0xb8, static_cast<uint8_t>(imm), static_cast<uint8_t>(imm >> 8),
                            static_cast<uint8_t>(imm >> 16), static_cast<uint8_t>(imm >> 24), 0x0f, 0x05, 0xc3};
    for (size_t i = 0; i < sizeof code; ++i) e[i] = code[i];
  }
}

}  // namespace umach::baremetal
