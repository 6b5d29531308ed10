// platform/baremetal/amd64/lapic.cc: local APIC registers (see lapic.h).
//
// Register offsets and bits are the Intel SDM's (vol. 3A, "Local APIC
// Register Address Map", "Local Vector Table", "APIC Timer"). Registers are
// 32 bits wide, 16-byte aligned, and must be accessed as whole 32-bit words.
// On real hardware the firmware's MTRRs make the APIC page uncached, so the
// identity map's write-back attribute does not matter; QEMU ignores it.
#include "platform/baremetal/amd64/lapic.h"

#include "core/kassert.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

enum Register : uint32_t {
  kTpr = 0x080,
  kEoi = 0x0B0,
  kSpuriousVector = 0x0F0,
  kLvtTimer = 0x320,
  kLvtLint0 = 0x350,
  kLvtLint1 = 0x360,
  kLvtError = 0x370,
  kTimerInitialCount = 0x380,
  kTimerCurrentCount = 0x390,
  kTimerDivide = 0x3E0,
};

constexpr uint64_t kApicBaseGlobalEnable = uint64_t{1} << 11;
constexpr uint64_t kApicBaseX2apic = uint64_t{1} << 10;
constexpr uint64_t kApicBaseAddressMask = 0x000FFFFFFFFFF000;  // bits 12 .. MAXPHYADDR-1
constexpr uint64_t kIdentityMapEnd = uint64_t{4} << 30;        // boot.S maps the first 4 GiB
constexpr uint32_t kSpuriousApicEnable = 1u << 8;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtTimerOneShot = 0u << 17;  // timer mode bits 18:17
constexpr uint32_t kTimerDivideBy1 = 0xB;         // divide configuration bits 3,1,0 = 1,1,1

// Set once by lapic_init on the boot CPU; all CPUs' APICs sit at the same
// address, each seeing its own.
constinit volatile uint32_t* g_lapic = nullptr;

void write(Register r, uint32_t value) { g_lapic[r / 4] = value; }
uint32_t read(Register r) { return g_lapic[r / 4]; }

}  // namespace

void lapic_init(uint8_t spurious_vector) {
  const CpuidResult features = cpuid(1);
  if ((features.edx & (1u << 9)) == 0) panic("amd64: this CPU has no local APIC");
  uint64_t base = rdmsr(kMsrApicBase);
  if (base & kApicBaseX2apic) panic("amd64: the local APIC is in x2APIC mode; only xAPIC is supported");
  const uint64_t address = base & kApicBaseAddressMask;
  if (address + 4096 > kIdentityMapEnd) panic("amd64: local APIC at %#lx, outside the identity map", address);
  wrmsr(kMsrApicBase, base | kApicBaseGlobalEnable);
  g_lapic = reinterpret_cast<volatile uint32_t*>(address);

  write(kLvtTimer, kLvtMasked);
  write(kTimerInitialCount, 0);
  write(kLvtLint0, kLvtMasked);
  write(kLvtLint1, kLvtMasked);
  write(kLvtError, kLvtMasked);
  write(kTpr, 0);
  write(kSpuriousVector, kSpuriousApicEnable | spurious_vector);
}

void lapic_eoi() { write(kEoi, 0); }

void lapic_timer_setup_one_shot(uint8_t vector, bool masked) {
  write(kTimerDivide, kTimerDivideBy1);
  write(kLvtTimer, kLvtTimerOneShot | (masked ? kLvtMasked : 0) | vector);
}

void lapic_timer_start(uint32_t count) { write(kTimerInitialCount, count); }

uint32_t lapic_timer_current_count() { return read(kTimerCurrentCount); }

}  // namespace umach::amd64
