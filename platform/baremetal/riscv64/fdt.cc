// platform/baremetal/riscv64/fdt.cc: the FDT reader (see fdt.h).
#include "platform/baremetal/riscv64/fdt.h"

namespace umach::riscv64 {
namespace {

constexpr uint32_t kMagic = 0xd00dfeed;
constexpr uint32_t kHeaderSize = 40;  // ten 32-bit fields
constexpr uint32_t kMinVersion = 17;  // the first with size_dt_struct

constexpr uint32_t kBeginNode = 1;
constexpr uint32_t kEndNode = 2;
constexpr uint32_t kProp = 3;
constexpr uint32_t kNop = 4;
constexpr uint32_t kEnd = 9;

uint32_t align4(uint32_t n) { return (n + 3) & ~uint32_t{3}; }

// [offset, offset + size) lies inside [0, limit), without overflowing.
bool inside(uint32_t offset, uint32_t size, uint32_t limit) { return offset <= limit && size <= limit - offset; }

}  // namespace

uint32_t fdt_be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

uint64_t fdt_be64(const uint8_t* p) { return uint64_t{fdt_be32(p)} << 32 | fdt_be32(p + 4); }

uint64_t fdt_read_cells(const uint8_t*& p, unsigned cells) {
  uint64_t v = 0;
  for (unsigned i = 0; i < cells; ++i, p += 4) v = v << 32 | fdt_be32(p);
  return v;
}

Fdt::Fdt(const void* blob) : base_(static_cast<const uint8_t*>(blob)) {
  if (base_ == nullptr || (reinterpret_cast<uintptr_t>(base_) & 7) != 0) return;
  if (fdt_be32(base_) != kMagic) return;
  total_size_ = fdt_be32(base_ + 4);
  struct_offset_ = fdt_be32(base_ + 8);
  strings_offset_ = fdt_be32(base_ + 12);
  reservations_offset_ = fdt_be32(base_ + 16);
  uint32_t version = fdt_be32(base_ + 20);
  strings_size_ = fdt_be32(base_ + 32);
  struct_size_ = fdt_be32(base_ + 36);
  valid_ = version >= kMinVersion && total_size_ >= kHeaderSize &&
           inside(struct_offset_, struct_size_, total_size_) && inside(strings_offset_, strings_size_, total_size_) &&
           inside(reservations_offset_, 16, total_size_) && (struct_offset_ & 3) == 0 &&
           (reservations_offset_ & 7) == 0;
}

bool Fdt::reservation(unsigned index, uint64_t& address, uint64_t& size) const {
  uint64_t offset = reservations_offset_ + uint64_t{index} * 16;
  if (!valid_ || offset + 16 > total_size_) return false;
  address = fdt_be64(base_ + offset);
  size = fdt_be64(base_ + offset + 8);
  return address != 0 || size != 0;
}

FdtToken FdtCursor::fail() {
  malformed_ = true;
  done_ = true;
  return {};
}

bool FdtCursor::read_token(uint32_t& token) {
  if (!inside(offset_, 4, fdt_.struct_size_)) return false;
  token = fdt_be32(fdt_.base_ + fdt_.struct_offset_ + offset_);
  offset_ += 4;
  return true;
}

// A node's name, NUL-terminated inside the structure block; skips past it.
const char* FdtCursor::read_name() {
  const char* name = reinterpret_cast<const char*>(fdt_.base_ + fdt_.struct_offset_ + offset_);
  uint32_t room = fdt_.struct_size_ - offset_;
  uint32_t n = 0;
  while (n < room && name[n] != '\0') ++n;
  if (n == room) return nullptr;
  offset_ += align4(n + 1);
  return name;
}

// A property name starts inside the strings block and ends there too.
bool FdtCursor::string_ends(uint32_t offset) const {
  const uint8_t* strings = fdt_.base_ + fdt_.strings_offset_;
  for (uint32_t i = offset; i < fdt_.strings_size_; ++i)
    if (strings[i] == 0) return true;
  return false;
}

FdtToken FdtCursor::next() {
  if (done_ || !fdt_.valid_) return done_ ? FdtToken{} : fail();
  uint32_t token;
  do {
    if (!read_token(token)) return fail();
  } while (token == kNop);

  FdtToken t;
  switch (token) {
    case kBeginNode:
      t.kind = FdtToken::Kind::kBeginNode;
      t.name = read_name();
      return t.name ? t : fail();
    case kEndNode:
      t.kind = FdtToken::Kind::kEndNode;
      return t;
    case kProp: {
      uint32_t size, name_offset;
      if (!read_token(size) || !read_token(name_offset)) return fail();
      if (!inside(offset_, size, fdt_.struct_size_) || !string_ends(name_offset)) return fail();
      t.kind = FdtToken::Kind::kProperty;
      t.value = fdt_.base_ + fdt_.struct_offset_ + offset_;
      t.size = size;
      t.name = reinterpret_cast<const char*>(fdt_.base_ + fdt_.strings_offset_ + name_offset);
      offset_ += align4(size);
      return t;
    }
    case kEnd:
      done_ = true;
      return t;
    default:
      return fail();
  }
}

}  // namespace umach::riscv64
