// platform/baremetal/amd64/include/umach/backend.h: the bare-metal x86-64
// platform (QEMU q35, PVH boot), as the core sees it through
// core/platform/contract.h.
//
// The early boot code (boot.S) identity-maps the first 4 GiB of physical
// memory and links the kernel at 1 MiB, so the kernel's direct map is the
// identity: a physical address is its own virtual address. Zones align
// slabs to their size in virtual space; the identity keeps that alignment
// in physical space too. Per-CPU data hangs off the GS base (IA32_GS_BASE),
// read with a `mov %gs:0` the compiler must redo each time, as on hosted.
// Contexts (context.cc, context_switch.S) keep the callee-saved registers on
// the switched-out stack. The one-shot timer is the local APIC's (timer.cc);
// idling is `sti; hlt` (idle.cc). Pmaps are 4-level page tables that share
// the boot tables' kernel entries; user addresses are [512 GiB,
// 0x7fff'ffff'f000) (pmap.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/machine_traits.h"

namespace umach::platform {

struct Backend : baremetal::IdentityDirectMap, baremetal::NoMemoryChecker, baremetal::PageTablePmaps {
  static constexpr unsigned kMaxCpus = 64;

  // COM1, polled (platform/baremetal/amd64/uart.cc).
  static void console_write(const char* s, size_t n);
  static long console_read(char* buf, size_t n);

  // The PVH memory map's RAM above the kernel image, clipped to the identity
  // map (boot_memory.cc).
  static kstd::Span<const PhysRange> phys_ranges();

  static Cpu* current_cpu() {
    Cpu* cpu;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(cpu));
    return cpu;
  }
  static void set_current_cpu(Cpu* cpu);

  // The TSC, calibrated once at boot against the PIT (clock.cc).
  static uint64_t clock_ns();
  static uint64_t wall_clock_ns();  // the CMOS real-time clock (clock.cc)

  static void cpu_relax() { __asm__ __volatile__("pause" ::: "memory"); }
  // No hypervisor to yield to: a spinning CPU only eases off the pipeline.
  static void spin_yield() { __asm__ __volatile__("pause" ::: "memory"); }
  // Exits QEMU through the isa-debug-exit device (machine.cc).
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

  // A switched-out kernel context: its stack pointer, above which
  // context_switch.S keeps the callee-saved registers and the resume
  // address. Zero until context_init or a first switch out of it sets it.
  struct Context {
    uint64_t rsp = 0;
  };
  static constexpr size_t kKernelStackSize = 16 * 1024;
  static void context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg);
  static void context_switch(Context& from, Context& to);
  [[noreturn]] static void context_exit(Context& to);
  // context_init takes nothing but the stack, which the caller owns.
  static void context_destroy(Context&) {}

  // The calling CPU's pending deadline, for the timer interrupt to check
  // before it reports one (the APIC timer may fire early or be clamped:
  // timer.cc). Touched only by its own CPU with interrupts disabled.
  struct CpuMachine {
    static constexpr uint64_t kNoDeadline = ~uint64_t{0};
    uint64_t deadline_ns = kNoDeadline;
  };
  static void timer_arm(uint64_t deadline_ns);
  static void timer_disarm();
  static void cpu_idle_wait(Cpu& cpu, uint32_t seen);
  static void cpu_kick(Cpu& cpu);
};

static_assert(Contract<Backend>, "the amd64 backend must meet the platform contract");

}  // namespace umach::platform
