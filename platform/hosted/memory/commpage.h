// platform/hosted/memory/commpage.h: the commpage, the page of trap entries
// the kernel maps read+execute into every task (at AddressRange::commpage(),
// the window's base).
//
// Layout (libmach calls `commpage + N * kEntrySize` as a function for trap N,
// with the trap's arguments in the SysV argument registers):
//   entry N, at N * 16, for N = 0 .. kEntryCount - 1 (ABI.md's trap table
//   ends at 77; numbers in it without a trap still get an entry, and the
//   kernel answers them as ABI.md says):
//       49 89 ca          mov  %rcx, %r10      (the trap ABI's 4th argument)
//       b8 <-N:le32>      mov  $-N, %eax
//       ff 25 <rel32>     jmp  *target(%rip)
//       cc cc             int3 padding
//   the header at kHeaderOffset: magic "UMCP" (le32), version (le32),
//       entry size (le32), entry count (le32);
//   target at kTargetOffset: the address of the kernel's trap entry (le64).
//   Every other byte is int3, so a stray jump into the page traps.
// On hosted the target is `umach_hosted_trap_entry` (platform/hosted/user,
// assembly that saves the user frame and enters the kernel); tests build a
// commpage aimed at their own stub.
// One physical commpage serves every task with the same target; its owner
// (the task layer) frees it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "platform/hosted/memory/physmem.h"

// The hosted trap entry (platform/hosted/user); only its address is used.
extern "C" char umach_hosted_trap_entry[];

namespace umach::hosted {

struct CommpageLayout {
  static constexpr size_t kEntrySize = 16;
  static constexpr unsigned kEntryCount = 78;  // traps 0..77
  static constexpr size_t kHeaderOffset = 0xfe0;
  static constexpr size_t kTargetOffset = 0xff8;
  static constexpr uint32_t kMagic = 0x50434d55;  // "UMCP"
  static constexpr uint32_t kVersion = 1;
  static_assert(kEntryCount * kEntrySize <= kHeaderOffset);
};

// Writes the commpage image into `page` (kPageSize bytes).
void commpage_write(void* page, uintptr_t trap_target);

// A physical page holding the commpage for `trap_target`. Free it with
// commpage_free. KERN_RESOURCE_SHORTAGE if no page is free.
Result<paddr_t> commpage_create(uintptr_t trap_target);
void commpage_free(paddr_t page);

}  // namespace umach::hosted
