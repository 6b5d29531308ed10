// platform/baremetal/amd64/gdt.h: the machine state user mode needs, set up
// once per CPU (gdt.cc): the GDT with user segments, the TSS, the FP/SSE
// control bits and the `syscall` MSRs.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Replaces boot.S's GDT with the kernel's (the selectors of user_layout.h),
// loads the task register with the TSS, lets user code run SSE (CR0.EM and
// TS clear, MP and NE set; CR4.OSFXSR and OSXMMEXCPT) and turns `syscall`
// on (EFER.SCE; STAR, LSTAR to amd64_syscall_entry, SFMASK). Boot CPU,
// interrupts off, after idt_init (so a fault here is reported). There is one
// CPU today: with SMP each CPU needs a TSS (and a GDT slot for it) of its own.
void user_mode_init();

// The MXCSR bits FXRSTOR accepts (the FXSAVE image's MXCSR_MASK, or the
// architectural default 0xffbf when the CPU reports 0).
uint32_t mxcsr_mask();

}  // namespace umach::amd64
