// platform/baremetal/amd64/trap_entry.S: the CPU side of exceptions.
//
// One stub per exception vector (0..31). The CPU pushes SS, RSP, RFLAGS,
// CS, RIP and, for some vectors, an error code; each stub evens the frame
// out (a zero error code where the CPU pushes none) and pushes its vector,
// then amd64_trap_common saves every general register and calls
// amd64_trap(TrapFrame*) (trap.cc). The push order here is the field order
// of TrapFrame (trap.h) read from the top down: change both together.
// If amd64_trap returns (a breakpoint), the registers, possibly edited in
// the frame, are restored and iretq resumes the interrupted code.
//
// Stack alignment: the CPU aligns RSP to 16 before its 5-word frame; the
// error code, the vector and 15 registers make 22 words in all, so RSP is
// 16-byte aligned again at the call, as the C++ ABI requires.

// Vectors whose exception pushes an error code: #DF 8, #TS 10, #NP 11,
// #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
#define HAS_ERROR_CODE(v) \
  ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || (v) == 13 || (v) == 14 || \
   (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

  .text
  .macro TRAP_STUB vector
  .balign 16
amd64_trap_stub_\vector:
  .if HAS_ERROR_CODE(\vector) == 0
  pushq $0
  .endif
  pushq $\vector
  jmp amd64_trap_common
  .endm

  .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  TRAP_STUB \vector
  .endr

  .balign 16
amd64_trap_common:
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

// The stubs' addresses, indexed by vector, for trap.cc to build the IDT.
  .macro TRAP_STUB_ADDRESS vector
  .quad amd64_trap_stub_\vector
  .endm

  .section .rodata
  .balign 8
  .globl amd64_trap_stubs
amd64_trap_stubs:
  .irp vector, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  TRAP_STUB_ADDRESS \vector
  .endr

  .section .note.GNU-stack, "", @progbits
