// platform/baremetal/amd64/gdt.h: the machine state user mode needs, set up
// once per CPU (gdt.cc): the GDT with user segments, the TSS, the FP/SSE
// control bits and the `syscall` MSRs.
#pragma once

#include <stdint.h>

namespace umach::amd64 {

// Replaces boot.S's GDT with the kernel's (the selectors of user_layout.h),
// loads the task register with the TSS, lets user code run SSE (CR0.EM and
// TS clear, MP and NE set; CR4.OSFXSR and OSXMMEXCPT), turns XSAVE on
// with XCR0 = x87 | SSE (CR4.OSXSAVE; a CPU without XSAVE stops the boot:
// QEMU's `-cpu max` has it), and turns `syscall`
// on (EFER.SCE; STAR, LSTAR to amd64_syscall_entry, SFMASK). Boot CPU,
// interrupts off, after idt_init (so a fault here is reported). There is one
// CPU today: with SMP each CPU needs a TSS (and a GDT slot for it) of its own.
void user_mode_init();

// The MXCSR bits FXRSTOR accepts (the FXSAVE image's MXCSR_MASK, or the
// architectural default 0xffbf when the CPU reports 0).
uint32_t mxcsr_mask();

// Makes an XSAVE image (Backend::UserFrame::xsave) say everything in its
// legacy region: a component XSAVE marked as in its initial state (its
// XSTATE_BV bit clear, the region then not written) gets its initial values
// written there, and the header then marks x87 and SSE in use with nothing
// else (xsave_set_header).
void xsave_normalise(uint8_t* image);
// The header of a normalised image: XSTATE_BV = x87 | SSE, XCOMP_BV and
// the reserved bytes 0, so XRSTOR of it never faults.
void xsave_set_header(uint8_t* image);

}  // namespace umach::amd64
