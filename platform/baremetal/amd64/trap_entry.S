// platform/baremetal/amd64/trap_entry.S: the CPU side of exceptions and
// interrupts.
//
// One stub per IDT vector (0..255). The CPU pushes SS, RSP, RFLAGS, CS, RIP
// and, for some exceptions, an error code; each stub evens the frame out (a
// zero error code where the CPU pushes none) and pushes its vector, then
// amd64_trap_common saves every general register and calls
// amd64_trap(TrapFrame*) (trap.cc), which sends vectors >= 32 to the
// interrupt handlers (interrupt.cc). The push order here is the field order
// of TrapFrame (trap.h) read from the top down (the pushes are
// trap_frame.S.h's macro, shared with user_entry.S): change both together.
// Traps from ring 3 (user code under run_user) go to user_entry.S's
// amd64_user_trap_common instead, after a swapgs; what follows is the
// kernel's own traps.
// When amd64_trap returns (a breakpoint, an interrupt), the registers,
// possibly edited in the frame, are restored and iretq resumes the
// interrupted code, which may be any kernel code: nothing but the frame may
// change.
//
// Stack alignment: the CPU aligns RSP to 16 before its 5-word frame; the
// error code, the vector and 15 registers make 22 words in all, so RSP is
// 16-byte aligned again at the call, as the C++ ABI requires.

#include "platform/baremetal/amd64/trap_frame.S.h"

// Vectors whose exception pushes an error code: #DF 8, #TS 10, #NP 11,
// #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
#define HAS_ERROR_CODE(v) \
  ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || \
   (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

// Each stub also appends its address to amd64_trap_stubs (in .rodata), so
// the table's entry v is stub v: the .irp loops below emit them in order.
  .section .rodata
  .balign 8
  .globl amd64_trap_stubs
amd64_trap_stubs:

  .text
  .macro TRAP_STUB vector
  .balign 16
1:
  .if HAS_ERROR_CODE(\vector) == 0
  pushq $0
  .endif
  pushq $(\vector)
  jmp amd64_trap_common
  .pushsection .rodata
  .quad 1b
  .popsection
  .endm

  .irp high, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  .irp low, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  TRAP_STUB (\high * 16 + \low)
  .endr
  .endr

  .section .rodata
amd64_trap_stubs_end:
  .if amd64_trap_stubs_end - amd64_trap_stubs != 256 * 8
  .error "amd64_trap_stubs must hold one stub address per vector"
  .endif
  .text

  .balign 16
amd64_trap_common:
  // From ring 3 (the CS the CPU pushed has RPL 3): the CPU is on the running
  // run_user's kernel stack (TSS.RSP0) with the user's GS base. Give GS back
  // to the kernel and leave through user mode's own path (user_entry.S),
  // which never returns here. swapgs before anything reads %gs.
  testb $3, 24(%rsp)
  jz 1f
  swapgs
  jmp amd64_user_trap_common
1:
  AMD64_PUSH_TRAP_GPRS
  cld                            // the ABI assumes DF clear on entry to C++
  movq %rsp, %rdi
  call amd64_trap
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  addq $16, %rsp                 // the vector and the error code
  iretq

  .section .note.GNU-stack, "", @progbits
