// platform/baremetal/amd64/context_selftest.S: a helper for
// context_selftest.cc that proves context switches keep the callee-saved
// registers. C++ cannot pin values in registers across a call (the compiler
// may spill them), so this function does it by hand.
//
// void amd64_selftest_switch_with_pattern(uint64_t* from_rsp,
//     const uint64_t* to_rsp, uint64_t seed, uint64_t out[6])
// Puts seed + 0 .. seed + 5 in rbx, rbp, r12, r13, r14, r15, switches with
// amd64_context_switch, and once switched back stores those six registers,
// in that order, in out[]. Preserves the callee-saved registers for its own
// caller.

  .text
  .globl amd64_selftest_switch_with_pattern
  .type amd64_selftest_switch_with_pattern, @function
  .balign 16
amd64_selftest_switch_with_pattern:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  pushq %rcx                     // out: rcx is not preserved by the switch; also realigns RSP to 16
  leaq 0(%rdx), %rbx
  leaq 1(%rdx), %rbp
  leaq 2(%rdx), %r12
  leaq 3(%rdx), %r13
  leaq 4(%rdx), %r14
  leaq 5(%rdx), %r15
  call amd64_context_switch
  popq %rcx
  movq %rbx, 0(%rcx)
  movq %rbp, 8(%rcx)
  movq %r12, 16(%rcx)
  movq %r13, 24(%rcx)
  movq %r14, 32(%rcx)
  movq %r15, 40(%rcx)
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size amd64_selftest_switch_with_pattern, . - amd64_selftest_switch_with_pattern

  .section .note.GNU-stack, "", @progbits
