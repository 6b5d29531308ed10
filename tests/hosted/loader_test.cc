// tests/hosted/loader_test.cc: the core's task-program loader
// (core/task/program/) on hosted, what a load makes: task programs (hello,
// spin, and the riscv64 hello, built by cmake/UmachTaskProgram.cmake)
// loaded into a VmMap: segments mapped from the program's image object
// with their protections (text shared, data copy-on-write), relocations,
// the stack and its argument block; the hosted commpage the caller enters;
// the image cache; every page given back, failed allocations included. One
// test runs hello for real against a trap stub of its own; the riscv64 one
// cannot run here, so its entry, argument block and relocated words are
// checked through the map. What is refused: loader_refusal_test.cc.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "mach/vm_wire.h"
#include "tests/hosted/loader_support.h"

namespace umach::test {
namespace {

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

}  // namespace
}  // namespace umach::test
