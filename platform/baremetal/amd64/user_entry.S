// platform/baremetal/amd64/user_entry.S: the assembly of user mode: the
// return to ring 3, the `syscall` entry and the common tail of every entry
// from ring 3. user.cc has the C++ half and the whole story (its header
// comment); the frame's offsets are user_layout.h's.
//
// %gs-relative slots (Cpu::machine.user, backend.h): their offsets within
// Cpu are assembler symbols that user.cc defines from offsetof:
//   amd64_cpu_user_ksp       UserCpu::kernel_sp
//   amd64_cpu_user_scratch   UserCpu::scratch
//   amd64_cpu_timer_fired    Cpu::timer_fired (32 bits)

#include "platform/baremetal/amd64/user_layout.h"
#include "platform/baremetal/amd64/trap_frame.S.h"

  .text

// int amd64_user_enter(UserFrame* f)
// Called by run_user with Cpu::machine.user.frame == f. Saves the
// callee-saved registers and RFLAGS on the kernel stack, records that stack
// (kernel_sp, TSS.RSP0) and resumes f in ring 3. Returns, on that stack,
// once ring 3 has been left again (amd64_user_trap filled
// Cpu::machine.user.trap): 0; or 1 at once, without entering ring 3, when a
// timer tick is pending (Cpu::timer_fired, read with interrupts off).
  .globl amd64_user_enter
  .type amd64_user_enter, @function
  .balign 16
amd64_user_enter:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  pushfq                         // the caller's IF and clean flags, for the return
  cli                            // from here until iretq's RFLAGS: no interrupt sees a half-restored state
  // 8 words below the 16-aligned call site: RSP is 16-byte aligned, as the
  // CPU wants RSP0 (it would align it down otherwise) and the entries need.
  movq %rsp, %gs:amd64_cpu_user_ksp
  movq %rsp, amd64_tss+4(%rip)   // TSS.RSP0: traps from ring 3 land right below
  cmpl $0, %gs:amd64_cpu_timer_fired
  jne 1f

  movl $-1, %eax                 // every component XCR0 enables
  movl $-1, %edx
  xrstor64 AMD64_UF_XSAVE(%rdi)
  movl $AMD64_MSR_FS_BASE, %ecx
  movl AMD64_UF_FS_BASE(%rdi), %eax
  movl AMD64_UF_FS_BASE+4(%rdi), %edx
  wrmsr
  // The user's GS base goes into the inactive slot; swapgs below makes it
  // GS's and parks the kernel's per-CPU pointer there.
  movl $AMD64_MSR_KERNEL_GS_BASE, %ecx
  movl AMD64_UF_GS_BASE(%rdi), %eax
  movl AMD64_UF_GS_BASE+4(%rdi), %edx
  wrmsr

  // The iretq frame, on the kernel stack (a trap from ring 3 overwrites it).
  pushq $AMD64_USER_DS
  pushq AMD64_UF_RSP(%rdi)
  pushq AMD64_UF_RFLAGS(%rdi)
  pushq $AMD64_USER_CS
  pushq AMD64_UF_RIP(%rdi)
  movq %rdi, %rax
  movq AMD64_UF_R15(%rax), %r15
  movq AMD64_UF_R14(%rax), %r14
  movq AMD64_UF_R13(%rax), %r13
  movq AMD64_UF_R12(%rax), %r12
  movq AMD64_UF_R11(%rax), %r11
  movq AMD64_UF_R10(%rax), %r10
  movq AMD64_UF_R9(%rax), %r9
  movq AMD64_UF_R8(%rax), %r8
  movq AMD64_UF_RBP(%rax), %rbp
  movq AMD64_UF_RDI(%rax), %rdi
  movq AMD64_UF_RSI(%rax), %rsi
  movq AMD64_UF_RDX(%rax), %rdx
  movq AMD64_UF_RCX(%rax), %rcx
  movq AMD64_UF_RBX(%rax), %rbx
  movq AMD64_UF_RAX(%rax), %rax
  // Nothing between here and ring 3 can fault: the selectors are constants
  // and run_user checked rip, rsp and RFLAGS (user.cc).
  swapgs
  iretq

1:
  movl $1, %eax
  jmp amd64_user_return
  .size amd64_user_enter, . - amd64_user_enter

// The `syscall` entry (LSTAR). The CPU left rcx = the user's rip, r11 =
// the user's RFLAGS, CS/SS the kernel's, IF/TF/DF/AC/NT clear (SFMASK), and
// everything else the user's: RSP and the GS base too. Builds on the kernel
// stack what an IDT gate and a trap stub would have (the TrapFrame tail:
// ss, rsp, rflags, cs, rip, error code 0, vector AMD64_VECTOR_SYSCALL) and
// joins the common path. Only reachable from ring 3, hence inside run_user,
// so kernel_sp is this CPU's running run_user's.
  .globl amd64_syscall_entry
  .type amd64_syscall_entry, @function
  .balign 16
amd64_syscall_entry:
  swapgs
  movq %rsp, %gs:amd64_cpu_user_scratch
  movq %gs:amd64_cpu_user_ksp, %rsp
  pushq $AMD64_USER_DS
  pushq %gs:amd64_cpu_user_scratch
  pushq %r11
  pushq $AMD64_USER_CS
  pushq %rcx
  pushq $0
  pushq $AMD64_VECTOR_SYSCALL
  jmp amd64_user_trap_common
  .size amd64_syscall_entry, . - amd64_syscall_entry

// The common path of every entry from ring 3: the syscall entry above, or
// amd64_trap_common (trap_entry.S) for an exception or interrupt that came
// in ring 3, after its swapgs. RSP points at the vector word of a TrapFrame
// tail lying right below kernel_sp. Saves the general registers as
// amd64_trap_common does (a TrapFrame), lets amd64_user_trap (user.cc) move
// the state into the UserFrame and decide the TrapInfo, then returns from
// amd64_user_enter with 0.
  .globl amd64_user_trap_common
  .type amd64_user_trap_common, @function
  .balign 16
amd64_user_trap_common:
  AMD64_PUSH_TRAP_GPRS
  cld
  movq %rsp, %rdi
  call amd64_user_trap
  movq %gs:amd64_cpu_user_ksp, %rsp
  xorl %eax, %eax
  // fall through
amd64_user_return:
  popfq                          // run_user's caller's RFLAGS (IF back on)
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size amd64_user_trap_common, . - amd64_user_trap_common

  .section .note.GNU-stack, "", @progbits
