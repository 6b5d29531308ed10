// platform/hosted/memory/elf_image.cc: validation of task-program ELF files
// (see elf_image.h). Every read goes through read_at(), which checks bounds.
#include "platform/hosted/memory/elf_image.h"

#include <elf.h>
#include <string.h>

#include "platform/hosted/memory/physmem.h"

namespace umach::hosted {

namespace {

constexpr uint64_t kPage = kPageSize;

// [offset, offset + count * size) inside the file, without overflow.
bool fits(size_t file_size, uint64_t offset, uint64_t count, uint64_t size) {
  if (size != 0 && count > (UINT64_MAX / size)) return false;
  uint64_t bytes = count * size;
  return offset <= file_size && bytes <= file_size - offset;
}

template <class T>
bool read_at(const uint8_t* file, size_t size, uint64_t offset, T* out) {
  if (!fits(size, offset, 1, sizeof(T))) return false;
  memcpy(out, file + offset, sizeof(T));
  return true;
}

unsigned prot_of(uint32_t flags) {
  unsigned prot = 0;
  if (flags & PF_R) prot |= kProtRead;
  if (flags & PF_W) prot |= kProtWrite | kProtRead;  // x86 cannot write without reading
  if (flags & PF_X) prot |= kProtExecute | kProtRead;
  return prot;
}

LoadStatus check_header(const Elf64_Ehdr& h) {
  if (memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 || h.e_ident[EI_CLASS] != ELFCLASS64 ||
      h.e_ident[EI_DATA] != ELFDATA2LSB || h.e_ident[EI_VERSION] != EV_CURRENT)
    return LoadStatus::kNotElf;
  if (h.e_machine != EM_X86_64) return LoadStatus::kWrongMachine;
  if (h.e_type != ET_DYN) return LoadStatus::kNotStaticPie;
  if (h.e_phentsize != sizeof(Elf64_Phdr) || h.e_phnum == 0 || h.e_phnum > 64) return LoadStatus::kNotElf;
  return LoadStatus::kOk;
}

LoadStatus add_load(const Elf64_Phdr& p, size_t file_size, ElfImage* img) {
  if (p.p_memsz == 0) return LoadStatus::kOk;
  if (img->segment_count == ElfImage::kMaxSegments) return LoadStatus::kBadSegment;
  if (p.p_filesz > p.p_memsz || !fits(file_size, p.p_offset, 1, p.p_filesz)) return LoadStatus::kBadSegment;
  if (p.p_align > ElfImage::kMaxAlign || (p.p_align & (p.p_align - 1))) return LoadStatus::kBadSegment;
  if (p.p_vaddr % kPage != p.p_offset % kPage) return LoadStatus::kBadSegment;
  if (p.p_vaddr > ElfImage::kMaxSpan || p.p_memsz > ElfImage::kMaxSpan - p.p_vaddr) return LoadStatus::kTooLarge;
  unsigned prot = prot_of(p.p_flags);
  if (prot == 0) return LoadStatus::kBadSegment;
  // Segments ascend and never share a page: each page has one protection.
  if (img->segment_count > 0) {
    const ElfSegment& prev = img->segments[img->segment_count - 1];
    if ((p.p_vaddr & ~(kPage - 1)) < page_round(prev.vaddr + prev.memsz)) return LoadStatus::kBadSegment;
  }
  img->segments[img->segment_count++] = {p.p_vaddr, p.p_memsz, p.p_offset, p.p_filesz, prot};
  img->span = page_round(p.p_vaddr + p.p_memsz);
  if (p.p_align > img->align) img->align = p.p_align;
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

LoadStatus parse_dynamic(const uint8_t* file, size_t size, const Elf64_Phdr& dyn, ElfImage* img) {
  if (!fits(size, dyn.p_offset, 1, dyn.p_filesz)) return LoadStatus::kBadDynamic;
  uint64_t rela = 0, relasz = 0, relaent = sizeof(Elf64_Rela);
  bool has_rela = false, ended = false;
  for (uint64_t i = 0; i < dyn.p_filesz / sizeof(Elf64_Dyn) && !ended; ++i) {
    Elf64_Dyn d;
    if (!read_at(file, size, dyn.p_offset + i * sizeof(Elf64_Dyn), &d)) return LoadStatus::kBadDynamic;
    switch (d.d_tag) {
      case DT_NULL: ended = true; break;
      case DT_NEEDED: return LoadStatus::kNotStaticPie;
      case DT_RELA: rela = d.d_un.d_ptr, has_rela = true; break;
      case DT_RELASZ: relasz = d.d_un.d_val; break;
      case DT_RELAENT: relaent = d.d_un.d_val; break;
      case DT_REL: case DT_RELSZ: case DT_JMPREL: case DT_PLTRELSZ: case DT_RELR: case DT_RELRSZ:
        if (d.d_un.d_val != 0) return LoadStatus::kUnsupportedRelocation;
        break;
      case DT_TEXTREL: return LoadStatus::kUnsupportedRelocation;
      case DT_FLAGS:
        if (d.d_un.d_val & DF_TEXTREL) return LoadStatus::kUnsupportedRelocation;
        break;
      default: break;  // symbol tables, hashes, flags: not needed to load
    }
  }
  if (!ended) return LoadStatus::kBadDynamic;
  if (!has_rela || relasz == 0) return LoadStatus::kOk;
  if (relaent != sizeof(Elf64_Rela) || relasz % sizeof(Elf64_Rela)) return LoadStatus::kBadDynamic;
  if (!file_offset_of(*img, rela, relasz, &img->rela_offset)) return LoadStatus::kBadDynamic;
  img->rela_count = relasz / sizeof(Elf64_Rela);
  return LoadStatus::kOk;
}

// Every relocation is R_X86_64_RELATIVE into a non-executable segment.
LoadStatus check_relocations(const uint8_t* file, size_t size, const ElfImage& img) {
  for (uint64_t i = 0; i < img.rela_count; ++i) {
    Elf64_Rela r;
    if (!read_at(file, size, img.rela_offset + i * sizeof r, &r)) return LoadStatus::kBadDynamic;
    if (ELF64_R_TYPE(r.r_info) != R_X86_64_RELATIVE || ELF64_R_SYM(r.r_info) != 0)
      return LoadStatus::kUnsupportedRelocation;
    const ElfSegment* s = segment_of(img, r.r_offset, 8);
    if (s == nullptr) return LoadStatus::kBadRelocation;
    if (s->prot & kProtExecute) return LoadStatus::kUnsupportedRelocation;  // a text relocation
  }
  return LoadStatus::kOk;
}

}  // namespace

LoadStatus parse_elf(const uint8_t* file, size_t size, ElfImage* out) {
  ElfImage img;
  Elf64_Ehdr h;
  if (!read_at(file, size, 0, &h)) return LoadStatus::kTruncated;
  if (LoadStatus s = check_header(h); s != LoadStatus::kOk) return s;
  if (!fits(size, h.e_phoff, h.e_phnum, sizeof(Elf64_Phdr))) return LoadStatus::kTruncated;
  Elf64_Phdr dynamic{};
  bool has_dynamic = false;
  for (unsigned i = 0; i < h.e_phnum; ++i) {
    Elf64_Phdr p;
    if (!read_at(file, size, h.e_phoff + uint64_t{i} * sizeof p, &p)) return LoadStatus::kTruncated;
    LoadStatus s = LoadStatus::kOk;
    switch (p.p_type) {
      case PT_LOAD: s = add_load(p, size, &img); break;
      case PT_DYNAMIC: dynamic = p, has_dynamic = true; break;
      case PT_INTERP: case PT_TLS: return LoadStatus::kNotStaticPie;
      case PT_GNU_RELRO:
        if (p.p_vaddr > ElfImage::kMaxSpan || p.p_memsz > ElfImage::kMaxSpan) return LoadStatus::kBadSegment;
        img.relro_begin = page_round(p.p_vaddr);
        img.relro_end = page_trunc(p.p_vaddr + p.p_memsz);
        break;
      default: break;  // notes, GNU_STACK, EH frame headers: nothing to load
    }
    if (s != LoadStatus::kOk) return s;
  }
  if (img.segment_count == 0) return LoadStatus::kNoSegments;
  const ElfSegment* entry = segment_of(img, h.e_entry, 1);
  if (entry == nullptr || !(entry->prot & kProtExecute)) return LoadStatus::kBadEntry;
  img.entry = h.e_entry;
  if (img.relro_end < img.relro_begin) img.relro_end = img.relro_begin;
  if (img.relro_end > img.relro_begin && !relro_in_a_segment(img)) return LoadStatus::kBadSegment;
  if (has_dynamic) {
    if (LoadStatus s = parse_dynamic(file, size, dynamic, &img); s != LoadStatus::kOk) return s;
    if (LoadStatus s = check_relocations(file, size, img); s != LoadStatus::kOk) return s;
  }
  *out = img;
  return LoadStatus::kOk;
}

const char* load_status_name(LoadStatus status) {
  switch (status) {
    case LoadStatus::kOk: return "ok";
    case LoadStatus::kTruncated: return "truncated file";
    case LoadStatus::kNotElf: return "not an x86-64 ELF64 file";
    case LoadStatus::kWrongMachine: return "not x86-64";
    case LoadStatus::kNotStaticPie: return "not a static PIE";
    case LoadStatus::kBadSegment: return "bad loadable segment";
    case LoadStatus::kNoSegments: return "no loadable segment";
    case LoadStatus::kBadEntry: return "entry point outside the text";
    case LoadStatus::kBadDynamic: return "bad dynamic section";
    case LoadStatus::kUnsupportedRelocation: return "unsupported relocation";
    case LoadStatus::kBadRelocation: return "relocation outside the image";
    case LoadStatus::kTooLarge: return "image too large";
    case LoadStatus::kNoMemory: return "out of memory";
  }
  return "?";
}

}  // namespace umach::hosted
