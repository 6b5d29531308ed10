// platform/baremetal/common/kmain.h: the common part of a bare-metal boot.
#pragma once

namespace umach::baremetal {

// Called by the ISA's entry code on the boot CPU, with a stack, a working
// console, the memory map parsed (Platform::phys_ranges() valid) and the
// per-CPU register usable. Does not return.
[[noreturn]] void kernel_main(const char* platform_name);

}  // namespace umach::baremetal
