// core/task/program/program_image.cc: the cache of program image
// objects (see program_image.h).
#include "core/task/program/program_image.h"

#include "core/zone.h"
#include "mach/memory_object.h"

namespace umach::program {
namespace {

[[clang::no_destroy]] constinit TypedZone<ProgramImage> g_images("program_image");
[[clang::no_destroy]] constinit List<ProgramImage, &ProgramImage::link> g_cache UMACH_GUARDED_BY(vm::g_vm_lock);

uint64_t fnv1a(const uint8_t* bytes, size_t n) {
  uint64_t h = 0xcbf29ce484222325;
  for (size_t i = 0; i < n; ++i) h = (h ^ bytes[i]) * 0x100000001b3;
  return h;
}

// A new image object holding `file`'s segments as program_image.h lays
// them out, or null when memory is short.
vm::VmObject* make_image_object(const uint8_t* file, const ElfImage& img) UMACH_REQUIRES(vm::g_vm_lock) {
  vm::VmObject* o = vm::VmObject::create(img.span, MEMORY_OBJECT_COPY_DELAY);
  if (!o) return nullptr;
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    if (!vm::object_write(*o, s.vaddr, file + s.offset, s.filesz)) {
      vm::VmObject::deallocate(o);
      return nullptr;
    }
  }
  return o;
}

}  // namespace

bool ProgramImage::holds(uint64_t hash, const uint8_t* file, size_t size, const ElfImage& img) const {
  if (hash != hash_ || size != file_size_ || img.span != layout_.span || img.segment_count != layout_.segment_count)
    return false;
  for (size_t i = 0; i < img.segment_count; ++i) {
    const ElfSegment& s = img.segments[i];
    if (s.vaddr != layout_.segments[i].vaddr || s.filesz != layout_.segments[i].filesz) return false;
    if (!vm::object_holds(*object_, s.vaddr, file + s.offset, s.filesz)) return false;
  }
  return true;
}

Result<ProgramImage*> ProgramImage::acquire(const uint8_t* file, size_t size, const ElfImage& img) {
  const uint64_t hash = fnv1a(file, size);
  SpinlockGuard hold(vm::g_vm_lock);
  for (ProgramImage& p : g_cache) {
    if (!p.holds(hash, file, size, img)) continue;
    ++p.uses_;
    return &p;
  }
  vm::VmObject* o = make_image_object(file, img);
  if (!o) return Error{KERN_RESOURCE_SHORTAGE};
  ProgramImage* p = g_images.create(hash, size, img, o);
  if (!p) {
    vm::VmObject::deallocate(o);
    return Error{KERN_RESOURCE_SHORTAGE};
  }
  g_cache.push_back(*p);
  return p;
}

void ProgramImage::release() {
  SpinlockGuard hold(vm::g_vm_lock);
  kassert(uses_ > 0);
  if (--uses_ > 0) return;
  g_cache.remove(*this);
  vm::VmObject::deallocate(object_);
  g_images.destroy(this);
}

size_t ProgramImage::cached() {
  SpinlockGuard hold(vm::g_vm_lock);
  return g_cache.size();
}

}  // namespace umach::program
