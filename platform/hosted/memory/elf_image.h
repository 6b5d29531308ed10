// platform/hosted/memory/elf_image.h: decoding a task program's ELF file.
//
// A task program is a static-PIE x86-64 ELF (ET_DYN, no interpreter, no
// TLS, no needed libraries) whose only relocations are R_X86_64_RELATIVE in
// a DT_RELA table. parse_elf() validates the whole file before the loader
// touches any memory (decode everything, then act): every offset, size and
// address is checked against the file and the image with overflow-safe
// arithmetic, so a malformed file yields a status, never a crash.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace umach::hosted {

enum class LoadStatus {
  kOk,
  kTruncated,              // a header or table runs past the end of the file
  kNotElf,                 // bad magic, class, byte order or version
  kWrongMachine,           // not x86-64
  kNotStaticPie,           // not ET_DYN, an interpreter, DT_NEEDED, or TLS
  kBadSegment,             // a PT_LOAD that is inconsistent or overlaps another
  kNoSegments,             // nothing to load
  kBadEntry,               // the entry point is outside the executable segments
  kBadDynamic,             // PT_DYNAMIC or its tables are malformed
  kUnsupportedRelocation,  // a relocation other than R_X86_64_RELATIVE, or text relocations
  kBadRelocation,          // a relocation outside the writable image
  kTooLarge,               // the image or the arguments do not fit the window
  kNoMemory,               // no physical pages or host mappings
};

const char* load_status_name(LoadStatus status);

struct ElfSegment {
  uint64_t vaddr;   // in the image (0 = the load address)
  uint64_t memsz;
  uint64_t offset;  // in the file
  uint64_t filesz;
  unsigned prot;    // kProt* bits
};

struct ElfImage {
  static constexpr size_t kMaxSegments = 16;
  static constexpr uint64_t kMaxSpan = uint64_t{1} << 30;  // 1 GiB of image at most
  static constexpr uint64_t kMaxAlign = uint64_t{2} << 20;

  ElfSegment segments[kMaxSegments];
  size_t segment_count = 0;
  uint64_t entry = 0;         // image address
  uint64_t span = 0;          // page-rounded end of the last segment
  uint64_t align = 4096;      // the largest segment alignment
  uint64_t rela_offset = 0;   // file offset of the R_X86_64_RELATIVE table
  uint64_t rela_count = 0;
  uint64_t relro_begin = 0;   // image range made read-only after relocation
  uint64_t relro_end = 0;
};

// Decodes and validates `file`; on kOk fills `out`.
[[nodiscard]] LoadStatus parse_elf(const uint8_t* file, size_t size, ElfImage* out);

}  // namespace umach::hosted
