// platform/baremetal/amd64/timer.cc: the contract's per-CPU one-shot timer,
// on the local APIC timer in one-shot mode.
//
// The APIC timer counts down at a rate the kernel must measure, so at boot
// timer_init counts its ticks across kCalibrationNs of clock_ns() (the TSC,
// itself calibrated against the PIT). A deadline is then a tick count from
// now, capped at the 32-bit counter's range.
// The interrupt is only a hint that the deadline may have come: the handler
// compares clock_ns() with the CPU's deadline (Cpu::machine) and, if it is
// early (a calibration error, a capped count) or stale (re-armed or disarmed
// after the APIC raised it), re-arms for the rest or ignores it. So
// cpu_timer_interrupt runs at most once per timer_arm, never before the
// deadline in clock_ns() time, whatever the calibration.
// Why not TSC-deadline mode, which needs no calibration: QEMU 7.2's TCG does
// not offer it (CPUID.01H:ECX[24] is clear under -cpu max), and one mode
// tested on every boot beats two of which one never runs. timer_init's boot
// log line says whether the CPU offers it.
#include "platform/baremetal/amd64/timer.h"

#include "core/cpu.h"
#include "core/kassert.h"
#include "core/log.h"
#include "core/platform/platform.h"
#include "platform/baremetal/amd64/interrupt.h"
#include "platform/baremetal/amd64/lapic.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

constexpr uint64_t kCalibrationNs = 4'000'000;  // short: QEMU runs TCG here
constexpr uint64_t kMinCalibrationTicks = 1000;  // below this the measurement means nothing
constexpr uint64_t kNsPerSecond = 1'000'000'000;

constinit uint64_t g_timer_hz = 0;
constinit uint64_t g_ticks_per_ns_32 = 0;  // APIC timer ticks per nanosecond, 32.32 fixed point

// Rounds up, so that a perfect calibration never fires early; at least one
// tick (a zero count would stop the timer), at most the counter's range.
uint32_t ticks_for(uint64_t ns) {
  unsigned __int128 ticks = ((static_cast<unsigned __int128>(ns) * g_ticks_per_ns_32) >> 32) + 1;
  return ticks > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(ticks);
}

// Interrupts disabled: the handler programs the same register.
void program(uint64_t deadline_ns, uint64_t now_ns) {
  lapic_timer_start(deadline_ns > now_ns ? ticks_for(deadline_ns - now_ns) : 1);
}

}  // namespace

void timer_init() {
  lapic_timer_setup_one_shot(kVectorTimer, /*masked=*/true);
  lapic_timer_start(0xFFFFFFFFu);
  const uint64_t t0 = Platform::clock_ns();
  const uint32_t c0 = lapic_timer_current_count();
  uint64_t t1;
  while ((t1 = Platform::clock_ns()) - t0 < kCalibrationNs) Platform::cpu_relax();
  const uint32_t c1 = lapic_timer_current_count();
  lapic_timer_start(0);
  const uint64_t ticks = c0 - c1;
  if (c1 == 0 || ticks < kMinCalibrationTicks)
    panic("amd64: APIC timer calibration: %lu ticks in %lu ns", ticks, t1 - t0);
  g_timer_hz = static_cast<uint64_t>(static_cast<unsigned __int128>(ticks) * kNsPerSecond / (t1 - t0));
  g_ticks_per_ns_32 =
      static_cast<uint64_t>((static_cast<unsigned __int128>(ticks) << 32) / (t1 - t0));
  lapic_timer_setup_one_shot(kVectorTimer, /*masked=*/false);
  const bool tsc_deadline = (cpuid(1).ecx & (1u << 24)) != 0;
  klog("amd64: APIC timer %lu kHz, one-shot (TSC-deadline %s)\n", g_timer_hz / 1000,
       tsc_deadline ? "offered, unused" : "not offered");
}

uint64_t timer_hz() { return g_timer_hz; }

void timer_interrupt() {
  Cpu& cpu = this_cpu();
  const uint64_t deadline = cpu.machine.deadline_ns;
  if (deadline == Platform::CpuMachine::kNoDeadline) return;  // disarmed after the APIC raised it
  const uint64_t now = Platform::clock_ns();
  if (now < deadline) {
    program(deadline, now);
    return;
  }
  cpu.machine.deadline_ns = Platform::CpuMachine::kNoDeadline;
  cpu_timer_interrupt(cpu);
}

}  // namespace umach::amd64

namespace umach::platform {

void Backend::timer_arm(uint64_t deadline_ns) {
  // kNoDeadline marks a disarmed timer; asking for it means "never", which
  // one nanosecond earlier (in 584 years) serves as well.
  if (deadline_ns == CpuMachine::kNoDeadline) --deadline_ns;
  const uint64_t flags = amd64::save_and_disable_interrupts();
  current_cpu()->machine.deadline_ns = deadline_ns;
  amd64::program(deadline_ns, clock_ns());
  amd64::restore_interrupts(flags);
}

void Backend::timer_disarm() {
  const uint64_t flags = amd64::save_and_disable_interrupts();
  current_cpu()->machine.deadline_ns = CpuMachine::kNoDeadline;
  amd64::lapic_timer_start(0);
  amd64::restore_interrupts(flags);
}

}  // namespace umach::platform
