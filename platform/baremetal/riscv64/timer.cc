// platform/baremetal/riscv64/timer.cc: the per-hart one-shot timer and
// idling (core/platform/contract.h, TimerAndIdle).
//
// The timer is the SBI's: set_timer(t) raises the supervisor timer interrupt
// (sip.STIP) once `time` >= t, and keeps it pending until the next set_timer
// with a later value. So the interrupt handler disarms (sets "never", all
// ones) before it returns, or sret would take the interrupt again at once.
// That makes every arm fire at most once, as the contract's one-shot wants.
// Each hart has its own SBI timer, so "the calling CPU" needs no lookup.
//
// Only the timer interrupt is enabled in sie; software and external
// interrupts stay off until SMP (IPIs) and devices need them.
#include "core/cpu.h"
#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/log.h"
#include "core/platform/platform.h"
#include "platform/baremetal/riscv64/clock.h"
#include "platform/baremetal/riscv64/csr.h"
#include "platform/baremetal/riscv64/sbi.h"
#include "platform/baremetal/riscv64/timer.h"

namespace umach::riscv64 {
namespace {

constexpr uint64_t kNever = ~uint64_t{0};

// Set once by timer_init on the boot hart, before interrupts are on; every
// hart's firmware is the same, so the answer holds for all.
bool g_have_time_extension = false;

void sbi_set_timer(uint64_t ticks) {
  if (g_have_time_extension) sbi::call(sbi::kTime, sbi::kTimeSetTimer, ticks);
  else sbi::call(sbi::kLegacySetTimer, 0, ticks);
}

}  // namespace

void timer_init() {
  g_have_time_extension = sbi::call(sbi::kBase, sbi::kBaseProbeExtension, sbi::kTime).value != 0;
  klog("riscv64: timer: %s\n", g_have_time_extension ? "SBI TIME extension" : "legacy SBI set_timer");
  // The firmware may leave a deadline behind; nothing must fire before the
  // core asks for it.
  sbi_set_timer(kNever);
  timer_interrupt_enable();
  interrupts_enable();
}

// tp is null before cpu_init(0); an interrupt then (a deadline the firmware
// left despite timer_init) is only disarmed.
void timer_interrupt() {
  sbi_set_timer(kNever);
  Cpu* cpu = platform::Backend::current_cpu();
  if (cpu == nullptr) return;
  cpu->machine.timer_interrupt_ns = platform::Backend::clock_ns();
  cpu_timer_interrupt(*cpu);
}

}  // namespace umach::riscv64

namespace umach::platform {

// A deadline already past gives a value <= `time`: the interrupt is pending
// as soon as set_timer returns and is taken then (if SIE is on).
void Backend::timer_arm(uint64_t deadline_ns) { riscv64::sbi_set_timer(riscv64::clock_deadline_ticks(deadline_ns)); }

void Backend::timer_disarm() { riscv64::sbi_set_timer(riscv64::kNever); }

// With SIE off, a kick or an interrupt arriving between the check and the
// wfi is not lost: the kick already bumped wake_seq (so wfi is skipped), and
// an interrupt stays pending, which ends wfi even though SIE masks it
// (privileged spec, WFI). Re-enabling SIE then takes it before returning.
void Backend::cpu_idle_wait(Cpu& cpu, uint32_t seen) {
  kassert(&cpu == current_cpu());  // only the calling CPU can sleep
  riscv64::interrupts_disable();
  if (cpu.wake_seq.load(kstd::MemoryOrder::acquire) == seen) __asm__ __volatile__("wfi" ::: "memory");
  riscv64::interrupts_enable();
}

// One hart today: a CPU can only kick itself, and it is not idle while it
// runs this. With SMP this sends an IPI (the SBI IPI extension, "sPI") to
// the target hart, and sie.SSIE is enabled so that it ends the target's wfi.
void Backend::cpu_kick(Cpu&) {}

}  // namespace umach::platform
