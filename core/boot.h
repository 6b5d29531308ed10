// core/boot.h: bringing the core up.
//
// Every platform's entry calls kernel_bootstrap() once, on the boot CPU,
// after its console works and its physical memory ranges are known.
#pragma once

namespace umach {

// Makes CPU 0 current, hands the physical memory to the page allocator and
// prints the banner. The kernel allocators work when it returns.
void kernel_bootstrap(const char* platform_name);

// Then, still on the boot CPU: the scheduler for a machine of `cpus` CPUs
// (sched::bootstrap) and the processors as Mach objects (their ports, made
// once the CPU count is known).
void kernel_bootstrap_cpus(unsigned cpus);

}  // namespace umach
