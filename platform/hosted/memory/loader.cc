// platform/hosted/memory/loader.cc: loading task programs (see loader.h).
// The loader goes through the VM's calls (vm_map, vm_allocate, vm_protect)
// and writes the task's memory through its map (map_write: the physical
// pages, faulted as a write would be), so it never depends on which
// address space is resident or on the task's mappings. Only the commpage
// goes to the pmap directly.
#include "platform/hosted/memory/loader.h"

#include <elf.h>
#include <string.h>

#include <vector>

#include "core/platform/platform.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/pmap.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

namespace umach::hosted {

static_assert(kProtRead == VM_PROT_READ && kProtWrite == VM_PROT_WRITE && kProtExecute == VM_PROT_EXECUTE,
              "ElfSegment::prot is a VM protection");

namespace {

// What a VM call's failure means for a load: short of memory, or no room
// where the image or the stack goes (the map was not empty there).
LoadStatus status_of(kern_return_t kr) {
  if (kr == KERN_SUCCESS) return LoadStatus::kOk;
  return kr == KERN_RESOURCE_SHORTAGE ? LoadStatus::kNoMemory : LoadStatus::kTooLarge;
}

Elf64_Rela relocation(const uint8_t* file, const ElfImage& img, uint64_t i) {
  Elf64_Rela r;
  memcpy(&r, file + img.rela_offset + i * sizeof r, sizeof r);  // bounds checked by parse_elf
  return r;
}

// A segment is mapped copy-on-write if it is writable or relocated;
// anything else maps the image object shared.
bool copied(const uint8_t* file, const ElfImage& img, const ElfSegment& s) {
  if (s.prot & kProtWrite) return true;
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    uint64_t at = relocation(file, img, i).r_offset;
    if (at >= s.vaddr && at - s.vaddr < s.memsz) return true;
  }
  return false;
}

// Maps segment s: its file pages from the image object (a copy, writable
// until relocated, or shared, never writable), its pages past them
// zero-fill.
kern_return_t map_segment(vm::VmMap& map, vaddr_t bias, vm::VmObject* image, const ElfSegment& s, bool copy) {
  const uint64_t begin = vm::page_trunc(s.vaddr);
  const uint64_t file_end = s.filesz ? vm::page_round(s.vaddr + s.filesz) : begin;
  const uint64_t end = vm::page_round(s.vaddr + s.memsz);
  const unsigned cur = copy ? s.prot | VM_PROT_WRITE : s.prot;
  const unsigned max = copy ? VM_PROT_ALL : VM_PROT_ALL & ~unsigned{VM_PROT_WRITE};
  if (file_end > begin) {
    uint64_t at = bias + begin;
    kern_return_t kr = vm::map_object(map, &at, file_end - begin, 0, false, image, begin, copy, cur, max,
                                      VM_INHERIT_DEFAULT);
    if (kr != KERN_SUCCESS) return kr;
  }
  if (end == file_end) return KERN_SUCCESS;
  uint64_t at = bias + file_end;
  return vm::map_object(map, &at, end - file_end, 0, false, nullptr, 0, false, cur, VM_PROT_ALL, VM_INHERIT_DEFAULT);
}

// Maps the segments, relocates (writing through the map: the pages
// written become the task's own), then gives every segment its
// protection and makes the RELRO range read-only.
LoadStatus load_segments(vm::VmMap& map, const uint8_t* file, const ElfImage& img, LoadedProgram* out) {
  const vaddr_t bias = out->load_bias;
  out->image_end = bias + img.span;  // from here on, unload clears the span
  bool copy[ElfImage::kMaxSegments];
  for (size_t i = 0; i < img.segment_count; ++i) {
    copy[i] = copied(file, img, img.segments[i]);
    kern_return_t kr = map_segment(map, bias, out->image->object(), img.segments[i], copy[i]);
    if (kr != KERN_SUCCESS) return status_of(kr);
  }
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    Elf64_Rela r = relocation(file, img, i);
    uint64_t value = bias + static_cast<uint64_t>(r.r_addend);
    if (kern_return_t kr = vm::map_write(map, bias + r.r_offset, &value, sizeof value); kr != KERN_SUCCESS)
      return status_of(kr);
  }
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    if (!copy[i] || (s.prot & kProtWrite)) continue;
    uint64_t begin = vm::page_trunc(s.vaddr);
    kern_return_t kr = vm::protect(map, bias + begin, vm::page_round(s.vaddr + s.memsz) - begin, false, s.prot);
    if (kr != KERN_SUCCESS) return status_of(kr);
  }
  if (img.relro_end > img.relro_begin) {
    // Read-only after relocation, like ld.so's RELRO.
    kern_return_t kr =
        vm::protect(map, bias + img.relro_begin, img.relro_end - img.relro_begin, false, VM_PROT_READ);
    if (kr != KERN_SUCCESS) return status_of(kr);
  }
  return LoadStatus::kOk;
}

LoadStatus build_stack(vm::VmMap& map, const char* const* argv, size_t argc, vaddr_t base, LoadedProgram* out) {
  size_t strings = 0;
  for (size_t i = 0; i < argc; ++i) strings += strlen(argv[i]) + 1;
  size_t words = 1 + argc + 1 + 1 + 4;  // argc, argv, NULL, envp NULL, AT_PAGESZ pair, AT_NULL pair
  if (argc > kStackSize / 16 || strings + words * 8 + 64 > kStackSize / 2) return LoadStatus::kTooLarge;
  uint64_t at = base;
  if (kern_return_t kr = vm::allocate(map, &at, kStackSize, false); kr != KERN_SUCCESS) return status_of(kr);
  out->stack_base = base;
  out->stack_top = base + kStackSize;
  vaddr_t text = out->stack_top - strings;
  vaddr_t sp = (text - words * 8) & ~vaddr_t{15};
  std::vector<uint64_t> frame(words);
  frame[0] = argc;
  for (size_t i = 0; i < argc; ++i) {
    size_t n = strlen(argv[i]) + 1;
    if (kern_return_t kr = vm::map_write(map, text, argv[i], n); kr != KERN_SUCCESS) return status_of(kr);
    frame[1 + i] = text;
    text += n;
  }
  frame[argc + 3] = AT_PAGESZ;
  frame[argc + 4] = kPageSize;
  frame[argc + 5] = AT_NULL;
  if (kern_return_t kr = vm::map_write(map, sp, frame.data(), words * 8); kr != KERN_SUCCESS) return status_of(kr);
  out->sp = sp;
  out->argc = argc;
  out->argv = sp + 8;
  return LoadStatus::kOk;
}

LoadStatus load(vm::VmMap& map, const uint8_t* file, size_t size, const ElfImage& img, const char* const* argv,
                size_t argc, paddr_t commpage_page, LoadedProgram* out) {
  Pmap& pmap = map.pmap();
  AddressRange& range = pmap.range();
  uint64_t align = img.align > kPageSize ? img.align : kPageSize;
  out->load_bias = (range.base() + kImageOffset + align - 1) & ~(align - 1);
  const vaddr_t stack_base = range.vm_max() - kStackSize;
  if (range.size() < kImageOffset + ElfImage::kMaxAlign + kStackSize || img.span > stack_base - out->load_bias)
    return LoadStatus::kTooLarge;
  Result<ProgramImage*> image = ProgramImage::acquire(file, size, img);
  if (!image.ok()) return LoadStatus::kNoMemory;
  out->image = image.value();
  if (LoadStatus st = load_segments(map, file, img, out); st != LoadStatus::kOk) return st;
  if (LoadStatus st = build_stack(map, argv, argc, stack_base, out); st != LoadStatus::kOk) return st;
  out->commpage = range.commpage();
  if (!pmap.enter(out->commpage, commpage_page, kPageSize, kProtRead | kProtExecute).ok()) return LoadStatus::kNoMemory;
  out->pc = out->load_bias + img.entry;
  return LoadStatus::kOk;
}

}  // namespace

LoadStatus load_task_program(vm::VmMap& map, const uint8_t* file, size_t size, const char* const* argv, size_t argc,
                             paddr_t commpage_page, LoadedProgram* out) {
  ElfImage img;
  if (LoadStatus st = parse_elf(file, size, &img); st != LoadStatus::kOk) return st;
  LoadedProgram program;
  LoadStatus st = load(map, file, size, img, argv, argc, commpage_page, &program);
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
  if (program.commpage != 0) map.pmap().remove(program.commpage, kPageSize);
  if (program.image) program.image->release();
  program = LoadedProgram{};
}

}  // namespace umach::hosted
