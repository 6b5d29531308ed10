// platform/baremetal/riscv64/fdt.h: reading a flattened device tree (FDT,
// "DTB"), the machine description the firmware hands the kernel in a1.
//
// The blob (Devicetree Specification, chapter 5) is a header, a memory
// reservation block of big-endian (address, size) pairs ending in (0, 0), a
// structure block of big-endian 32-bit tokens (BEGIN_NODE name, PROP len
// nameoff value, END_NODE, NOP, END; everything padded to 4 bytes) and a
// strings block holding property names. FdtCursor walks the structure block
// as a flat token stream; callers track depth themselves. Every read is
// bounds checked against the header, so a corrupt tree ends the walk
// (malformed()) instead of running off into memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace umach::riscv64 {

uint32_t fdt_be32(const uint8_t* p);
uint64_t fdt_be64(const uint8_t* p);

class Fdt {
 public:
  // `blob` is where the firmware put the tree (identity mapped).
  explicit Fdt(const void* blob);

  // The magic matches and the header's blocks lie inside the blob.
  bool valid() const { return valid_; }
  const uint8_t* base() const { return base_; }
  uint32_t total_size() const { return total_size_; }

  // Entry `index` of the memory reservation block; false past the end.
  bool reservation(unsigned index, uint64_t& address, uint64_t& size) const;

 private:
  friend class FdtCursor;
  const uint8_t* base_;
  uint32_t total_size_ = 0;
  uint32_t struct_offset_ = 0, struct_size_ = 0;
  uint32_t strings_offset_ = 0, strings_size_ = 0;
  uint32_t reservations_offset_ = 0;
  bool valid_ = false;
};

struct FdtToken {
  enum class Kind { kBeginNode, kEndNode, kProperty, kEnd };
  Kind kind = Kind::kEnd;
  const char* name = nullptr;     // node name ("" for the root) or property name
  const uint8_t* value = nullptr;  // property value (big-endian cells)
  uint32_t size = 0;               // property value length in bytes
};

class FdtCursor {
 public:
  explicit FdtCursor(const Fdt& fdt) : fdt_(fdt) {}

  // The next token, NOPs skipped. kEnd at FDT_END, and for good once the
  // tree turned out malformed.
  FdtToken next();
  bool malformed() const { return malformed_; }

 private:
  FdtToken fail();
  bool read_token(uint32_t& token);
  const char* read_name();
  bool string_ends(uint32_t offset) const;

  const Fdt& fdt_;
  uint32_t offset_ = 0;  // into the structure block, 4-byte aligned
  bool malformed_ = false;
  bool done_ = false;
};

// Reads `cells` 32-bit cells (1 or 2) at `p` as one number and advances p.
uint64_t fdt_read_cells(const uint8_t*& p, unsigned cells);

}  // namespace umach::riscv64
