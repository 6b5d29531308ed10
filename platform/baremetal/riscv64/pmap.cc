// platform/baremetal/riscv64/pmap.cc: the riscv64 pmap (pmap.h): the
// contract's calls over common/pmap.h with Sv39 entries, satp and
// sfence.vma.
#include "platform/baremetal/riscv64/pmap.h"

#include "core/kassert.h"
#include "core/log.h"
#include "platform/baremetal/riscv64/csr.h"

namespace umach::riscv64 {
namespace {

using Ops = baremetal::PmapOps<Mmu>;

constexpr uint64_t kSatpModeSv39 = uint64_t{8} << 60;
constexpr uint64_t kSatpModeMask = uint64_t{0xf} << 60;
constexpr uint64_t kSatpPpnMask = (uint64_t{1} << 44) - 1;

// Written once by pmap_init, read-only after.
paddr_t g_kernel_root = 0;

}  // namespace

void pmap_init() {
  const uint64_t satp = read_satp();
  if ((satp & kSatpModeMask) != kSatpModeSv39)
    panic("riscv64: satp %#llx is not Sv39", static_cast<unsigned long long>(satp));
  g_kernel_root = (satp & kSatpPpnMask) << 12;
  // The user range must be the pmaps' alone: boot maps nothing there.
  const Mmu::Pte* root = Ops::Tables::table(g_kernel_root);
  for (unsigned i = Ops::Tables::kUserFirst; i <= Ops::Tables::kUserLast; ++i)
    if (Mmu::valid(root[i])) panic("riscv64: the boot page table maps user root entry %u", i);
  klog("riscv64: pmaps: Sv39, user range %#llx-%#llx\n", static_cast<unsigned long long>(Mmu::kUserMin),
       static_cast<unsigned long long>(Mmu::kUserMax - 1));
}

void pmap_activate(const baremetal::Pmap* p) { Ops::activate(p); }

paddr_t pmap_loaded_root() { return (read_satp() & kSatpPpnMask) << 12; }

paddr_t Mmu::kernel_root() { return g_kernel_root; }
bool Mmu::active(paddr_t root) { return pmap_loaded_root() == root; }

// The stores to the new tables come before the satp write; the fence after
// orders them before the walks and drops the old root's translations.
void Mmu::load_root(paddr_t root) {
  const uint64_t satp = kSatpModeSv39 | (root >> 12);
  __asm__ __volatile__("csrw satp, %0\n\tsfence.vma zero, zero" : : "r"(satp) : "memory");
}

void Mmu::allow_user_access(bool on) {
  if (on)
    __asm__ __volatile__("csrs sstatus, %0" : : "r"(kSstatusSum) : "memory");
  else
    __asm__ __volatile__("csrc sstatus, %0" : : "r"(kSstatusSum) : "memory");
}

}  // namespace umach::riscv64
