// core/task/program/elf.h: the ELF64 definitions the task-program loader
// reads (System V gABI, the x86-64 and RISC-V psABIs' relative
// relocations), written here because the core has no <elf.h>.
//
// Only what a static-PIE loader needs: the file header, program headers,
// dynamic entries and RELA relocations, all little-endian 64-bit. The
// names are the gABI's with a k prefix and live in umach::elf, so a test
// may include the host's <elf.h> (whose names are macros) beside this.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace umach::elf {

// The file header (Elf64_Ehdr).
struct Ehdr {
  uint8_t ident[16];
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};

// A program header (Elf64_Phdr).
struct Phdr {
  uint32_t type;
  uint32_t flags;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
};

// A dynamic entry (Elf64_Dyn): d_un is one 64-bit word, a value or an
// address as the tag says.
struct Dyn {
  int64_t tag;
  uint64_t val;
};

// A relocation with addend (Elf64_Rela); info = symbol << 32 | type.
struct Rela {
  uint64_t offset;
  uint64_t info;
  int64_t addend;
};

static_assert(sizeof(Ehdr) == 64 && sizeof(Phdr) == 56 && sizeof(Dyn) == 16 && sizeof(Rela) == 24,
              "the ELF64 layouts");

inline constexpr uint32_t rela_type(uint64_t info) { return static_cast<uint32_t>(info); }
inline constexpr uint32_t rela_symbol(uint64_t info) { return static_cast<uint32_t>(info >> 32); }
inline constexpr uint64_t rela_info(uint32_t symbol, uint32_t type) { return uint64_t{symbol} << 32 | type; }

// e_ident.
inline constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
inline constexpr size_t kIdentClass = 4;
inline constexpr size_t kIdentData = 5;
inline constexpr size_t kIdentVersion = 6;
inline constexpr uint8_t kClass64 = 2;
inline constexpr uint8_t kData2Lsb = 1;
inline constexpr uint8_t kVersionCurrent = 1;

// e_type, e_machine.
inline constexpr uint16_t kTypeDyn = 3;
inline constexpr uint16_t kMachineX86_64 = 62;
inline constexpr uint16_t kMachineRiscV = 243;

// p_type, p_flags.
inline constexpr uint32_t kPtLoad = 1;
inline constexpr uint32_t kPtDynamic = 2;
inline constexpr uint32_t kPtInterp = 3;
inline constexpr uint32_t kPtTls = 7;
inline constexpr uint32_t kPtGnuRelro = 0x6474e552;
inline constexpr uint32_t kPfX = 1;
inline constexpr uint32_t kPfW = 2;
inline constexpr uint32_t kPfR = 4;

// d_tag, and DT_FLAGS's text-relocation bit.
inline constexpr int64_t kDtNull = 0;
inline constexpr int64_t kDtNeeded = 1;
inline constexpr int64_t kDtPltRelSz = 2;
inline constexpr int64_t kDtRela = 7;
inline constexpr int64_t kDtRelaSz = 8;
inline constexpr int64_t kDtRelaEnt = 9;
inline constexpr int64_t kDtRel = 17;
inline constexpr int64_t kDtRelSz = 18;
inline constexpr int64_t kDtTextRel = 22;
inline constexpr int64_t kDtJmpRel = 23;
inline constexpr int64_t kDtFlags = 30;
inline constexpr int64_t kDtRelrSz = 35;
inline constexpr int64_t kDtRelr = 36;
inline constexpr uint64_t kDfTextRel = 4;

// The relative relocations (B + A), one per psABI.
inline constexpr uint32_t kRelocX86_64Relative = 8;
inline constexpr uint32_t kRelocRiscVRelative = 3;

// The auxiliary vector's types the loader puts on the stack.
inline constexpr uint64_t kAtNull = 0;
inline constexpr uint64_t kAtPageSz = 6;

}  // namespace umach::elf
