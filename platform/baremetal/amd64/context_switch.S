// platform/baremetal/amd64/context_switch.S: kernel-context switches (the
// assembly half of context.cc).
//
// A switched-out context is its stack pointer; below it, from the lowest
// address: r15, r14, r13, r12, rbx, rbp, then the address to resume at (the
// caller's return address, or amd64_context_trampoline for a context that
// never ran). Only the registers the SysV ABI makes callee-saved are kept:
// context_switch is an ordinary call, so the compiler already saved the
// rest. No FP/SSE state: the kernel is built without it (toolchain-amd64.cmake).
// RFLAGS is not kept either: the kernel runs with interrupts enabled except
// inside handlers and cpu_idle_wait's check, neither of which switches, and
// DF is always clear in C++ code.
// context.cc builds the first frame (context_init); change both together.

  .text

// void amd64_context_switch(uint64_t* from_rsp, const uint64_t* to_rsp)
// Saves into *from_rsp before reading *to_rsp, so from == to resumes at once.
  .globl amd64_context_switch
  .type amd64_context_switch, @function
  .balign 16
amd64_context_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq (%rsi), %rsp
  jmp amd64_context_resume
  .size amd64_context_switch, . - amd64_context_switch

// [[noreturn]] void amd64_context_load(const uint64_t* to_rsp)
// Resumes a context and drops the running one (context_exit).
  .globl amd64_context_load
  .type amd64_context_load, @function
  .balign 16
amd64_context_load:
  movq (%rdi), %rsp
amd64_context_resume:
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size amd64_context_load, . - amd64_context_load

// The first code a new context runs, "returned to" from amd64_context_resume
// with r12 = entry, r13 = its argument (context_init put them in the frame),
// rbp = 0 (the end of frame-pointer walks), RSP 16-byte aligned, so the call
// below meets the ABI's alignment at a call. entry must not return; if it
// does, amd64_context_entry_returned panics.
  .globl amd64_context_trampoline
  .type amd64_context_trampoline, @function
  .balign 16
amd64_context_trampoline:
  movq %r13, %rdi
  call *%r12
  movq %r12, %rdi
  call amd64_context_entry_returned
  ud2
  .size amd64_context_trampoline, . - amd64_context_trampoline

  .section .note.GNU-stack, "", @progbits
