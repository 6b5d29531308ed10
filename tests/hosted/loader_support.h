// tests/hosted/loader_support.h: the fixture of the hosted loader tests
// (loader_test.cc: what a load makes; loader_refusal_test.cc: what is
// refused): reading a program file and its headers, reading a task's
// memory through its map (map_read, vm_region: nothing is in the pmap until
// touched), an address space per load, and the LoaderTest fixture with a
// commpage aimed at the test's trap stub, which the caller (the test, as
// TestTask::load does) enters in the pmap itself.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>
#include <stdio.h>

#include <string>
#include <vector>

#include "core/fault_inject.h"
#include "core/selftest.h"
#include "core/task/program/loader.h"
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

using hosted::Pmap;
using program::LoadedProgram;
using program::LoadStatus;
using program::Machine;
using program::ProgramImage;

inline std::vector<uint8_t> read_file(const char* path) {
  std::vector<uint8_t> bytes;
  FILE* f = fopen(path, "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return bytes;
  for (int c; (c = fgetc(f)) != EOF;) bytes.push_back(static_cast<uint8_t>(c));
  fclose(f);
  return bytes;
}

template <class T>
inline T at(const std::vector<uint8_t>& file, size_t offset) {
  T v;
  memcpy(&v, file.data() + offset, sizeof v);
  return v;
}

inline std::vector<Elf64_Phdr> loadable_segments(const std::vector<uint8_t>& file) {
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
inline std::vector<uint8_t> task_bytes(vm::VmMap& map, uint64_t va, size_t n) {
  std::vector<uint8_t> bytes(n);
  EXPECT_EQ(vm::map_read(map, va, bytes.data(), n), KERN_SUCCESS) << std::hex << va;
  return bytes;
}

template <class T>
inline T task_at(vm::VmMap& map, uint64_t va) {
  T v{};
  EXPECT_EQ(vm::map_read(map, va, &v, sizeof v), KERN_SUCCESS) << std::hex << va;
  return v;
}

inline vm::RegionInfo region_at(vm::VmMap& map, uint64_t va) {
  vm::RegionInfo r{};
  EXPECT_EQ(vm::region(map, va, &r), KERN_SUCCESS);
  EXPECT_LE(r.address, va) << std::hex << va << ": no region holds it";
  return r;
}

inline bool map_is_empty(vm::VmMap& map) {
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

}  // namespace umach::test
