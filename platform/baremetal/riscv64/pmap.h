// platform/baremetal/riscv64/pmap.h: pmaps on Sv39: the entry format
// common/pmap.h works over, and the backend's own calls.
//
// A pmap's address space, by root (1 GiB) entry:
//   0..127    the kernel's identity map (entry.S: gigapages, MMIO in 0..1,
//             RAM from 2); copied from the boot root, so the kernel keeps
//             running when a pmap is loaded. memory_map.cc hands out no RAM
//             above it
//   128..255  user: [128 GiB, 256 GiB), the top half of Sv39's lower half,
//             in 4 KiB pages
//   256..511  the upper (sign-extended) half, empty today; copied too
// User leaves are V|U|A with R/W/X per protection; write without read is
// reserved, so a writable page is R|W, and X alone stays execute-only. A is
// set when a page is entered and D with W, so hardware never needs to fault
// for them (Svadu may be absent); pageout clears A
// (pmap_test_and_clear_referenced): hardware that updates A sets it again
// at the next access, other hardware faults, and vm_fault enters the page
// again. The kernel's copies to and from user pages set A themselves
// (user.cc), as the walker would. Tables are V alone (no U/A/D: reserved
// in non-leaves).
// The kernel's entries are global (G) and no user entry is; without ASIDs
// (satp.ASID is always 0) a root switch drops every user translation with
// `sfence.vma zero, zero`. S-mode reaches U pages only with sstatus.SUM
// (allow_user_access).
#pragma once

#include <mach/vm_prot.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/pmap.h"

namespace umach::riscv64 {

// Boot: records the root entry.S loaded as the kernel's. Once, before the
// first pmap_create.
void pmap_init();

// Loads p's tables on the calling hart; null loads the kernel's own root.
void pmap_activate(const baremetal::Pmap* p);

// The root table the calling hart translates through (satp).
paddr_t pmap_loaded_root();

// The end of the kernel's identity map: no RAM above it is used.
inline constexpr uint64_t kIdentityMapEnd = uint64_t{128} << 30;

struct Mmu {
  using Pte = uint64_t;
  static constexpr unsigned kLevels = 3;
  static constexpr uint64_t kUserMin = kIdentityMapEnd;      // root entry 128
  static constexpr uint64_t kUserMax = uint64_t{256} << 30;  // the end of the lower half

  // Privileged spec, "Sv39": page-table entry bits.
  static constexpr Pte kValid = Pte{1} << 0;
  static constexpr Pte kRead = Pte{1} << 1;
  static constexpr Pte kWrite = Pte{1} << 2;
  static constexpr Pte kExecute = Pte{1} << 3;
  static constexpr Pte kUser = Pte{1} << 4;
  static constexpr Pte kAccessed = Pte{1} << 6;
  static constexpr Pte kDirty = Pte{1} << 7;
  static constexpr unsigned kPpnShift = 10;
  static constexpr Pte kPpnMask = ((Pte{1} << 44) - 1) << kPpnShift;  // bits 53:10

  static bool valid(Pte e) { return (e & kValid) != 0; }
  static paddr_t entry_pa(Pte e) { return ((e & kPpnMask) >> kPpnShift) << 12; }
  static Pte ppn(paddr_t pa) { return (pa >> 12) << kPpnShift; }
  static Pte table_entry(paddr_t pa) { return ppn(pa) | kValid; }

  static Pte permissions(unsigned prot) {
    Pte e = kValid | kUser | kAccessed;
    if (prot & (VM_PROT_READ | VM_PROT_WRITE)) e |= kRead;
    if (prot & VM_PROT_WRITE) e |= kWrite | kDirty;
    if (prot & VM_PROT_EXECUTE) e |= kExecute;
    return e;
  }
  static Pte leaf_entry(paddr_t pa, unsigned prot, unsigned) { return ppn(pa) | permissions(prot); }
  // A cleared accessed bit stays cleared (pmap_test_and_clear_referenced).
  static Pte reprotect(Pte e, unsigned prot) { return (e & (kPpnMask | kAccessed)) | (permissions(prot) & ~kAccessed); }

  // What a leaf allows, for self-tests.
  static bool leaf_user(Pte e) { return (e & kUser) != 0; }
  static bool leaf_writable(Pte e) { return (e & kWrite) != 0; }
  static bool leaf_executable(Pte e) { return (e & kExecute) != 0; }
  static bool can_deny_execute() { return true; }

  static paddr_t kernel_root();
  static bool active(paddr_t root);
  static void flush(uint64_t va) { __asm__ __volatile__("sfence.vma %0, zero" : : "r"(va) : "memory"); }
  static void load_root(paddr_t root);
  static void allow_user_access(bool on);
};

}  // namespace umach::riscv64
