// tests/hosted/loader_test.cc: loading task programs (hello, spin, built by
// cmake/UmachTaskProgram.cmake) into a VmMap: segments mapped from the
// program's image object with their protections (text shared, data
// copy-on-write), relocations, the stack, the commpage; the image cache;
// malformed files rejected cleanly; every page given back. Memory is read
// through the VM (map_read, vm_region), since nothing is entered in the
// pmap until touched. One test runs hello for real against a trap stub of
// its own.
#include <elf.h>
#include <stdio.h>

#include <algorithm>
#include <random>
#include <string>
#include <memory>
#include <vector>

#include "core/fault_inject.h"
#include "core/selftest.h"
#include "mach/vm_wire.h"
#include "platform/hosted/memory/commpage.h"
#include "platform/hosted/memory/loader.h"
#include "tests/hosted/memory_support.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

extern "C" {
void umach_test_run_user(uintptr_t pc, uintptr_t sp, uint64_t argc, uintptr_t argv, uintptr_t commpage);
extern char umach_test_trap_stub[];
extern const char* umach_test_prints[16];
extern uint64_t umach_test_print_count;
extern uint64_t umach_test_exit_port;
}

namespace umach::test {
namespace {

using hosted::LoadedProgram;
using hosted::LoadStatus;
using hosted::Pmap;
using hosted::ProgramImage;

std::vector<uint8_t> read_file(const char* path) {
  std::vector<uint8_t> bytes;
  FILE* f = fopen(path, "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return bytes;
  for (int c; (c = fgetc(f)) != EOF;) bytes.push_back(static_cast<uint8_t>(c));
  fclose(f);
  return bytes;
}

template <class T>
T at(const std::vector<uint8_t>& file, size_t offset) {
  T v;
  memcpy(&v, file.data() + offset, sizeof v);
  return v;
}

std::vector<Elf64_Phdr> loadable_segments(const std::vector<uint8_t>& file) {
  auto eh = at<Elf64_Ehdr>(file, 0);
  std::vector<Elf64_Phdr> out;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_LOAD && ph.p_memsz != 0) out.push_back(ph);
  }
  return out;
}

// The task's bytes at [va, va + n), read through its map as the kernel
// reads a task's memory.
std::vector<uint8_t> task_bytes(vm::VmMap& map, uint64_t va, size_t n) {
  std::vector<uint8_t> bytes(n);
  EXPECT_EQ(vm::map_read(map, va, bytes.data(), n), KERN_SUCCESS) << std::hex << va;
  return bytes;
}

template <class T>
T task_at(vm::VmMap& map, uint64_t va) {
  T v{};
  EXPECT_EQ(vm::map_read(map, va, &v, sizeof v), KERN_SUCCESS) << std::hex << va;
  return v;
}

vm::RegionInfo region_at(vm::VmMap& map, uint64_t va) {
  vm::RegionInfo r{};
  EXPECT_EQ(vm::region(map, va, &r), KERN_SUCCESS);
  EXPECT_LE(r.address, va) << std::hex << va << ": no region holds it";
  return r;
}

bool map_is_empty(vm::VmMap& map) {
  vm::RegionInfo r;
  return vm::region(map, 0, &r) == KERN_NO_SPACE;
}

// An address space to load into: a map of its own (its window and pmap),
// and what was loaded there, unloaded when it goes.
struct AddressSpace {
  AddressSpace() : map(RefPtr<vm::VmMap>::adopt(vm::VmMap::create(nullptr))) { EXPECT_TRUE(map); }
  ~AddressSpace() {
    if (map) hosted::unload_task_program(*map, program);
  }
  RefPtr<vm::VmMap> map;
  LoadedProgram program;
};

// A map and a commpage aimed at the test's trap stub; the loaded program
// is unloaded and everything freed at the end.
class LoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(map_);
    auto page = hosted::commpage_create(reinterpret_cast<uintptr_t>(umach_test_trap_stub));
    ASSERT_TRUE(page.ok());
    commpage_ = page.value();
  }
  void TearDown() override {
    if (map_) hosted::unload_task_program(*map_, program_);
    if (commpage_) hosted::commpage_free(commpage_);
  }
  LoadStatus load(const std::vector<uint8_t>& file, std::vector<const char*> argv = {"prog"}) {
    return load_into(*map_, file, &program_, argv);
  }
  LoadStatus load_into(vm::VmMap& map, const std::vector<uint8_t>& file, LoadedProgram* out,
                       std::vector<const char*> argv = {"prog"}) {
    return hosted::load_task_program(map, file.data(), file.size(), argv.data(), argv.size(), commpage_, out);
  }
  Pmap& pmap() { return map_->pmap(); }
  hosted::AddressRange& range() { return pmap().range(); }
  // The physical page the task at `map` sees at va, after a fault as its
  // own access would make.
  static paddr_t page_seen(vm::VmMap& map, uint64_t va, unsigned access = VM_PROT_READ) {
    EXPECT_EQ(vm::vm_fault(map, va, access), KERN_SUCCESS);
    return Platform::pmap_extract(map.pmap(), va);
  }

  // Loads `file` into `map` with the 1st, 2nd, ... allocation failing
  // until the load succeeds; each failure must be kNoMemory and leave the
  // kernel's pages, VM objects and entries, the image cache, the map and
  // its pmap as they were.
  void load_failing_each_allocation(vm::VmMap& map, const std::vector<uint8_t>& file, LoadedProgram* out) {
    drain_caches();
    const size_t pages = page_allocator().free_pages(), images = ProgramImage::cached();
    const size_t objects = vm::live_objects(), entries = vm::live_entries();
    for (uint64_t n = 1; n < 500; ++n) {
      fault_inject::fail_nth(n);
      LoadStatus st = load_into(map, file, out);
      fault_inject::fail_nth(0);
      if (st == LoadStatus::kOk) return;
      ASSERT_EQ(st, LoadStatus::kNoMemory) << n;
      drain_caches();
      ASSERT_EQ(page_allocator().free_pages(), pages) << n;
      ASSERT_EQ(vm::live_objects(), objects) << n;
      ASSERT_EQ(vm::live_entries(), entries) << n;
      ASSERT_EQ(ProgramImage::cached(), images) << n;
      ASSERT_TRUE(map_is_empty(map)) << n;
      ASSERT_EQ(map.pmap().entry_count(), 0u) << n;
    }
    FAIL() << "the load never succeeded";
  }

  AddressSpace space_;
  vm::VmMap* map_ = space_.map.get();
  LoadedProgram& program_ = space_.program;
  paddr_t commpage_ = 0;
};

TEST_F(LoaderTest, MapsSegmentsWithTheirProtections) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  bool saw_text = false, saw_data = false;
  for (const Elf64_Phdr& ph : loadable_segments(file)) {
    vaddr_t va = program_.load_bias + ph.p_vaddr;
    vm::RegionInfo r = region_at(*map_, va);
    unsigned want = (ph.p_flags & PF_R ? VM_PROT_READ : 0) | (ph.p_flags & PF_W ? VM_PROT_WRITE : 0) |
                    (ph.p_flags & PF_X ? VM_PROT_EXECUTE : 0);
    if (ph.p_flags & PF_W) {
      // Copy-on-write; its RELRO part is read-only after relocation.
      EXPECT_TRUE(r.protection == want || r.protection == VM_PROT_READ) << std::hex << va;
      EXPECT_FALSE(r.shared);
      saw_data = true;
    } else {
      // Shared from the image object, and never writable.
      EXPECT_EQ(r.protection, want) << std::hex << va;
      EXPECT_EQ(r.max_protection & VM_PROT_WRITE, 0u) << std::hex << va;
      EXPECT_TRUE(r.shared);
    }
    if (ph.p_flags & PF_X) {
      saw_text = true;
      EXPECT_GE(program_.pc, va);
      EXPECT_LT(program_.pc, va + ph.p_memsz);
      EXPECT_EQ(task_bytes(*map_, va, ph.p_filesz), std::vector<uint8_t>(file.begin() + ph.p_offset,
                                                                      file.begin() + ph.p_offset + ph.p_filesz));
    }
    // Zeros past the file contents up to the end of the last page: the
    // bss, and the rest of the page where the file contents end.
    uint64_t end = vm::page_round(va + ph.p_memsz);
    auto tail = task_bytes(*map_, va + ph.p_filesz, end - (va + ph.p_filesz));
    EXPECT_EQ(std::count(tail.begin(), tail.end(), 0), static_cast<long>(tail.size())) << "bss is zero";
  }
  EXPECT_TRUE(saw_text);
  EXPECT_TRUE(saw_data);
  EXPECT_EQ(program_.load_bias % kPageSize, 0u);
  EXPECT_GE(program_.load_bias, range().vm_min());
  EXPECT_EQ(pmap().entry_count(), 1u) << "the commpage alone: the rest is faulted in when touched";
}

TEST_F(LoaderTest, AppliesEveryRelativeRelocation) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  auto eh = at<Elf64_Ehdr>(file, 0);
  size_t relocations = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_DYNAMIC) continue;
    uint64_t rela = 0, relasz = 0;
    for (uint64_t o = ph.p_offset; o < ph.p_offset + ph.p_filesz; o += sizeof(Elf64_Dyn)) {
      auto d = at<Elf64_Dyn>(file, o);
      if (d.d_tag == DT_RELA) rela = d.d_un.d_ptr;
      if (d.d_tag == DT_RELASZ) relasz = d.d_un.d_val;
    }
    // separate-loadable-segments: file offset == image address.
    for (uint64_t o = rela; o < rela + relasz; o += sizeof(Elf64_Rela), ++relocations) {
      auto r = at<Elf64_Rela>(file, o);
      ASSERT_EQ(ELF64_R_TYPE(r.r_info), unsigned{R_X86_64_RELATIVE});
      EXPECT_EQ(task_at<uint64_t>(*map_, program_.load_bias + r.r_offset),
                program_.load_bias + static_cast<uint64_t>(r.r_addend));
    }
  }
  EXPECT_GE(relocations, 3u) << "hello's table of three strings";
}

// The relocations went to the task's own pages: the image object still
// holds the file's bytes, which the next load relocates again.
TEST_F(LoaderTest, RelocationsLeaveTheImageObjectAsTheFileIs) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  SpinlockGuard hold(vm::g_vm_lock);
  for (const Elf64_Phdr& ph : loadable_segments(file))
    EXPECT_TRUE(vm::object_holds(*program_.image->object(), ph.p_vaddr, file.data() + ph.p_offset, ph.p_filesz));
}

TEST_F(LoaderTest, LaysOutTheStackSysVStyle) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file, {"hello", "two", ""}), LoadStatus::kOk);
  EXPECT_EQ(program_.sp % 16, 0u);
  EXPECT_EQ(program_.stack_top, range().vm_max());
  EXPECT_EQ(program_.stack_top - program_.stack_base, hosted::kStackSize);
  EXPECT_GT(program_.sp, program_.stack_base);
  auto sp = task_bytes(*map_, program_.sp, 9 * 8);
  auto word = [&](size_t i) { return at<uint64_t>(sp, i * 8); };
  auto string = [&](uint64_t va) {
    std::string s;
    for (char c; (c = task_at<char>(*map_, va)) != 0; ++va) s += c;
    return s;
  };
  EXPECT_EQ(word(0), 3u);
  EXPECT_EQ(program_.argc, 3u);
  EXPECT_EQ(program_.argv, program_.sp + 8);
  EXPECT_EQ(string(word(1)), "hello");
  EXPECT_EQ(string(word(2)), "two");
  EXPECT_EQ(string(word(3)), "");
  EXPECT_EQ(word(4), 0u) << "argv ends";
  EXPECT_EQ(word(5), 0u) << "empty environment";
  EXPECT_EQ(word(6), uint64_t{AT_PAGESZ});
  EXPECT_EQ(word(7), kPageSize);
  EXPECT_EQ(word(8), uint64_t{AT_NULL});
  // vm_allocate'd: one read/write region of its own.
  vm::RegionInfo r = region_at(*map_, program_.stack_base);
  EXPECT_EQ(r.address, program_.stack_base);
  EXPECT_EQ(r.size, hosted::kStackSize);
  EXPECT_EQ(r.protection, unsigned{VM_PROT_READ | VM_PROT_WRITE});
  EXPECT_EQ(host_prot_at(program_.stack_base - 1), "---p") << "a guard below the stack";
}

TEST_F(LoaderTest, MapsTheCommpageWithATrapEntryForEveryNumber) {
  using L = hosted::CommpageLayout;
  auto file = read_file(UMACH_PROGRAM_SPIN);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  EXPECT_EQ(program_.commpage, range().commpage());
  EXPECT_EQ(host_prot_at(program_.commpage), "r-xs");
  EXPECT_LT(program_.commpage, map_->min()) << "in the pmap only: no VM entry can land on it";
  auto* page = reinterpret_cast<const uint8_t*>(program_.commpage);
  for (unsigned n = 0; n < L::kEntryCount; ++n) {
    const uint8_t* e = page + n * L::kEntrySize;
    ASSERT_EQ(e[0], 0x49);  // mov %rcx, %r10
    ASSERT_EQ(e[3], 0xb8);  // mov $-N, %eax
    int32_t imm, rel;
    memcpy(&imm, e + 4, 4);
    memcpy(&rel, e + 10, 4);
    ASSERT_EQ(imm, -static_cast<int32_t>(n));
    ASSERT_EQ(e[8], 0xff);
    ASSERT_EQ(e[9], 0x25);
    ASSERT_EQ(n * L::kEntrySize + 14 + rel, L::kTargetOffset) << "jmp *target(%rip)";
  }
  uint64_t target;
  memcpy(&target, page + L::kTargetOffset, 8);
  EXPECT_EQ(target, reinterpret_cast<uint64_t>(umach_test_trap_stub));
  uint32_t magic;
  memcpy(&magic, page + L::kHeaderOffset, 4);
  EXPECT_EQ(magic, L::kMagic);
}

// hello runs on this host thread: crt0, relocated pointers, argv and the
// commpage all have to be right for these four strings to come out. No
// fault path runs here, so every page is wired in first (faulted as a
// touch would fault it: text read, data and stack written).
TEST_F(LoaderTest, HelloRunsAndPrintsThroughTheCommpage) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file, {"hello"}), LoadStatus::kOk);
  ASSERT_EQ(vm::wire_all(*map_, VM_WIRE_CURRENT), KERN_SUCCESS);
  umach_test_print_count = 0;
  umach_test_exit_port = 0;
  umach_test_run_user(program_.pc, program_.sp, program_.argc, program_.argv, program_.commpage);
  ASSERT_EQ(umach_test_print_count, 4u);
  EXPECT_STREQ(umach_test_prints[0], "hello from a task program\n");
  EXPECT_STREQ(umach_test_prints[1], "argv[0]: ");
  EXPECT_STREQ(umach_test_prints[2], "hello");
  EXPECT_STREQ(umach_test_prints[3], "\n");
  EXPECT_EQ(umach_test_exit_port, 0x103u) << "exit is task_terminate(mach_task_self())";
}

// Two address spaces running one program: one image object, the same
// physical text pages; a data page is the image's until one of them
// writes it, then that one has its own, and the image keeps the file's.
// (hello's .data has no relocation, so loading leaves it the image's.)
TEST_F(LoaderTest, TwoLoadsShareTextPagesAndCopyDataOnWrite) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  AddressSpace other;
  ASSERT_TRUE(other.map);
  ASSERT_EQ(load_into(*other.map, file, &other.program), LoadStatus::kOk);
  EXPECT_EQ(other.program.image, program_.image);
  EXPECT_EQ(ProgramImage::cached(), 1u);
  // The same image address in the other window.
  auto there = [&](vaddr_t va) { return va - program_.load_bias + other.program.load_bias; };
  vaddr_t pc = program_.pc;
  EXPECT_EQ(page_seen(*map_, pc, VM_PROT_EXECUTE), page_seen(*other.map, there(pc), VM_PROT_EXECUTE));
  const Elf64_Phdr* data = nullptr;
  auto segments = loadable_segments(file);
  for (const Elf64_Phdr& ph : segments)
    if ((ph.p_flags & PF_W) && ph.p_filesz > 0) data = &ph;  // the last: .data, past RELRO
  ASSERT_NE(data, nullptr);
  const vaddr_t va = program_.load_bias + data->p_vaddr;
  ASSERT_EQ(va % kPageSize, 0u);
  EXPECT_EQ(page_seen(*map_, va), page_seen(*other.map, there(va))) << "unwritten: the image's page";
  const uint8_t mine = file[data->p_offset] ^ 0xff;
  ASSERT_EQ(vm::map_write(*map_, va, &mine, 1), KERN_SUCCESS);
  EXPECT_NE(page_seen(*map_, va), page_seen(*other.map, there(va)));
  EXPECT_EQ(task_at<uint8_t>(*map_, va), mine);
  EXPECT_EQ(task_at<uint8_t>(*other.map, there(va)), file[data->p_offset]);
  SpinlockGuard hold(vm::g_vm_lock);
  EXPECT_TRUE(
      vm::object_holds(*program_.image->object(), data->p_vaddr, file.data() + data->p_offset, data->p_filesz));
}

// Many tasks running one program share its data segment's copy object
// (nobody writes the image): the chain under an unwritten data page stays
// two objects deep however many tasks load it.
TEST_F(LoaderTest, ManyLoadsOfOneProgramKeepTheDataChainShort) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  const Elf64_Phdr* data = nullptr;
  auto segments = loadable_segments(file);
  for (const Elf64_Phdr& ph : segments)
    if ((ph.p_flags & PF_W) && ph.p_filesz > 0) data = &ph;
  ASSERT_NE(data, nullptr);
  std::vector<std::unique_ptr<AddressSpace>> spaces;
  for (int i = 0; i < 12; ++i) {
    spaces.push_back(std::make_unique<AddressSpace>());
    ASSERT_EQ(load_into(*spaces.back()->map, file, &spaces.back()->program), LoadStatus::kOk);
  }
  for (auto& s : spaces) {
    const vaddr_t va = s->program.load_bias + data->p_vaddr;
    SpinlockGuard hold(vm::g_vm_lock);
    vm::VmMapEntry* e = s->map->lookup(va);
    ASSERT_NE(e, nullptr);
    EXPECT_LE(e->object->chain_depth(e->offset + (va - e->start)), 3u);
  }
  // One task writes its data: the others still see the file's bytes.
  auto& first = *spaces.front();
  const vaddr_t va = first.program.load_bias + data->p_vaddr;
  const uint8_t mine = file[data->p_offset] ^ 0xff;
  ASSERT_EQ(vm::map_write(*first.map, va, &mine, 1), KERN_SUCCESS);
  for (size_t i = 1; i < spaces.size(); ++i)
    EXPECT_EQ(task_at<uint8_t>(*spaces[i]->map, spaces[i]->program.load_bias + data->p_vaddr), file[data->p_offset]);
}

TEST_F(LoaderTest, TheImageCacheEmptiesWhenTheLastLoadGoes) {
  auto hello = read_file(UMACH_PROGRAM_HELLO);
  auto spin = read_file(UMACH_PROGRAM_SPIN);
  size_t objects = vm::live_objects();
  ASSERT_EQ(load(hello), LoadStatus::kOk);
  AddressSpace other;
  ASSERT_TRUE(other.map);
  ASSERT_EQ(load_into(*other.map, spin, &other.program), LoadStatus::kOk);
  EXPECT_EQ(ProgramImage::cached(), 2u) << "one image per program";
  EXPECT_NE(other.program.image, program_.image);
  hosted::unload_task_program(*other.map, other.program);
  EXPECT_EQ(ProgramImage::cached(), 1u);
  hosted::unload_task_program(*map_, program_);
  EXPECT_EQ(ProgramImage::cached(), 0u);
  EXPECT_EQ(vm::live_objects(), objects);
}

TEST_F(LoaderTest, ReleasesEveryPageItTook) {
  drain_caches();
  size_t before = page_allocator().free_pages();
  size_t objects = vm::live_objects(), entries = vm::live_entries();
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  EXPECT_LT(page_allocator().free_pages(), before);
  hosted::unload_task_program(*map_, program_);
  drain_caches();
  EXPECT_EQ(page_allocator().free_pages(), before);
  EXPECT_EQ(vm::live_objects(), objects);
  EXPECT_EQ(vm::live_entries(), entries);
  EXPECT_EQ(ProgramImage::cached(), 0u);
  EXPECT_TRUE(map_is_empty(*map_));
  EXPECT_EQ(pmap().entry_count(), 0u);
  EXPECT_EQ(pmap().host_mappings(), 0u);
}

// Fail the 1st, 2nd, ... allocation until the load succeeds: each failure
// is reported as kNoMemory and leaves nothing behind: no page, object or
// entry, nothing in the map or the pmap, no cached image.
TEST_F(LoaderTest, FailedAllocationsLeaveNothingBehind) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_NO_FATAL_FAILURE(load_failing_each_allocation(*map_, file, &program_));
  EXPECT_EQ(ProgramImage::cached(), 1u);
}

// The same with the program's image already cached (another address space
// runs it): a failed load leaves that image, and its use, as they were.
TEST_F(LoaderTest, FailedLoadsOfACachedProgramKeepItsImage) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  AddressSpace other;
  ASSERT_TRUE(other.map);
  ASSERT_NO_FATAL_FAILURE(load_failing_each_allocation(*other.map, file, &other.program));
  EXPECT_EQ(other.program.image, program_.image);
  // The first load's task still sees its program.
  for (const Elf64_Phdr& ph : loadable_segments(file))
    if (ph.p_flags & PF_X)
      EXPECT_EQ(task_bytes(*map_, program_.load_bias + ph.p_vaddr, ph.p_filesz),
                std::vector<uint8_t>(file.begin() + ph.p_offset, file.begin() + ph.p_offset + ph.p_filesz));
}

// Every prefix that cuts the headers or a segment's file content is
// rejected (what follows the last segment, debug info and section headers,
// is not needed to load).
TEST_F(LoaderTest, RejectsEveryTruncation) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_GT(file.size(), 64u);
  EXPECT_EQ(load(std::vector<uint8_t>(file.begin(), file.begin() + 10)), LoadStatus::kTruncated);
  auto eh = at<Elf64_Ehdr>(file, 0);
  uint64_t needed = eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_LOAD && ph.p_memsz != 0) needed = std::max<uint64_t>(needed, ph.p_offset + ph.p_filesz);
  }
  for (size_t n = 0; n < needed; n += (n < 1024 ? 1 : 61)) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<long>(n));
    hosted::ElfImage img;
    ASSERT_NE(hosted::parse_elf(cut.data(), cut.size(), &img), LoadStatus::kOk) << "prefix of " << n << " bytes";
  }
  std::vector<uint8_t> enough(file.begin(), file.begin() + static_cast<long>(needed));
  hosted::ElfImage img;
  EXPECT_EQ(hosted::parse_elf(enough.data(), enough.size(), &img), LoadStatus::kOk);
}

TEST_F(LoaderTest, RejectsWhatIsNotAStaticPie) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  auto eh = at<Elf64_Ehdr>(file, 0);
  auto patch = [&](auto edit) {
    auto copy = file;
    edit(copy);
    hosted::ElfImage img;
    return hosted::parse_elf(copy.data(), copy.size(), &img);
  };
  EXPECT_EQ(patch([](auto& f) { f[0] = 0; }), LoadStatus::kNotElf);
  EXPECT_EQ(patch([](auto& f) { f[EI_CLASS] = ELFCLASS32; }), LoadStatus::kNotElf);
  EXPECT_EQ(patch([](auto& f) { uint16_t m = EM_AARCH64; memcpy(&f[18], &m, 2); }), LoadStatus::kWrongMachine);
  EXPECT_EQ(patch([](auto& f) { uint16_t t = ET_EXEC; memcpy(&f[16], &t, 2); }), LoadStatus::kNotStaticPie);
  // Turn the first program header into an interpreter request.
  EXPECT_EQ(patch([&](auto& f) { uint32_t t = PT_INTERP; memcpy(&f[eh.e_phoff], &t, 4); }),
            LoadStatus::kNotStaticPie);
  // Entry point in data.
  EXPECT_EQ(patch([](auto& f) { uint64_t e = 0x7fffffff; memcpy(&f[24], &e, 8); }), LoadStatus::kBadEntry);
}

// The loader makes RELRO read-only through the map, which has nothing
// outside the segments.
TEST_F(LoaderTest, RejectsARelroRangeOutsideTheSegments) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  auto eh = at<Elf64_Ehdr>(file, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    uint64_t o = eh.e_phoff + i * sizeof(Elf64_Phdr);
    auto ph = at<Elf64_Phdr>(file, o);
    if (ph.p_type != PT_GNU_RELRO) continue;
    ph.p_vaddr = 0x3000'0000;  // inside the span limit, far past the image
    ph.p_memsz = 2 * kPageSize;
    auto copy = file;
    memcpy(&copy[o], &ph, sizeof ph);
    EXPECT_EQ(load(copy), LoadStatus::kBadSegment);
    EXPECT_TRUE(map_is_empty(*map_));
    return;
  }
  FAIL() << "hello has no PT_GNU_RELRO";
}

TEST_F(LoaderTest, RejectsRelocationsOtherThanRelative) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  auto eh = at<Elf64_Ehdr>(file, 0);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_DYNAMIC) continue;
    for (uint64_t o = ph.p_offset; o < ph.p_offset + ph.p_filesz; o += sizeof(Elf64_Dyn)) {
      auto d = at<Elf64_Dyn>(file, o);
      if (d.d_tag != DT_RELA) continue;
      auto copy = file;
      auto r = at<Elf64_Rela>(copy, d.d_un.d_ptr);
      r.r_info = ELF64_R_INFO(1, R_X86_64_64);
      memcpy(&copy[d.d_un.d_ptr], &r, sizeof r);
      hosted::ElfImage img;
      EXPECT_EQ(hosted::parse_elf(copy.data(), copy.size(), &img), LoadStatus::kUnsupportedRelocation);
      r.r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
      r.r_offset = 0x7fff'0000;  // outside the image
      memcpy(&copy[d.d_un.d_ptr], &r, sizeof r);
      EXPECT_EQ(hosted::parse_elf(copy.data(), copy.size(), &img), LoadStatus::kBadRelocation);
      return;
    }
  }
  FAIL() << "hello has no DT_RELA";
}

// A little fuzzing: random files and random corruptions of a good one are
// either rejected or load and unload cleanly; nothing crashes or leaks.
TEST_F(LoaderTest, SurvivesGarbageAndCorruptedFiles) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> junk(rng() % 4096);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() >= 4) memcpy(junk.data(), ELFMAG, 4);
    EXPECT_NE(load(junk), LoadStatus::kOk);
  }
  drain_caches();
  size_t before = page_allocator().free_pages();
  for (int i = 0; i < 1500; ++i) {
    auto copy = file;
    // Corrupt the headers most of the time: that is where the decisions are.
    size_t limit = (rng() % 4) ? std::min<size_t>(copy.size(), 1024) : copy.size();
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) copy[rng() % limit] ^= static_cast<uint8_t>(1u << (rng() % 8));
    if (load(copy) == LoadStatus::kOk) hosted::unload_task_program(*map_, program_);
    drain_caches();
    ASSERT_EQ(page_allocator().free_pages(), before);
    ASSERT_EQ(ProgramImage::cached(), 0u);
  }
}

}  // namespace
}  // namespace umach::test
