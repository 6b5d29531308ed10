// platform/baremetal/amd64/pmap.cc: the amd64 pmap (pmap.h): the contract's
// calls over common/pmap.h with x86-64 entries, CR3 and invlpg.
//
// pmap_init runs on the boot CPU before interrupts are on. Setting EFER.NXE
// then is safe: no entry the boot code made has bit 63 set, so nothing that
// is mapped changes meaning, and from then on bit 63 means no-execute.
#include "platform/baremetal/amd64/pmap.h"

#include "core/kassert.h"
#include "core/log.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

using Ops = baremetal::PmapOps<Mmu>;

constexpr uint32_t kCpuidExtendedFeatures = 0x80000001;
constexpr uint32_t kCpuidEdxNx = uint32_t{1} << 20;

// Written once by pmap_init, read-only after.
paddr_t g_kernel_root = 0;
bool g_nx = false;

}  // namespace

void pmap_init() {
  if (cpuid(0x80000000).eax >= kCpuidExtendedFeatures && (cpuid(kCpuidExtendedFeatures).edx & kCpuidEdxNx))
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferNxe);
  g_nx = (rdmsr(kMsrEfer) & kEferNxe) != 0;
  g_kernel_root = read_cr3() & Mmu::kAddress;
  // The user range must be the pmaps' alone: boot maps nothing there.
  const Mmu::Pte* root = Ops::Tables::table(g_kernel_root);
  for (unsigned i = Ops::Tables::kUserFirst; i <= Ops::Tables::kUserLast; ++i)
    if (Mmu::valid(root[i])) panic("amd64: the boot page tables map user PML4 entry %u", i);
  klog("amd64: pmaps: user range %#lx-%#lx, no-execute %s\n", Mmu::kUserMin, Mmu::kUserMax - 1,
       g_nx ? "on" : "unavailable");
}

bool nx_enabled() { return g_nx; }

void pmap_activate(const baremetal::Pmap* p) { Ops::activate(p); }

paddr_t Mmu::kernel_root() { return g_kernel_root; }
bool Mmu::active(paddr_t root) { return (read_cr3() & kAddress) == root; }
void Mmu::flush(uint64_t va) { invlpg(va); }
void Mmu::load_root(paddr_t root) { write_cr3(root); }

}  // namespace umach::amd64
