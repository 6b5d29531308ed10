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
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/machine_traits.h"

namespace umach::platform {

struct Backend : baremetal::IdentityDirectMap, baremetal::NoMemoryChecker {
  static constexpr unsigned kMaxCpus = 64;

  // COM1, polled (platform/baremetal/amd64/uart.cc).
  static void console_write(const char* s, size_t n);

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

  static void cpu_relax() { __asm__ __volatile__("pause" ::: "memory"); }
  // No hypervisor to yield to: a spinning CPU only eases off the pipeline.
  static void spin_yield() { __asm__ __volatile__("pause" ::: "memory"); }
  // Exits QEMU through the isa-debug-exit device (machine.cc).
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

};

static_assert(Contract<Backend>, "the amd64 backend must meet the platform contract");

}  // namespace umach::platform
