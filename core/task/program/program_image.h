// core/task/program/program_image.h: the image objects of task
// programs, one per distinct file content, shared by every task running it.
//
// A program's image object is an internal VmObject laid out like the image
// (object offset = image address, size = ElfImage::span) holding what the
// file puts there before relocation: each PT_LOAD segment's file bytes at
// its address, zeros in the rest of the pages the file covers (before a
// segment in its first page, after its filesz in its last: so the page
// holding the end of .data and the start of .bss shows zeros past filesz
// to every task), and no page at all elsewhere (nothing maps the image
// object there). Its copy strategy is COPY_DELAY: text maps it shared, data
// maps a copy of it, whose writes (relocations included) land in each
// task's own shadow objects. Nobody writes the image object once it is
// filled: it stays the file's bytes.
//
// The cache: a ProgramImage lives while some loaded program uses it. It is
// found by the file's size and 64-bit FNV-1a hash and confirmed by content
// (the same segment layout, and every segment's bytes equal to the object's
// pages), so a hash collision costs a second image, never a wrong one.
// acquire() counts a use; release() drops it, and the last use takes the
// entry out of the cache and drops the cache's reference to the object
// (maps that still map the object keep it alive). The cache thus empties
// by itself when the tasks go; nothing needs draining.
//
// Locking: the cache and every ProgramImage's count are guarded by the VM
// lock (what it caches are VM objects, and a lookup compares their pages).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/list.h"
#include "core/result.h"
#include "core/task/program/elf_image.h"
#include "vm/object.h"

namespace umach::program {

class ProgramImage {
 public:
  // The image of `file` (which parse_elf decoded as `img`), from the cache
  // or made now, with one use for the caller. KERN_RESOURCE_SHORTAGE when
  // memory is short (nothing is left behind).
  static Result<ProgramImage*> acquire(const uint8_t* file, size_t size, const ElfImage& img)
      UMACH_EXCLUDES(vm::g_vm_lock);
  // Drops the caller's use (the last one ends the cache entry).
  void release() UMACH_EXCLUDES(vm::g_vm_lock);

  // The image object; alive while the caller holds its use.
  vm::VmObject* object() const { return object_; }

  // How many images the cache holds (tests).
  static size_t cached() UMACH_EXCLUDES(vm::g_vm_lock);

  ProgramImage(uint64_t hash, size_t file_size, const ElfImage& layout, vm::VmObject* object)
      : hash_(hash), file_size_(file_size), layout_(layout), object_(object) {}
  ~ProgramImage() = default;

  ListNode link;  // in the cache

 private:
  bool holds(uint64_t hash, const uint8_t* file, size_t size, const ElfImage& img) const
      UMACH_REQUIRES(vm::g_vm_lock);

  const uint64_t hash_;
  const size_t file_size_;
  const ElfImage layout_;
  vm::VmObject* const object_;  // one reference
  uint32_t uses_ UMACH_GUARDED_BY(vm::g_vm_lock) = 1;
};

}  // namespace umach::program
