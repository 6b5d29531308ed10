// tests/hosted/loader_refusal_test.cc: what the core's task-program
// loader refuses, on hosted: truncated files, what is not a static PIE,
// programs for another machine than the caller's, malformed segments
// (overlapping, huge, misaligned, past the file), dynamic and relocation
// tables, relocations other than the machine's relative one or outside the
// writable segments, and random garbage. A refused load leaves the map, the
// pmap, the kernel's pages and the image cache as it found them.
#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/hosted/loader_support.h"

namespace umach::test {
namespace {

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

// A little fuzzing: random files and random corruptions of a good one
// (of each machine) are either rejected or load and unload cleanly;
// nothing crashes or leaks.
TEST_F(LoaderTest, SurvivesGarbageAndCorruptedFiles) {
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> junk(rng() % 4096);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() >= 4) memcpy(junk.data(), ELFMAG, 4);
    EXPECT_NE(load(junk), LoadStatus::kOk);
  }
  drain_caches();
  size_t before = page_allocator().free_pages();
  const struct {
    const char* path;
    Machine machine;
    int rounds;
  } programs[] = {{UMACH_PROGRAM_HELLO, Machine::kX86_64, 1500}, {UMACH_PROGRAM_HELLO_RISCV64, Machine::kRiscV64, 500}};
  for (const auto& prog : programs) {
    SCOPED_TRACE(prog.path);
    auto file = read_file(prog.path);
    for (int i = 0; i < prog.rounds; ++i) {
      auto copy = file;
      // Corrupt the headers most of the time: that is where the decisions are.
      size_t limit = (rng() % 4) ? std::min<size_t>(copy.size(), 1024) : copy.size();
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k)
        copy[rng() % limit] ^= static_cast<uint8_t>(1u << (rng() % 8));
      if (load(copy, {"prog"}, prog.machine) == LoadStatus::kOk) program::unload_task_program(*map_, program_);
      drain_caches();
      ASSERT_EQ(page_allocator().free_pages(), before);
      ASSERT_EQ(ProgramImage::cached(), 0u);
    }
  }
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
  // An edit of the header or entry of type T at a case's offset.
  auto as = [](auto type, auto f) {
    return [f](uint8_t* p) {
      decltype(type) v;
      memcpy(&v, p, sizeof v);
      f(v);
      memcpy(p, &v, sizeof v);
    };
  };
  auto ehdr = [&](auto f) { return as(Elf64_Ehdr{}, f); };
  auto phdr = [&](auto f) { return as(Elf64_Phdr{}, f); };
  auto dyn = [&](auto f) { return as(Elf64_Dyn{}, f); };
  auto rela = [&](auto f) { return as(Elf64_Rela{}, f); };
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
      {"a relocation with a symbol", rela_at,
       rela([](Elf64_Rela& r) { r.r_info = ELF64_R_INFO(1, R_X86_64_RELATIVE); }), LoadStatus::kUnsupportedRelocation},
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
