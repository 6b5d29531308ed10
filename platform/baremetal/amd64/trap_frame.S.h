// platform/baremetal/amd64/trap_frame.S.h: for the assembly only: the
// general-register half of a TrapFrame (trap.h), pushed the same way by
// both trap paths, the kernel's (trap_entry.S) and user mode's
// (user_entry.S). The push order is TrapFrame's field order read from the
// top down: change both together.
#pragma once

#ifndef __ASSEMBLER__
#error "trap_frame.S.h is for assembly files"
#endif

.macro AMD64_PUSH_TRAP_GPRS
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
.endm
