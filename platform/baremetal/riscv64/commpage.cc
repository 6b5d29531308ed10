// platform/baremetal/riscv64/commpage.cc: the commpage's trap entries on
// riscv64 (bare_task.h). libmach's riscv64 stubs execute ecall themselves
// (lib/libmach/traps_riscv64.S), so nothing needs the page; it is there for
// the same contract as amd64's: entry N at N * 16 is
//     addi a7, zero, -N     li a7, -N
//     ecall
//     jalr zero, 0(ra)      ret
//     (4 bytes of zero: an illegal instruction)
// and every other word is zero (illegal), so a stray jump traps.
#include "platform/baremetal/common/bare_task.h"

namespace umach::baremetal {
namespace {

void store32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

void fill_commpage(uint8_t* page) {
  constexpr size_t kEntrySize = 16;
  constexpr unsigned kEntries = 78;  // traps 0..77 (ABI.md)
  constexpr uint32_t kEcall = 0x00000073;
  constexpr uint32_t kRet = 0x00008067;
  for (size_t i = 0; i < Platform::kPageSize; ++i) page[i] = 0;
  for (unsigned n = 0; n < kEntries; ++n) {
    // addi (I-type): imm[11:0] rs1=0 funct3=0 rd=17 (a7) opcode 0x13.
    const uint32_t imm = static_cast<uint32_t>(-static_cast<int32_t>(n)) & 0xfff;
    store32(page + n * kEntrySize, imm << 20 | 17u << 7 | 0x13);
    store32(page + n * kEntrySize + 4, kEcall);
    store32(page + n * kEntrySize + 8, kRet);
  }
}

}  // namespace umach::baremetal
