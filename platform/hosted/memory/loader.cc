// platform/hosted/memory/loader.cc: loading task programs (see loader.h).
// The loader writes the task's memory through the kernel's direct map
// (physical pages found with Pmap::extract), so it never depends on which
// address space is resident or on the task's protections.
#include "platform/hosted/memory/loader.h"

#include <elf.h>
#include <string.h>

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "platform/hosted/memory/address_window.h"

namespace umach::hosted {

namespace {

// Copies n bytes to task address va, page by page through the direct map.
void write_task(const Pmap& pmap, vaddr_t va, const void* src, size_t n) {
  auto* from = static_cast<const uint8_t*>(src);
  while (n > 0) {
    size_t chunk = kPageSize - (va % kPageSize);
    if (chunk > n) chunk = n;
    auto pa = pmap.extract(va);
    kassert(pa.ok());
    memcpy(Platform::phys_to_virt(pa.value()), from, chunk);
    va += chunk, from += chunk, n -= chunk;
  }
}

// Allocates zeroed pages for [va, va + size) and enters them with `prot`:
// one physically contiguous block when the allocator has one (fewer host
// mappings), else page by page.
LoadStatus populate(Pmap& pmap, vaddr_t va, size_t size, unsigned prot, LoadedProgram* out) {
  size_t pages = size / kPageSize;
  auto block = page_allocator().alloc(pages);
  if (block.ok()) {
    out->allocations.push_back({va, block.value(), pages});
  } else {
    for (size_t i = 0; i < pages; ++i) {
      auto page = page_allocator().alloc(1);
      if (!page.ok()) return LoadStatus::kNoMemory;
      out->allocations.push_back({va + i * kPageSize, page.value(), 1});
    }
  }
  for (size_t i = out->allocations.size(); i-- > 0;) {
    const auto& a = out->allocations[i];
    if (a.va < va || a.va >= va + size) break;
    memset(Platform::phys_to_virt(a.pa), 0, a.pages * kPageSize);
    // Entered as written to: the loader did write them, through the direct map.
    if (!pmap.enter(a.va, a.pa, a.pages * kPageSize, prot, prot).ok()) return LoadStatus::kNoMemory;
  }
  return LoadStatus::kOk;
}

LoadStatus load_segments(Pmap& pmap, const uint8_t* file, const ElfImage& img, LoadedProgram* out) {
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    vaddr_t begin = page_trunc(out->load_bias + s.vaddr), end = page_round(out->load_bias + s.vaddr + s.memsz);
    if (LoadStatus st = populate(pmap, begin, end - begin, s.prot, out); st != LoadStatus::kOk) return st;
    write_task(pmap, out->load_bias + s.vaddr, file + s.offset, s.filesz);
  }
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    Elf64_Rela r;
    memcpy(&r, file + img.rela_offset + i * sizeof r, sizeof r);  // bounds checked by parse_elf
    uint64_t value = out->load_bias + static_cast<uint64_t>(r.r_addend);
    write_task(pmap, out->load_bias + r.r_offset, &value, sizeof value);
  }
  if (img.relro_end > img.relro_begin) {
    // Read-only after relocation, like ld.so's RELRO; a non-executable part.
    if (!pmap.protect(out->load_bias + img.relro_begin, img.relro_end - img.relro_begin, kProtRead).ok())
      return LoadStatus::kNoMemory;
  }
  return LoadStatus::kOk;
}

LoadStatus build_stack(Pmap& pmap, const char* const* argv, size_t argc, LoadedProgram* out) {
  size_t strings = 0;
  for (size_t i = 0; i < argc; ++i) strings += strlen(argv[i]) + 1;
  size_t words = 1 + argc + 1 + 1 + 4;  // argc, argv, NULL, envp NULL, AT_PAGESZ pair, AT_NULL pair
  if (argc > kStackSize / 16 || strings + words * 8 + 64 > kStackSize / 2) return LoadStatus::kTooLarge;
  if (LoadStatus st = populate(pmap, out->stack_base, kStackSize, kProtRead | kProtWrite, out); st != LoadStatus::kOk)
    return st;
  vaddr_t text = out->stack_top - strings;
  vaddr_t sp = (text - words * 8) & ~vaddr_t{15};
  std::vector<uint64_t> frame(words);
  frame[0] = argc;
  for (size_t i = 0; i < argc; ++i) {
    size_t n = strlen(argv[i]) + 1;
    write_task(pmap, text, argv[i], n);
    frame[1 + i] = text;
    text += n;
  }
  frame[argc + 3] = AT_PAGESZ;
  frame[argc + 4] = kPageSize;
  frame[argc + 5] = AT_NULL;
  write_task(pmap, sp, frame.data(), words * 8);
  out->sp = sp;
  out->argc = argc;
  out->argv = sp + 8;
  return LoadStatus::kOk;
}

LoadStatus load(Pmap& pmap, const uint8_t* file, const ElfImage& img, const char* const* argv, size_t argc,
                paddr_t commpage_page, LoadedProgram* out) {
  AddressRange& range = pmap.range();
  uint64_t align = img.align > kPageSize ? img.align : kPageSize;
  out->load_bias = (range.base() + kImageOffset + align - 1) & ~(align - 1);
  out->stack_top = range.vm_max();
  out->stack_base = out->stack_top - kStackSize;
  if (range.size() < kImageOffset + ElfImage::kMaxAlign + kStackSize ||
      img.span > out->stack_base - out->load_bias)
    return LoadStatus::kTooLarge;
  if (LoadStatus st = load_segments(pmap, file, img, out); st != LoadStatus::kOk) return st;
  if (LoadStatus st = build_stack(pmap, argv, argc, out); st != LoadStatus::kOk) return st;
  out->commpage = range.commpage();
  if (!pmap.enter(out->commpage, commpage_page, kPageSize, kProtRead | kProtExecute).ok()) return LoadStatus::kNoMemory;
  out->pc = out->load_bias + img.entry;
  return LoadStatus::kOk;
}

}  // namespace

LoadStatus load_task_program(Pmap& pmap, const uint8_t* file, size_t size, const char* const* argv, size_t argc,
                             paddr_t commpage_page, LoadedProgram* out) {
  ElfImage img;
  if (LoadStatus st = parse_elf(file, size, &img); st != LoadStatus::kOk) return st;
  LoadedProgram program;
  LoadStatus st = load(pmap, file, img, argv, argc, commpage_page, &program);
  if (st != LoadStatus::kOk) {
    unload_task_program(pmap, program);
    return st;
  }
  *out = static_cast<LoadedProgram&&>(program);
  return LoadStatus::kOk;
}

void unload_task_program(Pmap& pmap, LoadedProgram& program) {
  for (const auto& a : program.allocations) {
    pmap.remove(a.va, a.pages * kPageSize);
    page_allocator().free(a.pa, a.pages);
  }
  program.allocations.clear();
  if (program.commpage != 0) pmap.remove(program.commpage, kPageSize);
  program.commpage = 0;
}

}  // namespace umach::hosted
