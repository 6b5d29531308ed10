// core/task/program/loader_selftests.cc: the task-program loader's
// self-tests, on every platform (the bare-metal images run them at boot on
// real page tables, hosted under `umach --selftest` and tests/selftests).
// No task program file is at hand there, so each test builds a small
// static PIE in memory: a read+execute segment holding the headers, the
// "code" at the entry and the relocation table; a read+write segment with
// one relocated word, the dynamic table and a page of bss. It is loaded
// for each machine, checked through the map (map_read), refused for the
// other machine, and unloaded; the leak audit around each test checks that
// nothing stays.
#include "core/kstd/cstring.h"
#include "core/selftest.h"
#include "core/task/program/loader.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

namespace umach::program {
namespace {

// The synthetic program's layout (image addresses; file offset ==
// address in both segments).
constexpr uint64_t kEntry = 0x100;
constexpr uint64_t kRelaAt = 0x180;
constexpr uint64_t kTextSize = 0x200;
constexpr uint64_t kDataAt = 0x1000;      // the relocated word: bias + kEntry
constexpr uint64_t kDynamicAt = 0x1010;   // DT_RELA, DT_RELASZ, DT_NULL
constexpr uint64_t kDataFileSize = 0x40;
constexpr uint64_t kDataMemSize = 0x2000;  // bss up to 0x3000
constexpr size_t kFileSize = kDataAt + kDataFileSize;
constexpr uint64_t kCommpage = 0x7000;     // only recorded: the caller maps it

struct ProgramFile {
  uint8_t bytes[kFileSize];
};

template <class T>
void put(ProgramFile& f, uint64_t offset, const T& v) {
  kstd::memcpy(f.bytes + offset, &v, sizeof v);
}

void build_program(ProgramFile& f, Machine machine) {
  kstd::memset(f.bytes, 0, sizeof f.bytes);
  elf::Ehdr h{};
  kstd::memcpy(h.ident, elf::kMagic, sizeof elf::kMagic);
  h.ident[elf::kIdentClass] = elf::kClass64;
  h.ident[elf::kIdentData] = elf::kData2Lsb;
  h.ident[elf::kIdentVersion] = elf::kVersionCurrent;
  h.type = elf::kTypeDyn;
  h.machine = static_cast<uint16_t>(machine);
  h.version = 1;
  h.entry = kEntry;
  h.phoff = sizeof h;
  h.ehsize = sizeof h;
  h.phentsize = sizeof(elf::Phdr);
  h.phnum = 3;
  put(f, 0, h);
  const elf::Phdr phdrs[3] = {
      {elf::kPtLoad, elf::kPfR | elf::kPfX, 0, 0, 0, kTextSize, kTextSize, 0x1000},
      {elf::kPtLoad, elf::kPfR | elf::kPfW, kDataAt, kDataAt, kDataAt, kDataFileSize, kDataMemSize, 0x1000},
      {elf::kPtDynamic, elf::kPfR | elf::kPfW, kDynamicAt, kDynamicAt, kDynamicAt, 3 * sizeof(elf::Dyn),
       3 * sizeof(elf::Dyn), 8},
  };
  put(f, sizeof h, phdrs);
  const uint32_t relative =
      machine == Machine::kRiscV64 ? elf::kRelocRiscVRelative : elf::kRelocX86_64Relative;
  put(f, kRelaAt, elf::Rela{kDataAt, elf::rela_info(0, relative), static_cast<int64_t>(kEntry)});
  const elf::Dyn dynamic[3] = {{elf::kDtRela, kRelaAt}, {elf::kDtRelaSz, sizeof(elf::Rela)}, {elf::kDtNull, 0}};
  put(f, kDynamicAt, dynamic);
}

struct MapRef {
  MapRef() : map(vm::VmMap::create(nullptr)) {}
  ~MapRef() {
    if (map) map->unref();
  }
  vm::VmMap* map;
};

uint64_t read_u64(vm::VmMap& m, uint64_t va) {
  uint64_t v = ~uint64_t{0};
  if (vm::map_read(m, va, &v, sizeof v) != KERN_SUCCESS) return 0xdead;
  return v;
}

bool map_is_empty(vm::VmMap& m) {
  vm::RegionInfo r;
  return vm::region(m, 0, &r) == KERN_NO_SPACE;
}

void check_load(SelfTestContext& selftest_ctx, Machine machine, Machine other) {
  static ProgramFile file;  // 4 KiB: off the kernel stack
  build_program(file, machine);
  MapRef m;
  ST_CHECK(m.map != nullptr);
  if (!m.map) return;
  vm::VmMap& map = *m.map;
  const size_t cached = ProgramImage::cached();
  LoadedProgram p;
  const char* const argv[] = {"selftest", "two"};
  ST_CHECK_EQ(load_task_program(map, file.bytes, sizeof file.bytes, other, argv, 2, kCommpage, &p),
              LoadStatus::kWrongMachine);
  ST_CHECK(map_is_empty(map));
  ST_CHECK_EQ(ProgramImage::cached(), cached);
  ST_CHECK_EQ(load_task_program(map, file.bytes, sizeof file.bytes, machine, argv, 2, kCommpage, &p),
              LoadStatus::kOk);
  if (p.image == nullptr) return;
  ST_CHECK(p.machine == machine);
  ST_CHECK(p.load_bias >= map.min() + kImageOffset && p.load_bias % vm::kPageSize == 0);
  ST_CHECK_EQ(p.pc, p.load_bias + kEntry);
  ST_CHECK_EQ(p.commpage, kCommpage);
  ST_CHECK_EQ(read_u64(map, p.load_bias + kDataAt), p.load_bias + kEntry);  // relocated
  ST_CHECK_EQ(read_u64(map, p.load_bias + 0x2ff8), 0u);                      // bss
  // Text is shared from the image and never writable.
  vm::RegionInfo text;
  ST_CHECK_EQ(vm::region(map, p.load_bias, &text), KERN_SUCCESS);
  ST_CHECK(text.shared && (text.max_protection & VM_PROT_WRITE) == 0);
  // The stack at the top, the SysV argument block at sp.
  ST_CHECK_EQ(p.stack_top, map.max());
  ST_CHECK_EQ(p.stack_top - p.stack_base, kStackSize);
  ST_CHECK_EQ(p.sp % 16, 0u);
  ST_CHECK_EQ(p.argc, 2u);
  ST_CHECK_EQ(p.argv, p.sp + 8);
  ST_CHECK_EQ(read_u64(map, p.sp), 2u);
  char name[9] = {};
  ST_CHECK_EQ(vm::map_read(map, read_u64(map, p.sp + 8), name, sizeof name), KERN_SUCCESS);
  ST_CHECK(kstd::memcmp(name, "selftest", 9) == 0);
  ST_CHECK_EQ(read_u64(map, p.sp + 24), 0u);  // argv ends
  ST_CHECK_EQ(read_u64(map, p.sp + 32), 0u);  // no environment
  ST_CHECK_EQ(read_u64(map, p.sp + 40), elf::kAtPageSz);
  ST_CHECK_EQ(read_u64(map, p.sp + 48), uint64_t{vm::kPageSize});
  ST_CHECK_EQ(ProgramImage::cached(), cached + 1);
  unload_task_program(map, p);
  ST_CHECK(map_is_empty(map));
  ST_CHECK_EQ(ProgramImage::cached(), cached);
}

}  // namespace

UMACH_SELFTEST(loader_loads_an_x86_64_program) { check_load(selftest_ctx, Machine::kX86_64, Machine::kRiscV64); }
UMACH_SELFTEST(loader_loads_a_riscv64_program) { check_load(selftest_ctx, Machine::kRiscV64, Machine::kX86_64); }

// A relocation into the text, or of another machine's type, is refused
// before anything is mapped.
UMACH_SELFTEST(loader_refuses_bad_relocations) {
  static ProgramFile file;
  MapRef m;
  ST_CHECK(m.map != nullptr);
  if (!m.map) return;
  const char* const argv[] = {"x"};
  LoadedProgram p;
  build_program(file, Machine::kRiscV64);
  put(file, kRelaAt, elf::Rela{kEntry, elf::rela_info(0, elf::kRelocRiscVRelative), 0});
  ST_CHECK_EQ(load_task_program(*m.map, file.bytes, sizeof file.bytes, Machine::kRiscV64, argv, 1, 0, &p),
              LoadStatus::kBadRelocation);
  build_program(file, Machine::kRiscV64);
  put(file, kRelaAt, elf::Rela{kDataAt, elf::rela_info(0, elf::kRelocX86_64Relative), 0});
  ST_CHECK_EQ(load_task_program(*m.map, file.bytes, sizeof file.bytes, Machine::kRiscV64, argv, 1, 0, &p),
              LoadStatus::kUnsupportedRelocation);
  ST_CHECK(map_is_empty(*m.map));
  ST_CHECK(p.image == nullptr);
}

}  // namespace umach::program
