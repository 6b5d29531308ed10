// tests/hosted/loader_test.cc: the core's task-program loader
// (core/task/program/) on hosted: loading task programs (hello, spin, and
// the riscv64 hello, built by cmake/UmachTaskProgram.cmake) into a VmMap:
// segments mapped from the program's image object with their protections
// (text shared, data copy-on-write), relocations, the stack; the hosted
// commpage the caller enters; the image cache; malformed files and
// programs for another machine rejected cleanly; every page given back.
// Memory is read through the VM (map_read, vm_region), since nothing is
// entered in the pmap until touched. One test runs hello for real against
// a trap stub of its own; the riscv64 one cannot run here, so its entry,
// argument block and relocated words are checked through the map.
#include <elf.h>
#include <stdio.h>

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <memory>
#include <vector>

#include "core/fault_inject.h"
#include "core/selftest.h"
#include "core/task/program/loader.h"
#include "mach/vm_wire.h"
#include "platform/hosted/memory/commpage.h"
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

using hosted::Pmap;
using program::LoadedProgram;
using program::LoadStatus;
using program::Machine;
using program::ProgramImage;

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
    if (map) program::unload_task_program(*map, program);
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
    if (map_) {
      program::unload_task_program(*map_, program_);
      pmap().remove(range().commpage(), kPageSize);
    }
    if (commpage_) hosted::commpage_free(commpage_);
  }
  LoadStatus load(const std::vector<uint8_t>& file, std::vector<const char*> argv = {"prog"},
                  Machine machine = Machine::kX86_64) {
    return load_into(*map_, file, &program_, argv, machine);
  }
  // The loader only records the commpage's address (the hosted one, below
  // the map's vm_min); the caller enters it (enter_commpage).
  LoadStatus load_into(vm::VmMap& map, const std::vector<uint8_t>& file, LoadedProgram* out,
                       std::vector<const char*> argv = {"prog"}, Machine machine = Machine::kX86_64) {
    return program::load_task_program(map, file.data(), file.size(), machine, argv.data(), argv.size(),
                                      map.pmap().range().commpage(), out);
  }
  // What TestTask::load does after loading: the commpage in the pmap alone.
  void enter_commpage() {
    ASSERT_TRUE(pmap().enter(range().commpage(), commpage_, kPageSize, hosted::kProtRead | hosted::kProtExecute).ok());
  }
  Pmap& pmap() { return map_->pmap(); }
  hosted::AddressRange& range() { return pmap().range(); }

  // Every relative relocation of `file` (of `type`) holds bias + addend in
  // the task's memory.
  void expect_relocated(const std::vector<uint8_t>& file, unsigned type) {
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
        ASSERT_EQ(ELF64_R_TYPE(r.r_info), type);
        EXPECT_EQ(task_at<uint64_t>(*map_, program_.load_bias + r.r_offset),
                  program_.load_bias + static_cast<uint64_t>(r.r_addend));
      }
    }
    EXPECT_GE(relocations, 3u) << "hello's table of three strings";
  }

  // The stack and the SysV argument block the loader made for `args`.
  void expect_argument_block(const std::vector<std::string>& args) {
    EXPECT_EQ(program_.sp % 16, 0u);
    EXPECT_EQ(program_.stack_top, map_->max());
    EXPECT_EQ(program_.stack_top - program_.stack_base, program::kStackSize);
    EXPECT_GT(program_.sp, program_.stack_base);
    const size_t n = args.size();
    auto sp = task_bytes(*map_, program_.sp, (n + 6) * 8);
    auto word = [&](size_t i) { return at<uint64_t>(sp, i * 8); };
    auto string = [&](uint64_t va) {
      std::string str;
      for (char c; (c = task_at<char>(*map_, va)) != 0; ++va) str += c;
      return str;
    };
    EXPECT_EQ(word(0), n);
    EXPECT_EQ(program_.argc, n);
    EXPECT_EQ(program_.argv, program_.sp + 8);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(string(word(1 + i)), args[i]) << i;
    EXPECT_EQ(word(n + 1), 0u) << "argv ends";
    EXPECT_EQ(word(n + 2), 0u) << "empty environment";
    EXPECT_EQ(word(n + 3), uint64_t{AT_PAGESZ});
    EXPECT_EQ(word(n + 4), kPageSize);
    EXPECT_EQ(word(n + 5), uint64_t{AT_NULL});
    // vm_allocate'd: one read/write region of its own.
    vm::RegionInfo r = region_at(*map_, program_.stack_base);
    EXPECT_EQ(r.address, program_.stack_base);
    EXPECT_EQ(r.size, program::kStackSize);
    EXPECT_EQ(r.protection, unsigned{VM_PROT_READ | VM_PROT_WRITE});
  }

  // Loading `file` for `machine` is refused with `want` and leaves the
  // kernel's pages, VM objects and entries, the image cache, the map and
  // its pmap as they were.
  void expect_refused(const std::vector<uint8_t>& file, LoadStatus want, Machine machine = Machine::kX86_64) {
    drain_caches();
    const size_t pages = page_allocator().free_pages(), images = ProgramImage::cached();
    const size_t objects = vm::live_objects(), entries = vm::live_entries();
    LoadedProgram out;
    EXPECT_EQ(load_into(*map_, file, &out, {"prog"}, machine), want)
        << program::load_status_name(want) << " expected";
    EXPECT_EQ(out.image, nullptr) << "nothing handed out";
    drain_caches();
    EXPECT_EQ(page_allocator().free_pages(), pages);
    EXPECT_EQ(vm::live_objects(), objects);
    EXPECT_EQ(vm::live_entries(), entries);
    EXPECT_EQ(ProgramImage::cached(), images);
    EXPECT_TRUE(map_is_empty(*map_));
    EXPECT_EQ(pmap().entry_count(), 0u);
  }
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
  EXPECT_GE(program_.load_bias, map_->min() + program::kImageOffset);
  EXPECT_EQ(program_.machine, Machine::kX86_64);
  EXPECT_EQ(pmap().entry_count(), 0u) << "nothing: everything is faulted in when touched";
}

TEST_F(LoaderTest, AppliesEveryRelativeRelocation) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  ASSERT_NO_FATAL_FAILURE(expect_relocated(file, R_X86_64_RELATIVE));
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
  ASSERT_NO_FATAL_FAILURE(expect_argument_block({"hello", "two", ""}));
  EXPECT_EQ(host_prot_at(program_.stack_base - 1), "---p") << "a guard below the stack";
}

TEST_F(LoaderTest, TheCallersCommpageHasATrapEntryForEveryNumber) {
  using L = hosted::CommpageLayout;
  auto file = read_file(UMACH_PROGRAM_SPIN);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  EXPECT_EQ(program_.commpage, range().commpage()) << "the address the caller gave";
  EXPECT_EQ(pmap().entry_count(), 0u) << "the loader enters nothing";
  ASSERT_NO_FATAL_FAILURE(enter_commpage());
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
  ASSERT_NO_FATAL_FAILURE(enter_commpage());
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
  program::unload_task_program(*other.map, other.program);
  EXPECT_EQ(ProgramImage::cached(), 1u);
  program::unload_task_program(*map_, program_);
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
  program::unload_task_program(*map_, program_);
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
    program::ElfImage img;
    ASSERT_NE(program::parse_elf(cut.data(), cut.size(), Machine::kX86_64, &img), LoadStatus::kOk)
        << "prefix of " << n << " bytes";
  }
  std::vector<uint8_t> enough(file.begin(), file.begin() + static_cast<long>(needed));
  program::ElfImage img;
  EXPECT_EQ(program::parse_elf(enough.data(), enough.size(), Machine::kX86_64, &img), LoadStatus::kOk);
}

TEST_F(LoaderTest, RejectsWhatIsNotAStaticPie) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  auto eh = at<Elf64_Ehdr>(file, 0);
  auto patch = [&](auto edit) {
    auto copy = file;
    edit(copy);
    program::ElfImage img;
    return program::parse_elf(copy.data(), copy.size(), Machine::kX86_64, &img);
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
      program::ElfImage img;
      EXPECT_EQ(program::parse_elf(copy.data(), copy.size(), Machine::kX86_64, &img),
                LoadStatus::kUnsupportedRelocation);
      r.r_info = ELF64_R_INFO(0, R_RISCV_RELATIVE);  // the other machine's
      memcpy(&copy[d.d_un.d_ptr], &r, sizeof r);
      EXPECT_EQ(program::parse_elf(copy.data(), copy.size(), Machine::kX86_64, &img),
                LoadStatus::kUnsupportedRelocation);
      r.r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE);
      r.r_offset = 0x7fff'0000;  // outside the image
      memcpy(&copy[d.d_un.d_ptr], &r, sizeof r);
      EXPECT_EQ(program::parse_elf(copy.data(), copy.size(), Machine::kX86_64, &img), LoadStatus::kBadRelocation);
      r.r_offset = at<Elf64_Ehdr>(file, 0).e_entry;  // into the text
      memcpy(&copy[d.d_un.d_ptr], &r, sizeof r);
      EXPECT_EQ(program::parse_elf(copy.data(), copy.size(), Machine::kX86_64, &img), LoadStatus::kBadRelocation);
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
    if (load(copy) == LoadStatus::kOk) program::unload_task_program(*map_, program_);
    drain_caches();
    ASSERT_EQ(page_allocator().free_pages(), before);
    ASSERT_EQ(ProgramImage::cached(), 0u);
  }
}

// The riscv64 hello (lib/CMakeLists.txt) loads into a map on hosted like
// the x86-64 one: it cannot run here, so its entry, its segments, its
// argument block (a0/a1/a2 take argc, argv and the commpage as rdi/rsi/rdx
// do) and its R_RISCV_RELATIVE words are checked through the map.
TEST_F(LoaderTest, LoadsARiscV64Program) {
  auto file = read_file(UMACH_PROGRAM_HELLO_RISCV64);
  auto eh = at<Elf64_Ehdr>(file, 0);
  ASSERT_EQ(eh.e_machine, EM_RISCV);
  ASSERT_EQ(load(file, {"hello", "rv64"}, Machine::kRiscV64), LoadStatus::kOk);
  EXPECT_EQ(program_.machine, Machine::kRiscV64);
  EXPECT_EQ(program_.pc, program_.load_bias + eh.e_entry);
  EXPECT_EQ(program_.commpage, range().commpage());
  EXPECT_EQ(program_.load_bias % kPageSize, 0u);
  EXPECT_GE(program_.load_bias, map_->min() + program::kImageOffset);
  for (const Elf64_Phdr& ph : loadable_segments(file)) {
    const vaddr_t va = program_.load_bias + ph.p_vaddr;
    vm::RegionInfo r = region_at(*map_, va);
    EXPECT_EQ(r.shared, !(ph.p_flags & PF_W)) << std::hex << va;
    if (ph.p_flags & PF_X) {
      EXPECT_EQ(r.protection, unsigned{VM_PROT_READ | VM_PROT_EXECUTE});
      EXPECT_EQ(task_bytes(*map_, va, ph.p_filesz), std::vector<uint8_t>(file.begin() + ph.p_offset,
                                                                      file.begin() + ph.p_offset + ph.p_filesz));
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_argument_block({"hello", "rv64"}));
  ASSERT_NO_FATAL_FAILURE(expect_relocated(file, R_RISCV_RELATIVE));
  EXPECT_EQ(pmap().entry_count(), 0u);
  program::unload_task_program(*map_, program_);
  EXPECT_TRUE(map_is_empty(*map_));
  EXPECT_EQ(ProgramImage::cached(), 0u);
}

// The caller says which machine it runs: a program for the other one is
// refused before anything is mapped or cached, even when the same file's
// image is cached for a task that runs it.
TEST_F(LoaderTest, RefusesAProgramForAnotherMachine) {
  auto hello = read_file(UMACH_PROGRAM_HELLO);
  auto hello_rv = read_file(UMACH_PROGRAM_HELLO_RISCV64);
  expect_refused(hello_rv, LoadStatus::kWrongMachine, Machine::kX86_64);
  expect_refused(hello, LoadStatus::kWrongMachine, Machine::kRiscV64);
  AddressSpace other;
  ASSERT_EQ(load_into(*other.map, hello_rv, &other.program, {"prog"}, Machine::kRiscV64), LoadStatus::kOk);
  expect_refused(hello_rv, LoadStatus::kWrongMachine, Machine::kX86_64);
  EXPECT_EQ(ProgramImage::cached(), 1u);
  EXPECT_STREQ(program::load_status_name(LoadStatus::kWrongMachine), "built for another machine");
}

// Malformed headers and tables, each an edit of a good hello: refused with
// their status, leaving nothing behind.
TEST_F(LoaderTest, RefusesMalformedSegmentsAndTables) {
  const auto file = read_file(UMACH_PROGRAM_HELLO);
  const auto eh = at<Elf64_Ehdr>(file, 0);
  // The offset of the nth program header of `type`, of the dynamic entry
  // of `tag`, of the first relocation.
  auto phdr_at = [&](uint32_t type, unsigned nth = 0) -> uint64_t {
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
      uint64_t o = eh.e_phoff + i * sizeof(Elf64_Phdr);
      auto ph = at<Elf64_Phdr>(file, o);
      if (ph.p_type == type && (type != PT_LOAD || ph.p_memsz != 0) && nth-- == 0) return o;
    }
    ADD_FAILURE() << "no program header " << type;
    return 0;
  };
  auto dyn_at = [&](int64_t tag) -> uint64_t {
    auto dyn = at<Elf64_Phdr>(file, phdr_at(PT_DYNAMIC));
    for (uint64_t o = dyn.p_offset; o < dyn.p_offset + dyn.p_filesz; o += sizeof(Elf64_Dyn))
      if (at<Elf64_Dyn>(file, o).d_tag == tag) return o;
    ADD_FAILURE() << "no dynamic entry " << tag;
    return 0;
  };
  const uint64_t rela_at = at<Elf64_Dyn>(file, dyn_at(DT_RELA)).d_un.d_ptr;  // file offset == address
  // Text is the second loadable segment, RELRO data the third (hello's
  // layout: rodata, text, data.rel.ro, data + bss).
  const uint64_t text = phdr_at(PT_LOAD, 1), relro = phdr_at(PT_LOAD, 2);
  ASSERT_EQ(at<Elf64_Phdr>(file, text).p_flags & PF_X, unsigned{PF_X});
  ASSERT_EQ(at<Elf64_Phdr>(file, relro).p_flags & PF_W, unsigned{PF_W});
  struct Case {
    const char* what;
    uint64_t offset;  // of the structure edited
    std::function<void(uint8_t*)> edit;
    LoadStatus want;
  };
  auto phdr = [](auto f) { return [f](uint8_t* p) { Elf64_Phdr h; memcpy(&h, p, sizeof h); f(h); memcpy(p, &h, sizeof h); }; };
  auto dyn = [](auto f) { return [f](uint8_t* p) { Elf64_Dyn d; memcpy(&d, p, sizeof d); f(d); memcpy(p, &d, sizeof d); }; };
  auto rela = [](auto f) { return [f](uint8_t* p) { Elf64_Rela r; memcpy(&r, p, sizeof r); f(r); memcpy(p, &r, sizeof r); }; };
  auto ehdr = [](auto f) { return [f](uint8_t* p) { Elf64_Ehdr h; memcpy(&h, p, sizeof h); f(h); memcpy(p, &h, sizeof h); }; };
  const uint64_t past_file = vm::page_round(file.size()) + kPageSize;
  const Case cases[] = {
      {"program headers past the file", 0, ehdr([&](Elf64_Ehdr& h) { h.e_phoff = past_file; }), LoadStatus::kTruncated},
      {"a program header of another size", 0, ehdr([](Elf64_Ehdr& h) { h.e_phentsize = 32; }), LoadStatus::kNotElf},
      {"no program header", 0, ehdr([](Elf64_Ehdr& h) { h.e_phnum = 0; }), LoadStatus::kNotElf},
      {"big-endian", 0, ehdr([](Elf64_Ehdr& h) { h.e_ident[EI_DATA] = ELFDATA2MSB; }), LoadStatus::kNotElf},
      {"overlapping segments", text, phdr([](Elf64_Phdr& p) { p.p_vaddr -= kPageSize, p.p_offset -= kPageSize; }),
       LoadStatus::kBadSegment},
      {"a segment of a terabyte", relro, phdr([](Elf64_Phdr& p) { p.p_memsz = uint64_t{1} << 40; }),
       LoadStatus::kTooLarge},
      {"a segment at the top of the address space", relro,
       phdr([](Elf64_Phdr& p) { p.p_vaddr = ~uint64_t{0} - 0xfff; p.p_memsz = 0x2000; }), LoadStatus::kTooLarge},
      {"an alignment that is no power of two", text, phdr([](Elf64_Phdr& p) { p.p_align = 0x1800; }),
       LoadStatus::kBadSegment},
      {"an alignment past 2 MiB", text, phdr([](Elf64_Phdr& p) { p.p_align = uint64_t{4} << 20; }),
       LoadStatus::kBadSegment},
      {"vaddr and offset apart in the page", text, phdr([](Elf64_Phdr& p) { p.p_vaddr += 8; }),
       LoadStatus::kBadSegment},
      {"vaddr and offset apart modulo the alignment", text,
       phdr([](Elf64_Phdr& p) { p.p_vaddr += kPageSize; p.p_align = 2 * kPageSize; }), LoadStatus::kBadSegment},
      {"file contents past the file", relro, phdr([&](Elf64_Phdr& p) { p.p_offset = past_file; }),
       LoadStatus::kBadSegment},
      {"more file contents than memory", relro, phdr([](Elf64_Phdr& p) { p.p_filesz = p.p_memsz + 1; }),
       LoadStatus::kBadSegment},
      {"a segment with no access", relro, phdr([](Elf64_Phdr& p) { p.p_flags = 0; }), LoadStatus::kBadSegment},
      {"thread-local storage", phdr_at(PT_GNU_STACK), phdr([](Elf64_Phdr& p) { p.p_type = PT_TLS; }),
       LoadStatus::kNotStaticPie},
      {"the dynamic table past the file", phdr_at(PT_DYNAMIC), phdr([&](Elf64_Phdr& p) { p.p_offset = past_file; }),
       LoadStatus::kBadDynamic},
      {"a dynamic table with no end", dyn_at(DT_NULL), dyn([](Elf64_Dyn& d) { d.d_tag = DT_DEBUG; }),
       LoadStatus::kBadDynamic},
      {"a needed library", dyn_at(DT_RELACOUNT), dyn([](Elf64_Dyn& d) { d.d_tag = DT_NEEDED; }),
       LoadStatus::kNotStaticPie},
      {"text relocations", dyn_at(DT_RELACOUNT), dyn([](Elf64_Dyn& d) { d.d_tag = DT_TEXTREL; }),
       LoadStatus::kUnsupportedRelocation},
      {"a relocation table past the file", dyn_at(DT_RELA), dyn([&](Elf64_Dyn& d) { d.d_un.d_ptr = past_file; }),
       LoadStatus::kBadDynamic},
      {"relocations of another size", dyn_at(DT_RELAENT), dyn([](Elf64_Dyn& d) { d.d_un.d_val = 16; }),
       LoadStatus::kBadDynamic},
      {"a relocation table cut mid-entry", dyn_at(DT_RELASZ), dyn([](Elf64_Dyn& d) { d.d_un.d_val -= 8; }),
       LoadStatus::kBadDynamic},
      {"a relocation in read-only data", rela_at, rela([](Elf64_Rela& r) { r.r_offset = 0x100; }),
       LoadStatus::kBadRelocation},
      {"a relocation astride a segment's end", rela_at,
       rela([&](Elf64_Rela& r) {
         auto p = at<Elf64_Phdr>(file, relro);
         r.r_offset = p.p_vaddr + p.p_memsz - 4;
       }),
       LoadStatus::kBadRelocation},
      {"a relocation with a symbol", rela_at, rela([](Elf64_Rela& r) { r.r_info = ELF64_R_INFO(1, R_X86_64_RELATIVE); }),
       LoadStatus::kUnsupportedRelocation},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto copy = file;
    c.edit(copy.data() + c.offset);
    ASSERT_NO_FATAL_FAILURE(expect_refused(copy, c.want));
  }
}

}  // namespace
}  // namespace umach::test
