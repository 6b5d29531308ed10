// platform/baremetal/amd64/boot_memory.cc: turns the PVH memory map into
// the core's PhysRanges (see boot_memory.h).
//
// The loader describes RAM in struct hvm_start_info (Xen's
// public/arch-x86/hvm/start_info.h, version >= 1): an array of e820-style
// entries at memmap_paddr. A usable range is type 1 (RAM) clipped to
//   - at or above 1 MiB and the end of the kernel image (__kernel_end, which
//     covers .bss: the page tables and the boot stack);
//   - below 4 GiB, the end of boot.S's identity map (phys_to_virt must
//     reach every page the allocator hands out);
// and page aligned inward. The loader's own data (start info, memory map)
// lives below 1 MiB with QEMU's PVH ROM, and is read only here, before the
// page allocator takes the ranges. Ranges are sorted and made disjoint,
// as the contract requires, even if the loader's map overlaps.
#include "platform/baremetal/amd64/boot_memory.h"

#include "core/kassert.h"
#include "core/log.h"
#include "core/platform/platform.h"

extern "C" char __kernel_end[];  // kernel.ld: end of the loaded image and .bss

namespace umach::amd64 {
namespace {

constexpr uint32_t kStartInfoMagic = 0x336ec578;
constexpr uint32_t kMemmapTypeRam = 1;
constexpr paddr_t kLowMemoryEnd = 0x100000;        // BIOS, ROMs, legacy holes below
constexpr paddr_t kIdentityMapEnd = uint64_t{4} << 30;  // boot.S maps 0..4 GiB
constexpr size_t kMaxRanges = 32;                  // the page allocator's limit too

struct HvmStartInfo {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;
  uint32_t nr_modules;
  uint64_t modlist_paddr;
  uint64_t cmdline_paddr;
  uint64_t rsdp_paddr;
  // version >= 1
  uint64_t memmap_paddr;
  uint32_t memmap_entries;
  uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);

struct HvmMemmapEntry {
  uint64_t addr;
  uint64_t size;
  uint32_t type;
  uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

constinit PhysRange g_ranges[kMaxRanges] = {};
constinit size_t g_range_count = 0;

paddr_t kernel_image_end() { return Platform::virt_to_phys(__kernel_end); }

constexpr paddr_t page_down(paddr_t a) { return a & ~paddr_t{Platform::kPageSize - 1}; }
constexpr paddr_t page_up(paddr_t a) { return page_down(a + Platform::kPageSize - 1); }

// Inserts [base, end) keeping g_ranges sorted; trims it against its
// neighbours so no page is reported twice.
void add_range(paddr_t base, paddr_t end) {
  size_t i = 0;
  while (i < g_range_count && g_ranges[i].base < base) ++i;
  if (i > 0) {
    paddr_t prev_end = g_ranges[i - 1].base + g_ranges[i - 1].size;
    if (prev_end > base) base = prev_end;
  }
  if (i < g_range_count && g_ranges[i].base < end) end = g_ranges[i].base;
  if (base >= end) return;
  if (g_range_count == kMaxRanges) {
    klog("amd64: memory map: more than %zu RAM ranges, ignoring %#lx-%#lx\n", kMaxRanges, base, end - 1);
    return;
  }
  for (size_t j = g_range_count; j > i; --j) g_ranges[j] = g_ranges[j - 1];
  g_ranges[i] = PhysRange{.base = base, .size = end - base};
  ++g_range_count;
}

}  // namespace

void boot_memory_init(uint32_t start_info) {
  const auto* info = static_cast<const HvmStartInfo*>(Platform::phys_to_virt(start_info));
  if (start_info == 0 || info->magic != kStartInfoMagic)
    panic("amd64: no PVH start info at %#x (booted without PVH?)", start_info);
  if (info->version < 1 || info->memmap_entries == 0)
    panic("amd64: PVH start info version %u has no memory map", info->version);

  const paddr_t floor = page_up(kernel_image_end() > kLowMemoryEnd ? kernel_image_end() : kLowMemoryEnd);
  const auto* map = static_cast<const HvmMemmapEntry*>(Platform::phys_to_virt(info->memmap_paddr));
  for (uint32_t i = 0; i < info->memmap_entries; ++i) {
    const HvmMemmapEntry& e = map[i];
    if (e.type != kMemmapTypeRam || e.size == 0) continue;
    paddr_t base = e.addr < floor ? floor : e.addr;
    paddr_t end = e.addr + e.size < e.addr ? kIdentityMapEnd : e.addr + e.size;  // wrapped: clip
    if (end > kIdentityMapEnd) end = kIdentityMapEnd;
    base = page_up(base);
    end = page_down(end);
    if (base < end) add_range(base, end);
  }
  if (g_range_count == 0) panic("amd64: the PVH memory map has no usable RAM above the kernel");
}

}  // namespace umach::amd64

namespace umach::platform {

kstd::Span<const PhysRange> Backend::phys_ranges() {
  return kstd::Span<const PhysRange>(amd64::g_ranges, amd64::g_range_count);
}

}  // namespace umach::platform
