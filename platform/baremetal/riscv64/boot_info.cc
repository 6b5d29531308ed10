// platform/baremetal/riscv64/boot_info.cc: the device tree scan (boot_info.h).
//
// One pass over the structure block with a stack of open nodes. A node's
// `reg` is decoded with its parent's #address-cells/#size-cells (defaults 2
// and 1, Devicetree Specification 2.3.5); properties precede subnodes, so a
// parent's cells are known before any child's reg. A node is classified when
// it opens (by its name and its parent's class) and its reg is used when it
// closes, since device_type may follow reg.
#include "platform/baremetal/riscv64/boot_info.h"

#include "core/kstd/cstring.h"

namespace umach::riscv64 {
namespace {

enum class NodeClass { kOther, kRoot, kMemory, kReservedMemory, kReservation, kCpus, kCpu };

struct OpenNode {
  NodeClass cls = NodeClass::kOther;
  unsigned child_address_cells = 2;
  unsigned child_size_cells = 1;
  const uint8_t* reg = nullptr;
  uint32_t reg_size = 0;
  bool device_type_memory = false;
  bool goldfish_rtc = false;
};

// The strings compared here are NUL-terminated inside the tree (FdtCursor
// checks), so walking to the first difference cannot run off the blob.
bool starts_with(const char* s, const char* prefix, const char*& rest) {
  while (*prefix != '\0')
    if (*s++ != *prefix++) return false;
  rest = s;
  return true;
}

// "memory@80000000" is named "memory": the unit address is not the name.
bool node_named(const char* node, const char* name) {
  const char* rest;
  return starts_with(node, name, rest) && (*rest == '\0' || *rest == '@');
}

bool property_is(const FdtToken& t, const char* name) {
  const char* rest;
  return starts_with(t.name, name, rest) && *rest == '\0';
}

// A string property holding exactly `text`.
bool value_is(const FdtToken& t, const char* text) {
  size_t n = kstd::strlen(text) + 1;
  return t.size == n && kstd::memcmp(t.value, text, n) == 0;
}

// A string-list property (compatible) with `text` among its strings.
bool list_has(const FdtToken& t, const char* text) {
  const size_t n = kstd::strlen(text) + 1;
  for (uint32_t at = 0; at + n <= t.size;) {
    const auto* s = reinterpret_cast<const char*>(t.value + at);
    if (kstd::memcmp(s, text, n) == 0) return true;
    while (at < t.size && t.value[at] != 0) ++at;  // to the next string
    ++at;
  }
  return false;
}

NodeClass classify(const char* name, unsigned depth, NodeClass parent) {
  if (depth == 0) return NodeClass::kRoot;
  if (parent == NodeClass::kRoot) {
    if (node_named(name, "memory")) return NodeClass::kMemory;
    if (node_named(name, "reserved-memory")) return NodeClass::kReservedMemory;
    if (node_named(name, "cpus")) return NodeClass::kCpus;
  }
  if (parent == NodeClass::kReservedMemory) return NodeClass::kReservation;
  if (parent == NodeClass::kCpus && node_named(name, "cpu")) return NodeClass::kCpu;
  return NodeClass::kOther;
}

void add_region(PhysRange* regions, unsigned& count, BootInfo& info, uint64_t base, uint64_t size) {
  if (size == 0) return;
  if (count == BootInfo::kMaxRegions) {
    info.truncated = true;
    return;
  }
  regions[count++] = {base, size};
}

// Each reg entry is (address, size) in the parent's cells; cells beyond two
// cannot name a 64-bit address, so such a reg is skipped.
void add_reg(const OpenNode& node, const OpenNode& parent, PhysRange* regions, unsigned& count, BootInfo& info) {
  unsigned ac = parent.child_address_cells, sc = parent.child_size_cells;
  if (node.reg == nullptr || ac == 0 || ac > 2 || sc > 2) return;
  uint32_t entry = (ac + sc) * 4;
  const uint8_t* p = node.reg;
  for (uint32_t i = 0; i + entry <= node.reg_size; i += entry) {
    uint64_t base = fdt_read_cells(p, ac);
    uint64_t size = fdt_read_cells(p, sc);
    add_region(regions, count, info, base, size);
  }
}

void read_property(const FdtToken& t, OpenNode& node, BootInfo& info) {
  if (property_is(t, "#address-cells") && t.size == 4) node.child_address_cells = fdt_be32(t.value);
  else if (property_is(t, "#size-cells") && t.size == 4) node.child_size_cells = fdt_be32(t.value);
  else if (property_is(t, "reg")) node.reg = t.value, node.reg_size = t.size;
  else if (property_is(t, "device_type")) node.device_type_memory = value_is(t, "memory");
  else if (property_is(t, "compatible")) node.goldfish_rtc = list_has(t, "google,goldfish-rtc");
  else if (property_is(t, "timebase-frequency") && (t.size == 4 || t.size == 8)) {
    // /cpus holds the common rate; a per-cpu value only fills a gap.
    uint64_t hz = t.size == 4 ? fdt_be32(t.value) : fdt_be64(t.value);
    if (node.cls == NodeClass::kCpus || (node.cls == NodeClass::kCpu && info.timebase_hz == 0)) info.timebase_hz = hz;
  }
}

void close_node(const OpenNode& node, const OpenNode& parent, BootInfo& info) {
  bool memory = node.cls == NodeClass::kMemory || (parent.cls == NodeClass::kRoot && node.device_type_memory);
  if (memory) add_reg(node, parent, info.memory, info.memory_count, info);
  else if (node.cls == NodeClass::kReservation) add_reg(node, parent, info.reserved, info.reserved_count, info);
  else if (node.goldfish_rtc && node.reg && parent.child_address_cells >= 1 && parent.child_address_cells <= 2) {
    const uint8_t* p = node.reg;
    if (node.reg_size >= parent.child_address_cells * 4) info.rtc_base = fdt_read_cells(p, parent.child_address_cells);
  }
}

}  // namespace

bool read_boot_info(const Fdt& fdt, BootInfo& info) {
  if (!fdt.valid()) return false;
  uint64_t address, size;
  for (unsigned i = 0; fdt.reservation(i, address, size); ++i)
    add_region(info.reserved, info.reserved_count, info, address, size);

  constexpr unsigned kMaxDepth = 16;  // QEMU's trees are 4 deep; deeper nodes are walked, not read
  OpenNode open[kMaxDepth];
  unsigned depth = 0;  // number of open nodes; the innermost is open[depth - 1]
  FdtCursor cursor(fdt);
  for (FdtToken t = cursor.next(); t.kind != FdtToken::Kind::kEnd; t = cursor.next()) {
    switch (t.kind) {
      case FdtToken::Kind::kBeginNode:
        if (depth < kMaxDepth) {
          NodeClass parent = depth ? open[depth - 1].cls : NodeClass::kOther;
          open[depth] = OpenNode{};
          open[depth].cls = classify(t.name, depth, parent);
        }
        ++depth;
        break;
      case FdtToken::Kind::kProperty:
        if (depth == 0) return false;
        if (depth <= kMaxDepth) read_property(t, open[depth - 1], info);
        break;
      case FdtToken::Kind::kEndNode:
        if (depth == 0) return false;
        if (depth >= 2 && depth <= kMaxDepth) close_node(open[depth - 1], open[depth - 2], info);
        --depth;
        break;
      case FdtToken::Kind::kEnd:
        break;
    }
  }
  return !cursor.malformed() && depth == 0;
}

}  // namespace umach::riscv64
