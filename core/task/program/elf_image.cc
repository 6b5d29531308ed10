// core/task/program/elf_image.cc: validation of task-program ELF files
// (see elf_image.h). Every read goes through read_at(), which checks bounds.
#include "core/task/program/elf_image.h"

#include "core/kstd/cstring.h"
#include "mach/vm_prot.h"
#include "vm/page.h"

namespace umach::program {

namespace {

using vm::kPageSize;
using vm::page_round;
using vm::page_trunc;

// [offset, offset + count * size) inside the file, without overflow.
bool fits(size_t file_size, uint64_t offset, uint64_t count, uint64_t size) {
  if (size != 0 && count > (UINT64_MAX / size)) return false;
  uint64_t bytes = count * size;
  return offset <= file_size && bytes <= file_size - offset;
}

template <class T>
bool read_at(const uint8_t* file, size_t size, uint64_t offset, T* out) {
  if (!fits(size, offset, 1, sizeof(T))) return false;
  kstd::memcpy(out, file + offset, sizeof(T));
  return true;
}

unsigned prot_of(uint32_t flags) {
  unsigned prot = 0;
  if (flags & elf::kPfR) prot |= VM_PROT_READ;
  if (flags & elf::kPfW) prot |= VM_PROT_WRITE | VM_PROT_READ;  // neither machine writes without reading
  if (flags & elf::kPfX) prot |= VM_PROT_EXECUTE | VM_PROT_READ;
  return prot;
}

uint32_t relative_relocation(Machine machine) {
  return machine == Machine::kRiscV64 ? elf::kRelocRiscVRelative : elf::kRelocX86_64Relative;
}

LoadStatus check_header(const elf::Ehdr& h, Machine machine) {
  if (kstd::memcmp(h.ident, elf::kMagic, sizeof elf::kMagic) != 0 || h.ident[elf::kIdentClass] != elf::kClass64 ||
      h.ident[elf::kIdentData] != elf::kData2Lsb || h.ident[elf::kIdentVersion] != elf::kVersionCurrent)
    return LoadStatus::kNotElf;
  if (h.machine != static_cast<uint16_t>(machine)) return LoadStatus::kWrongMachine;
  if (h.type != elf::kTypeDyn) return LoadStatus::kNotStaticPie;
  if (h.phentsize != sizeof(elf::Phdr) || h.phnum == 0 || h.phnum > 64) return LoadStatus::kNotElf;
  return LoadStatus::kOk;
}

LoadStatus add_load(const elf::Phdr& p, size_t file_size, ElfImage* img) {
  if (p.memsz == 0) return LoadStatus::kOk;
  if (img->segment_count == ElfImage::kMaxSegments) return LoadStatus::kBadSegment;
  if (p.filesz > p.memsz || !fits(file_size, p.offset, 1, p.filesz)) return LoadStatus::kBadSegment;
  // The gABI's rule: a power of two, and vaddr congruent to offset modulo
  // it (0 and 1 ask for nothing); the page's congruence is needed anyway,
  // since the image object holds the file's bytes at their addresses.
  if (p.align > ElfImage::kMaxAlign || (p.align & (p.align - 1))) return LoadStatus::kBadSegment;
  if (p.align > 1 && ((p.vaddr - p.offset) & (p.align - 1)) != 0) return LoadStatus::kBadSegment;
  if (p.vaddr % kPageSize != p.offset % kPageSize) return LoadStatus::kBadSegment;
  if (p.vaddr > ElfImage::kMaxSpan || p.memsz > ElfImage::kMaxSpan - p.vaddr) return LoadStatus::kTooLarge;
  unsigned prot = prot_of(p.flags);
  if (prot == 0) return LoadStatus::kBadSegment;
  // Segments ascend and never share a page: each page has one protection.
  if (img->segment_count > 0) {
    const ElfSegment& prev = img->segments[img->segment_count - 1];
    if (page_trunc(p.vaddr) < page_round(prev.vaddr + prev.memsz)) return LoadStatus::kBadSegment;
  }
  img->segments[img->segment_count++] = {p.vaddr, p.memsz, p.offset, p.filesz, prot};
  img->span = page_round(p.vaddr + p.memsz);
  if (p.align > img->align) img->align = p.align;
  return LoadStatus::kOk;
}

const ElfSegment* segment_of(const ElfImage& img, uint64_t vaddr, uint64_t size) {
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    if (vaddr >= s.vaddr && vaddr - s.vaddr <= s.memsz && size <= s.memsz - (vaddr - s.vaddr)) return &s;
  }
  return nullptr;
}

// RELRO (page rounded inward) lies in the pages of one loaded segment: the
// loader protects it through the task's map, which has nothing elsewhere.
bool relro_in_a_segment(const ElfImage& img) {
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    if (page_trunc(s.vaddr) <= img.relro_begin && img.relro_end <= page_round(s.vaddr + s.memsz)) return true;
  }
  return false;
}

// The file offset of image range [vaddr, vaddr + size), if the file holds it.
bool file_offset_of(const ElfImage& img, uint64_t vaddr, uint64_t size, uint64_t* offset) {
  const ElfSegment* s = segment_of(img, vaddr, size);
  if (s == nullptr || vaddr - s->vaddr > s->filesz || size > s->filesz - (vaddr - s->vaddr)) return false;
  *offset = s->offset + (vaddr - s->vaddr);
  return true;
}

LoadStatus parse_dynamic(const uint8_t* file, size_t size, const elf::Phdr& dyn, ElfImage* img) {
  if (!fits(size, dyn.offset, 1, dyn.filesz)) return LoadStatus::kBadDynamic;
  uint64_t rela = 0, relasz = 0, relaent = sizeof(elf::Rela);
  bool has_rela = false, ended = false;
  for (uint64_t i = 0; i < dyn.filesz / sizeof(elf::Dyn) && !ended; ++i) {
    elf::Dyn d;
    if (!read_at(file, size, dyn.offset + i * sizeof(elf::Dyn), &d)) return LoadStatus::kBadDynamic;
    switch (d.tag) {
      case elf::kDtNull: ended = true; break;
      case elf::kDtNeeded: return LoadStatus::kNotStaticPie;
      case elf::kDtRela: rela = d.val, has_rela = true; break;
      case elf::kDtRelaSz: relasz = d.val; break;
      case elf::kDtRelaEnt: relaent = d.val; break;
      case elf::kDtRel: case elf::kDtRelSz: case elf::kDtJmpRel: case elf::kDtPltRelSz: case elf::kDtRelr:
      case elf::kDtRelrSz:
        if (d.val != 0) return LoadStatus::kUnsupportedRelocation;
        break;
      case elf::kDtTextRel: return LoadStatus::kUnsupportedRelocation;
      case elf::kDtFlags:
        if (d.val & elf::kDfTextRel) return LoadStatus::kUnsupportedRelocation;
        break;
      default: break;  // symbol tables, hashes, flags: not needed to load
    }
  }
  if (!ended) return LoadStatus::kBadDynamic;
  if (!has_rela || relasz == 0) return LoadStatus::kOk;
  if (relaent != sizeof(elf::Rela) || relasz % sizeof(elf::Rela)) return LoadStatus::kBadDynamic;
  if (!file_offset_of(*img, rela, relasz, &img->rela_offset)) return LoadStatus::kBadDynamic;
  img->rela_count = relasz / sizeof(elf::Rela);
  return LoadStatus::kOk;
}

// Every relocation is the machine's relative one, its word in a writable
// segment (the loader writes it through a copy-on-write mapping there).
LoadStatus check_relocations(const uint8_t* file, size_t size, const ElfImage& img) {
  const uint32_t relative = relative_relocation(img.machine);
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    elf::Rela r;
    if (!read_at(file, size, img.rela_offset + i * sizeof r, &r)) return LoadStatus::kBadDynamic;
    if (elf::rela_type(r.info) != relative || elf::rela_symbol(r.info) != 0) return LoadStatus::kUnsupportedRelocation;
    const ElfSegment* s = segment_of(img, r.offset, sizeof(uint64_t));
    if (s == nullptr || !(s->prot & VM_PROT_WRITE)) return LoadStatus::kBadRelocation;
  }
  return LoadStatus::kOk;
}

}  // namespace

LoadStatus parse_elf(const uint8_t* file, size_t size, Machine machine, ElfImage* out) {
  ElfImage img;
  img.machine = machine;
  elf::Ehdr h;
  if (!read_at(file, size, 0, &h)) return LoadStatus::kTruncated;
  if (LoadStatus s = check_header(h, machine); s != LoadStatus::kOk) return s;
  if (!fits(size, h.phoff, h.phnum, sizeof(elf::Phdr))) return LoadStatus::kTruncated;
  elf::Phdr dynamic{};
  bool has_dynamic = false;
  for (unsigned i = 0; i < h.phnum; ++i) {
    elf::Phdr p;
    if (!read_at(file, size, h.phoff + uint64_t{i} * sizeof p, &p)) return LoadStatus::kTruncated;
    LoadStatus s = LoadStatus::kOk;
    switch (p.type) {
      case elf::kPtLoad: s = add_load(p, size, &img); break;
      case elf::kPtDynamic: dynamic = p, has_dynamic = true; break;
      case elf::kPtInterp: case elf::kPtTls: return LoadStatus::kNotStaticPie;
      case elf::kPtGnuRelro:
        if (p.vaddr > ElfImage::kMaxSpan || p.memsz > ElfImage::kMaxSpan) return LoadStatus::kBadSegment;
        img.relro_begin = page_round(p.vaddr);
        img.relro_end = page_trunc(p.vaddr + p.memsz);
        break;
      default: break;  // notes, GNU_STACK, EH frame headers, RISC-V attributes: nothing to load
    }
    if (s != LoadStatus::kOk) return s;
  }
  if (img.segment_count == 0) return LoadStatus::kNoSegments;
  const ElfSegment* entry = segment_of(img, h.entry, 1);
  if (entry == nullptr || !(entry->prot & VM_PROT_EXECUTE)) return LoadStatus::kBadEntry;
  img.entry = h.entry;
  if (img.relro_end < img.relro_begin) img.relro_end = img.relro_begin;
  if (img.relro_end > img.relro_begin && !relro_in_a_segment(img)) return LoadStatus::kBadSegment;
  if (has_dynamic) {
    if (LoadStatus s = parse_dynamic(file, size, dynamic, &img); s != LoadStatus::kOk) return s;
    if (LoadStatus s = check_relocations(file, size, img); s != LoadStatus::kOk) return s;
  }
  *out = img;
  return LoadStatus::kOk;
}

elf::Rela relocation_at(const uint8_t* file, const ElfImage& img, uint64_t i) {
  elf::Rela r;
  kstd::memcpy(&r, file + img.rela_offset + i * sizeof r, sizeof r);
  return r;
}

const char* load_status_name(LoadStatus status) {
  switch (status) {
    case LoadStatus::kOk: return "ok";
    case LoadStatus::kTruncated: return "truncated file";
    case LoadStatus::kNotElf: return "not a little-endian ELF64 file";
    case LoadStatus::kWrongMachine: return "built for another machine";
    case LoadStatus::kNotStaticPie: return "not a static PIE";
    case LoadStatus::kBadSegment: return "bad loadable segment";
    case LoadStatus::kNoSegments: return "no loadable segment";
    case LoadStatus::kBadEntry: return "entry point outside the text";
    case LoadStatus::kBadDynamic: return "bad dynamic section";
    case LoadStatus::kUnsupportedRelocation: return "unsupported relocation";
    case LoadStatus::kBadRelocation: return "relocation outside the writable segments";
    case LoadStatus::kTooLarge: return "image too large";
    case LoadStatus::kNoMemory: return "out of memory";
  }
  return "?";
}

}  // namespace umach::program
