// platform/baremetal/amd64/pmap.h: pmaps on x86-64 4-level paging: the
// entry format common/pmap.h works over, and the backend's own calls.
//
// A pmap's address space, by PML4 entry:
//   0         the kernel's identity map of 0..4 GiB (boot.S: a PDPT of four
//             page directories of 2 MiB pages); copied from the boot PML4,
//             so every pmap shares those tables and the kernel keeps
//             running when one is loaded
//   1..255    user: [512 GiB, 0x7fff'ffff'f000), 4 KiB pages. The last page
//             below the canonical hole is left out, as other kernels do, so
//             a user rip can never run up to the hole (a sysret to a
//             non-canonical rip faults in ring 0 on Intel)
//   256..511  the kernel half, empty today; copied too, so a kernel mapping
//             made there later is shared the same way
// User pages are P|U/S, R/W when writable, XD when not executable if
// EFER.NXE is on (pmap_init turns it on when CPUID offers it; without it
// every page is executable). x86 has no write-only or execute-only page:
// every present page reads. Tables in the user range are P|R/W|U/S, so the
// leaf alone decides. A and D are preset from the access that faulted (the
// VM's hint); otherwise the walker sets them (and copy_user, for the
// kernel's copies, user.cc). Pageout clears A
// (pmap_test_and_clear_referenced). No entry is global and PCIDs
// are off, so loading CR3 drops every user translation.
#pragma once

#include <mach/vm_prot.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/pmap.h"

namespace umach::amd64 {

// Boot: turns EFER.NXE on if the CPU has it and records the boot PML4 as
// the kernel's root. Once, before the first pmap_create.
void pmap_init();
bool nx_enabled();

// Loads p's tables on the calling CPU; null loads the kernel's own root.
void pmap_activate(const baremetal::Pmap* p);

struct Mmu {
  using Pte = uint64_t;
  static constexpr unsigned kLevels = 4;
  static constexpr uint64_t kUserMin = uint64_t{1} << 39;  // PML4 entry 1: 512 GiB
  static constexpr uint64_t kUserMax = 0x0000'7fff'ffff'f000;

  // Intel SDM vol. 3A, 4.5 "4-level paging": entry formats.
  static constexpr Pte kPresent = Pte{1} << 0;
  static constexpr Pte kWritable = Pte{1} << 1;
  static constexpr Pte kUser = Pte{1} << 2;
  static constexpr Pte kAccessed = Pte{1} << 5;
  static constexpr Pte kDirty = Pte{1} << 6;
  static constexpr Pte kNoExecute = Pte{1} << 63;
  static constexpr Pte kAddress = 0x000f'ffff'ffff'f000;  // bits 51:12

  static bool valid(Pte e) { return (e & kPresent) != 0; }
  static paddr_t entry_pa(Pte e) { return e & kAddress; }
  static Pte table_entry(paddr_t pa) { return pa | kPresent | kWritable | kUser; }

  static Pte permissions(unsigned prot) {
    Pte e = kPresent | kUser;
    if (prot & VM_PROT_WRITE) e |= kWritable;
    if (!(prot & VM_PROT_EXECUTE) && nx_enabled()) e |= kNoExecute;
    return e;
  }
  static Pte leaf_entry(paddr_t pa, unsigned prot, unsigned access) {
    Pte e = pa | permissions(prot);
    if (access != 0) e |= kAccessed;
    if ((access & VM_PROT_WRITE) && (prot & VM_PROT_WRITE)) e |= kDirty;
    return e;
  }
  // Keeps what the walker recorded (A, D): the VM may ask for it later.
  static Pte reprotect(Pte e, unsigned prot) { return (e & (kAddress | kAccessed | kDirty)) | permissions(prot); }

  // What a leaf allows, for self-tests.
  static bool leaf_user(Pte e) { return (e & kUser) != 0; }
  static bool leaf_writable(Pte e) { return (e & kWritable) != 0; }
  static bool leaf_executable(Pte e) { return (e & kNoExecute) == 0; }
  static bool can_deny_execute() { return nx_enabled(); }

  static paddr_t kernel_root();
  static bool active(paddr_t root);
  static void flush(uint64_t va);
  static void load_root(paddr_t root);
  // Kernel access to user pages needs nothing: CR4.SMAP is off.
  static void allow_user_access(bool) {}
};

}  // namespace umach::amd64
