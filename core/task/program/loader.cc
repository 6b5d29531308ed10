// core/task/program/loader.cc: loading task programs (see loader.h).
// The loader goes through the VM's calls (vm_map, vm_allocate, vm_protect)
// and writes the task's memory through its map (map_write: the physical
// pages, faulted as a write would be), so it never depends on which
// address space is resident, on the task's mappings or on the platform.
#include "core/task/program/loader.h"

#include "core/kstd/cstring.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

namespace umach::program {

namespace {

// What a VM call's failure means for a load: short of memory, or no room
// where the image or the stack goes (the map was not empty there).
LoadStatus status_of(kern_return_t kr) {
  if (kr == KERN_SUCCESS) return LoadStatus::kOk;
  return kr == KERN_RESOURCE_SHORTAGE ? LoadStatus::kNoMemory : LoadStatus::kTooLarge;
}

// Maps segment s: its file pages from the image object (a copy if the
// segment is writable, else shared and never writable), its pages past
// them zero-fill.
kern_return_t map_segment(vm::VmMap& map, uint64_t bias, vm::VmObject* image, const ElfSegment& s) {
  const bool copy = (s.prot & VM_PROT_WRITE) != 0;
  const uint64_t begin = vm::page_trunc(s.vaddr);
  const uint64_t file_end = s.filesz ? vm::page_round(s.vaddr + s.filesz) : begin;
  const uint64_t end = vm::page_round(s.vaddr + s.memsz);
  const unsigned max = copy ? VM_PROT_ALL : VM_PROT_ALL & ~unsigned{VM_PROT_WRITE};
  if (file_end > begin) {
    uint64_t at = bias + begin;
    kern_return_t kr =
        vm::map_object(map, &at, file_end - begin, 0, false, image, begin, copy, s.prot, max, VM_INHERIT_DEFAULT);
    if (kr != KERN_SUCCESS) return kr;
  }
  if (end == file_end) return KERN_SUCCESS;
  uint64_t at = bias + file_end;
  return vm::map_object(map, &at, end - file_end, 0, false, nullptr, 0, false, s.prot, VM_PROT_ALL,
                        VM_INHERIT_DEFAULT);
}

// Maps the segments, relocates (writing through the map: the pages
// written become the task's own), then makes the RELRO range read-only.
LoadStatus load_segments(vm::VmMap& map, const uint8_t* file, const ElfImage& img, LoadedProgram* out) {
  const uint64_t bias = out->load_bias;
  out->image_end = bias + img.span;  // from here on, unload clears the span
  for (size_t i = 0; i < img.segment_count; ++i) {
    kern_return_t kr = map_segment(map, bias, out->image->object(), img.segments[i]);
    if (kr != KERN_SUCCESS) return status_of(kr);
  }
  // Every relocation is B + A into a writable segment (parse_elf).
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    elf::Rela r = relocation_at(file, img, i);
    uint64_t value = bias + static_cast<uint64_t>(r.addend);
    if (kern_return_t kr = vm::map_write(map, bias + r.offset, &value, sizeof value); kr != KERN_SUCCESS)
      return status_of(kr);
  }
  if (img.relro_end > img.relro_begin) {
    // Read-only after relocation, like ld.so's RELRO.
    kern_return_t kr =
        vm::protect(map, bias + img.relro_begin, img.relro_end - img.relro_begin, false, VM_PROT_READ);
    if (kr != KERN_SUCCESS) return status_of(kr);
  }
  return LoadStatus::kOk;
}

// The stack at [base, base + kStackSize), with the SysV argument block
// (loader.h) at its top.
LoadStatus build_stack(vm::VmMap& map, const char* const* argv, size_t argc, uint64_t base, LoadedProgram* out) {
  size_t strings = 0;
  for (size_t i = 0; i < argc; ++i) strings += kstd::strlen(argv[i]) + 1;
  const size_t words = 1 + argc + 1 + 1 + 4;  // argc, argv, NULL, envp NULL, AT_PAGESZ pair, AT_NULL pair
  if (argc > kStackSize / 16 || strings + words * 8 + 64 > kStackSize / 2) return LoadStatus::kTooLarge;
  uint64_t at = base;
  if (kern_return_t kr = vm::allocate(map, &at, kStackSize, false); kr != KERN_SUCCESS) return status_of(kr);
  out->stack_base = base;
  out->stack_top = base + kStackSize;
  uint64_t text = out->stack_top - strings;
  const uint64_t sp = (text - words * 8) & ~uint64_t{15};
  auto word = [&](size_t i, uint64_t value) { return vm::map_write(map, sp + i * 8, &value, sizeof value); };
  // The stack is fresh zero-fill memory: the NULL words need no write.
  if (kern_return_t kr = word(0, argc); kr != KERN_SUCCESS) return status_of(kr);
  for (size_t i = 0; i < argc; ++i) {
    size_t n = kstd::strlen(argv[i]) + 1;
    if (kern_return_t kr = vm::map_write(map, text, argv[i], n); kr != KERN_SUCCESS) return status_of(kr);
    if (kern_return_t kr = word(1 + i, text); kr != KERN_SUCCESS) return status_of(kr);
    text += n;
  }
  if (kern_return_t kr = word(argc + 3, elf::kAtPageSz); kr != KERN_SUCCESS) return status_of(kr);
  if (kern_return_t kr = word(argc + 4, vm::kPageSize); kr != KERN_SUCCESS) return status_of(kr);
  static_assert(elf::kAtNull == 0, "AT_NULL's pair is the stack's zeros");
  out->sp = sp;
  out->argc = argc;
  out->argv = sp + 8;
  return LoadStatus::kOk;
}

LoadStatus load(vm::VmMap& map, const uint8_t* file, size_t size, const ElfImage& img, const char* const* argv,
                size_t argc, uint64_t commpage, LoadedProgram* out) {
  const uint64_t min = map.min(), max = map.max();
  if (max < min || max - min < kImageOffset + ElfImage::kMaxAlign + kStackSize) return LoadStatus::kTooLarge;
  const uint64_t align = img.align > vm::kPageSize ? img.align : vm::kPageSize;
  const uint64_t bias = (min + kImageOffset + align - 1) & ~(align - 1);
  const uint64_t stack_base = max - kStackSize;
  if (img.span > stack_base - bias) return LoadStatus::kTooLarge;
  out->machine = img.machine;
  out->load_bias = bias;
  Result<ProgramImage*> image = ProgramImage::acquire(file, size, img);
  if (!image.ok()) return LoadStatus::kNoMemory;
  out->image = image.value();
  if (LoadStatus st = load_segments(map, file, img, out); st != LoadStatus::kOk) return st;
  if (LoadStatus st = build_stack(map, argv, argc, stack_base, out); st != LoadStatus::kOk) return st;
  out->commpage = commpage;
  out->pc = bias + img.entry;
  return LoadStatus::kOk;
}

}  // namespace

LoadStatus load_task_program(vm::VmMap& map, const uint8_t* file, size_t size, Machine machine,
                             const char* const* argv, size_t argc, uint64_t commpage, LoadedProgram* out) {
  ElfImage img;
  if (LoadStatus st = parse_elf(file, size, machine, &img); st != LoadStatus::kOk) return st;
  LoadedProgram program;
  LoadStatus st = load(map, file, size, img, argv, argc, commpage, &program);
  if (st != LoadStatus::kOk) {
    unload_task_program(map, program);
    return st;
  }
  *out = program;
  return LoadStatus::kOk;
}

void unload_task_program(vm::VmMap& map, LoadedProgram& program) {
  // Removing entries may need to clip them; a clip short of memory leaves
  // them to the map's own end, which takes everything.
  if (program.image_end > program.load_bias)
    (void)vm::deallocate(map, program.load_bias, program.image_end - program.load_bias);
  if (program.stack_top > program.stack_base)
    (void)vm::deallocate(map, program.stack_base, program.stack_top - program.stack_base);
  if (program.image) program.image->release();
  program = LoadedProgram{};
}

}  // namespace umach::program
