// platform/baremetal/amd64/idle.cc: idling and waking CPUs (contract:
// TimerAndIdle's cpu_idle_wait and cpu_kick).
//
// A CPU idles in `hlt`, which any interrupt ends. The check before it runs
// with interrupts disabled and `sti; hlt` re-enables them in the shadow of
// sti (the CPU takes no interrupt until after the next instruction), so an
// interrupt arriving after the check still ends the hlt instead of being
// taken before it and sleeping through its wake-up.
#include "core/cpu.h"
#include "core/kassert.h"
#include "core/platform/platform.h"

namespace umach::platform {

// Returns with interrupts enabled, whatever the caller had.
// Also does not sleep while a timer interrupt is pending (timer_fired != 0):
// the contract allows returning early, and without it a timer that fired
// between the caller's last look at timer_fired and this check would be
// slept through, with nothing left armed to end the hlt.
void Backend::cpu_idle_wait(Cpu& cpu, uint32_t seen) {
  kassert(&cpu == current_cpu());
  __asm__ __volatile__("cli" ::: "memory");
  if (cpu.wake_seq.load(kstd::MemoryOrder::acquire) != seen ||
      cpu.timer_fired.load(kstd::MemoryOrder::relaxed) != 0) {
    __asm__ __volatile__("sti" ::: "memory");
    return;
  }
  __asm__ __volatile__("sti; hlt" ::: "memory");
}

// One CPU runs today, so the CPU to wake is the caller, which is awake; the
// others are never started. With SMP this sends a fixed IPI to the target's
// APIC (any vector: the interrupt alone ends its hlt).
void Backend::cpu_kick(Cpu& cpu) {
  if (&cpu == current_cpu()) return;
  kassert(cpu_count_online() == 1);
}

}  // namespace umach::platform
