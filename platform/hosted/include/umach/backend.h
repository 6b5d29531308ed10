// platform/hosted/include/umach/backend.h: the hosted platform (umach as a
// Linux process), as the core sees it through core/platform/contract.h.
//
// Physical memory is a memfd; the kernel's direct map is one shared mapping
// of it, aligned to 2 MiB so zones' slabs (aligned to their size) stay
// aligned in the direct map. Per-CPU data hangs off the GS base of the host
// thread that simulates the CPU (arch_prctl(ARCH_SET_GS)): glibc and the
// sanitizers use FS, never GS, and a `mov %gs:0` the compiler must redo each
// time is exactly the uncacheable accessor the core needs.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UMACH_HOSTED_ASAN 1
#endif
#endif
#ifndef UMACH_HOSTED_ASAN
#define UMACH_HOSTED_ASAN 0
#endif

namespace umach::platform {

namespace hosted {
extern char* g_direct_map;  // the memfd's mapping; set once at boot
inline constexpr paddr_t kPhysBase = 0x100000;  // physical address 0 is never RAM
}  // namespace hosted

struct Backend {
  static constexpr size_t kPageSize = 4096;
  static constexpr unsigned kMaxCpus = 64;
  static constexpr bool kMemoryChecker = UMACH_HOSTED_ASAN;

  static void console_write(const char* s, size_t n);

  static kstd::Span<const PhysRange> phys_ranges();
  static void* phys_to_virt(paddr_t pa) { return hosted::g_direct_map + (pa - hosted::kPhysBase); }
  static paddr_t virt_to_phys(const void* va) {
    return static_cast<paddr_t>(static_cast<const char*>(va) - hosted::g_direct_map) + hosted::kPhysBase;
  }

  static Cpu* current_cpu() {
    Cpu* cpu;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(cpu));
    return cpu;
  }
  static void set_current_cpu(Cpu* cpu);

  static uint64_t clock_ns();

  static void cpu_relax() { __builtin_ia32_pause(); }
  static void spin_yield();
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

  static void poison(const void* p, size_t n);
  static void unpoison(const void* p, size_t n);
};

static_assert(Contract<Backend>, "the hosted backend must meet the platform contract");

}  // namespace umach::platform

namespace umach::hosted {

struct BootOptions {
  size_t memory_bytes = size_t{256} << 20;
};

// Creates physical memory and the console; the core's kernel_bootstrap()
// may run after it. Exits with a message on a host error.
void boot(const BootOptions& options);

// Where the console writes (default: standard output). Test programs use
// standard error, where GoogleTest's death tests read a panic's message.
void set_console_fd(int fd);

// Boots once, for test programs: memory as given, CPU 0 on the caller.
void boot_for_tests(size_t memory_bytes);

}  // namespace umach::hosted
