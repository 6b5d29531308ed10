// tests/hosted/loader_test.cc: loading task programs (hello, spin, built by
// cmake/UmachTaskProgram.cmake): segments, protections, relocations, the
// stack, the commpage; malformed files rejected cleanly; every page given
// back. One test runs hello for real against a trap stub of its own.
#include <elf.h>
#include <stdio.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/fault_inject.h"
#include "platform/hosted/memory/commpage.h"
#include "platform/hosted/memory/loader.h"
#include "tests/hosted/memory_support.h"

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

// A window, a pmap, a commpage aimed at the test's trap stub; a loaded
// program is unloaded and everything freed at the end.
class LoaderTest : public testing::Test {
 protected:
  void SetUp() override {
    auto page = hosted::commpage_create(reinterpret_cast<uintptr_t>(umach_test_trap_stub));
    ASSERT_TRUE(page.ok());
    commpage_ = page.value();
  }
  void TearDown() override {
    hosted::unload_task_program(pmap_, program_);
    hosted::commpage_free(commpage_);
  }
  LoadStatus load(const std::vector<uint8_t>& file, std::vector<const char*> argv = {"prog"}) {
    return hosted::load_task_program(pmap_, file.data(), file.size(), argv.data(), argv.size(), commpage_,
                                     &program_);
  }

  Window window_;
  Pmap pmap_{window_.range()};
  paddr_t commpage_ = 0;
  LoadedProgram program_;
};

TEST_F(LoaderTest, LoadsSegmentsWithTheirProtections) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  auto eh = at<Elf64_Ehdr>(file, 0);
  bool saw_text = false, saw_data = false;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    auto ph = at<Elf64_Phdr>(file, eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    vaddr_t va = program_.load_bias + ph.p_vaddr;
    std::string prot = host_prot_at(va);
    std::string want = std::string(ph.p_flags & PF_R ? "r" : "-") + (ph.p_flags & PF_W ? "w" : "-") +
                       (ph.p_flags & PF_X ? "x" : "-") + "s";
    if (ph.p_flags & PF_W) {
      // The RELRO part of a writable segment is read-only after relocation.
      EXPECT_TRUE(prot == want || prot == "r--s") << std::hex << va << " " << prot;
      saw_data = true;
    } else {
      EXPECT_EQ(prot, want) << std::hex << va;
    }
    if (ph.p_flags & PF_X) {
      saw_text = true;
      EXPECT_GE(program_.pc, va);
      EXPECT_LT(program_.pc, va + ph.p_memsz);
      EXPECT_EQ(memcmp(reinterpret_cast<void*>(va), file.data() + ph.p_offset, ph.p_filesz), 0);
    }
    for (uint64_t b = ph.p_filesz; b < ph.p_memsz; ++b)
      ASSERT_EQ(reinterpret_cast<uint8_t*>(va)[b], 0) << "bss is zero";
  }
  EXPECT_TRUE(saw_text);
  EXPECT_TRUE(saw_data);
  EXPECT_EQ(program_.load_bias % kPageSize, 0u);
  EXPECT_GE(program_.load_bias, window_.range().vm_min());
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
      EXPECT_EQ(*reinterpret_cast<uint64_t*>(program_.load_bias + r.r_offset),
                program_.load_bias + static_cast<uint64_t>(r.r_addend));
    }
  }
  EXPECT_GE(relocations, 3u) << "hello's table of three strings";
}

TEST_F(LoaderTest, LaysOutTheStackSysVStyle) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file, {"hello", "two", ""}), LoadStatus::kOk);
  EXPECT_EQ(program_.sp % 16, 0u);
  EXPECT_EQ(program_.stack_top, window_.range().vm_max());
  EXPECT_EQ(program_.stack_top - program_.stack_base, hosted::kStackSize);
  EXPECT_GT(program_.sp, program_.stack_base);
  auto* sp = reinterpret_cast<uint64_t*>(program_.sp);
  EXPECT_EQ(sp[0], 3u);
  EXPECT_EQ(program_.argc, 3u);
  EXPECT_EQ(program_.argv, program_.sp + 8);
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[1]), "hello");
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[2]), "two");
  EXPECT_STREQ(reinterpret_cast<const char*>(sp[3]), "");
  EXPECT_EQ(sp[4], 0u) << "argv ends";
  EXPECT_EQ(sp[5], 0u) << "empty environment";
  EXPECT_EQ(sp[6], uint64_t{AT_PAGESZ});
  EXPECT_EQ(sp[7], kPageSize);
  EXPECT_EQ(sp[8], uint64_t{AT_NULL});
  EXPECT_EQ(host_prot_at(program_.stack_base), "rw-s");
  EXPECT_EQ(host_prot_at(program_.stack_base - 1), "---p") << "a guard below the stack";
}

TEST_F(LoaderTest, MapsTheCommpageWithATrapEntryForEveryNumber) {
  using L = hosted::CommpageLayout;
  auto file = read_file(UMACH_PROGRAM_SPIN);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  EXPECT_EQ(program_.commpage, window_.range().commpage());
  EXPECT_EQ(host_prot_at(program_.commpage), "r-xs");
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
// commpage all have to be right for these four strings to come out.
TEST_F(LoaderTest, HelloRunsAndPrintsThroughTheCommpage) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file, {"hello"}), LoadStatus::kOk);
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

TEST_F(LoaderTest, ReleasesEveryPageItTook) {
  size_t before = page_allocator().free_pages();
  auto file = read_file(UMACH_PROGRAM_HELLO);
  ASSERT_EQ(load(file), LoadStatus::kOk);
  EXPECT_LT(page_allocator().free_pages(), before);
  hosted::unload_task_program(pmap_, program_);
  EXPECT_EQ(page_allocator().free_pages(), before);
  EXPECT_EQ(pmap_.entry_count(), 0u);
  EXPECT_EQ(pmap_.host_mappings(), 0u);
}

// Fail the 1st, 2nd, ... page allocation until the load succeeds: each
// failure is reported as kNoMemory and leaves nothing behind.
TEST_F(LoaderTest, FailedAllocationsLeaveNothingBehind) {
  auto file = read_file(UMACH_PROGRAM_HELLO);
  size_t before = page_allocator().free_pages();
  for (uint64_t n = 1; n < 200; ++n) {
    fault_inject::fail_nth(n);
    LoadStatus st = load(file);
    fault_inject::fail_nth(0);
    if (st == LoadStatus::kOk) return;
    ASSERT_EQ(st, LoadStatus::kNoMemory) << n;
    ASSERT_EQ(page_allocator().free_pages(), before) << n;
    ASSERT_EQ(pmap_.entry_count(), 0u) << n;
  }
  FAIL() << "the load never succeeded";
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
  size_t before = page_allocator().free_pages();
  for (int i = 0; i < 1500; ++i) {
    auto copy = file;
    // Corrupt the headers most of the time: that is where the decisions are.
    size_t limit = (rng() % 4) ? std::min<size_t>(copy.size(), 1024) : copy.size();
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) copy[rng() % limit] ^= static_cast<uint8_t>(1u << (rng() % 8));
    if (load(copy) == LoadStatus::kOk) hosted::unload_task_program(pmap_, program_);
    ASSERT_EQ(page_allocator().free_pages(), before);
  }
}

}  // namespace
}  // namespace umach::test
