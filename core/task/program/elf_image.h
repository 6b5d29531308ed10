// core/task/program/elf_image.h: decoding a task program's ELF file.
//
// A task program is a static-PIE ELF64 (ET_DYN, no interpreter, no TLS, no
// needed libraries) for one machine, x86-64 or RISC-V, whose only
// relocations are that machine's relative ones (R_X86_64_RELATIVE,
// R_RISCV_RELATIVE: B + A, no symbol) in a DT_RELA table, each into a
// writable segment. parse_elf() validates the whole file before the loader
// touches any memory (decode everything, then act): every offset, size and
// address is checked against the file and the image with overflow-safe
// arithmetic, so a malformed file yields a status, never a crash. The
// caller names the machine it runs; a file for another one is refused.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/task/program/elf.h"

namespace umach::program {

// The machines a task program may be built for (their e_machine).
enum class Machine : uint16_t {
  kX86_64 = elf::kMachineX86_64,
  kRiscV64 = elf::kMachineRiscV,
};

enum class LoadStatus {
  kOk,
  kTruncated,              // a header or table runs past the end of the file
  kNotElf,                 // bad magic, class, byte order, version or header sizes
  kWrongMachine,           // built for another machine than the one asked for
  kNotStaticPie,           // not ET_DYN, an interpreter, DT_NEEDED, or TLS
  kBadSegment,             // a PT_LOAD that is inconsistent, misaligned or overlaps another
  kNoSegments,             // nothing to load
  kBadEntry,               // the entry point is outside the executable segments
  kBadDynamic,             // PT_DYNAMIC or its tables are malformed
  kUnsupportedRelocation,  // not the machine's relative relocation, or text relocations
  kBadRelocation,          // a relocation outside the writable segments
  kTooLarge,               // the image or the arguments do not fit the map
  kNoMemory,               // no pages, objects or map entries
};

const char* load_status_name(LoadStatus status);

struct ElfSegment {
  uint64_t vaddr;   // in the image (0 = the load address)
  uint64_t memsz;
  uint64_t offset;  // in the file
  uint64_t filesz;
  unsigned prot;    // VM_PROT_* bits
};

struct ElfImage {
  static constexpr size_t kMaxSegments = 16;
  static constexpr uint64_t kMaxSpan = uint64_t{1} << 30;  // 1 GiB of image at most
  static constexpr uint64_t kMaxAlign = uint64_t{2} << 20;

  Machine machine = Machine::kX86_64;
  ElfSegment segments[kMaxSegments];
  size_t segment_count = 0;
  uint64_t entry = 0;         // image address
  uint64_t span = 0;          // page-rounded end of the last segment
  uint64_t align = 4096;      // the largest segment alignment
  uint64_t rela_offset = 0;   // file offset of the relative-relocation table
  uint64_t rela_count = 0;
  uint64_t relro_begin = 0;   // image range made read-only after relocation
  uint64_t relro_end = 0;
};

// Decodes and validates `file`, which must be for `machine`; on kOk fills
// `out`.
[[nodiscard]] LoadStatus parse_elf(const uint8_t* file, size_t size, Machine machine, ElfImage* out);

// The relocation `i` of a table parse_elf accepted (bounds checked there).
elf::Rela relocation_at(const uint8_t* file, const ElfImage& img, uint64_t i);

}  // namespace umach::program
