// platform/hosted/user/user_entry.cc: entering and leaving user mode on
// hosted: the glue (assembly), Backend::run_user, copyin/copyout.
//
// Compiled WITHOUT sanitizers (CMakeLists.txt), like signal_entry.cc: this
// code runs with user registers live and is re-entered from signal frames.
//
// The path of one run_user(frame, hook):
//   run_user (C++)      points the CPU's UserCpu at the frame and the hook,
//                       copies rip/rsp to the slots the stub's last
//                       instructions read, and calls the glue.
//   enter_user          pushes the kernel's callee-saved registers, records
//                       the kernel stack (kernel_sp) and falls into
//   the restore stub    [user_restore_begin, user_restore_end): sets in_user,
//                       bails out with kPreempted if a tick is pending, installs
//                       the user's FS if it has one, restores the FP state
//                       (XRSTOR of a full image, else MXCSR and FCW), pops
//                       every GPR and RFLAGS from the frame, loads rsp and
//                       jumps to rip, all %gs-relative. Nothing is written
//                       to the user's stack, so its red zone survives.
//                       Restartable: a signal inside it finds the whole user
//                       state still in the frame (user_signals.cc).
//   user code           ... until it jumps to the trap entry (a trap call) or
//                       a signal redirects it to the kernel re-entry.
//   trap_entry          saves the GPRs into the frame (movs only, so RFLAGS is
//                       intact until pushfq), reads the return address (the
//                       one user-memory access: a fault there restarts the
//                       call, see user_signals.cc), switches to kernel_sp and
//                       saves RFLAGS and the FP state the SysV contract keeps
//                       (MXCSR, FCW) or, with --precise-fp, the XSAVE image.
//                       A plain trap call with a hook calls
//                       TrapCallHook::serve on the kernel stack; served, it
//                       goes straight back to user mode (user_restore_call,
//                       or the whole restore stub if the frame's flags, FP
//                       state or FS changed); not served, it pops the
//                       callee-saved registers and returns (kServed):
//                       enter_user returns. The call may block and come
//                       back on another CPU (its host thread's slots are
//                       filled again from callee-saved registers).
//   kernel_reentry      (signals, --precise-fp, unusual flags) clears
//                       in_user, gives FS back to the kernel, clean RFLAGS
//                       (DF, TF, AC clear) and FP control state, pops the
//                       callee-saved registers: enter_user returns.
// No host system call on this path unless the frame has its own FS.
//
// The sanitizers need no annotation here: user code is never instrumented
// (task programs and test blobs are freestanding), and enter_user returns
// on the kernel stack and depth it was called on (after a served call
// that blocked, maybe on another host thread: the switches in between
// are the scheduler's, annotated there). So, as ASan and TSan see it,
// run_user is an ordinary uninstrumented call; no abandoned instrumented
// frames (__asan_handle_no_return has nothing to clean). The signal
// handler's frames on the sigaltstack are uninstrumented and simply
// abandoned by the redirect.
#include <errno.h>

#include "core/cpu.h"
#include "core/platform/platform.h"
#include "platform/hosted/user/user_internal.h"

#define UMACH_STR2(x) #x
#define UMACH_STR(x) UMACH_STR2(x)

namespace umach::platform::hosted {
namespace {

// The glue's hard-coded offsets (user_internal.h) against the real layout.
static_assert(offsetof(UserFrame, r15) == UMACH_UF_R15 && offsetof(UserFrame, r14) == UMACH_UF_R14 &&
              offsetof(UserFrame, r13) == UMACH_UF_R13 && offsetof(UserFrame, r12) == UMACH_UF_R12 &&
              offsetof(UserFrame, r11) == UMACH_UF_R11 && offsetof(UserFrame, r10) == UMACH_UF_R10 &&
              offsetof(UserFrame, r9) == UMACH_UF_R9 && offsetof(UserFrame, r8) == UMACH_UF_R8 &&
              offsetof(UserFrame, rbp) == UMACH_UF_RBP && offsetof(UserFrame, rdi) == UMACH_UF_RDI &&
              offsetof(UserFrame, rsi) == UMACH_UF_RSI && offsetof(UserFrame, rdx) == UMACH_UF_RDX &&
              offsetof(UserFrame, rcx) == UMACH_UF_RCX && offsetof(UserFrame, rbx) == UMACH_UF_RBX &&
              offsetof(UserFrame, rax) == UMACH_UF_RAX && offsetof(UserFrame, rflags) == UMACH_UF_RFLAGS &&
              offsetof(UserFrame, rsp) == UMACH_UF_RSP && offsetof(UserFrame, rip) == UMACH_UF_RIP &&
              offsetof(UserFrame, fs_base) == UMACH_UF_FS_BASE &&
              offsetof(UserFrame, mxcsr) == UMACH_UF_MXCSR && offsetof(UserFrame, fcw) == UMACH_UF_FCW &&
              offsetof(UserFrame, fp_full) == UMACH_UF_FP_FULL && offsetof(UserFrame, xsave) == UMACH_UF_XSAVE,
              "user_internal.h's UserFrame offsets");
static_assert(sizeof(Cpu::timer_fired) == 4, "the stub tests timer_fired with cmpl");
static_assert(offsetof(UserCpu, frame) == 0 && offsetof(UserCpu, kernel_sp) == 8 &&
                  offsetof(UserCpu, resume_rip) == 16 && offsetof(UserCpu, resume_rsp) == 24 &&
                  offsetof(UserCpu, scratch) == 32 && offsetof(UserCpu, kernel_fs) == 40 &&
                  offsetof(UserCpu, user_fs) == 48 && offsetof(UserCpu, in_user) == 56 &&
                  offsetof(UserCpu, user_fs_live) == 57 && offsetof(UserCpu, trap) + offsetof(TrapInfo, kind) == 64 &&
                  offsetof(UserCpu, hook) == 96,
              "user_internal.h's UserCpu offsets");

// The core's Cpu layout, as assembler symbols the glue below uses (the
// integrated assembler resolves them although they come later in the file).
[[gnu::used]] void define_cpu_offsets() {
  __asm__ __volatile__(".set " UMACH_STR(UMACH_CPU_TIMER_FIRED) ", %c0\n"
                       ".set " UMACH_STR(UMACH_CPU_USER) ", %c1\n"
                       :
                       : "i"(offsetof(Cpu, timer_fired)),
                         "i"(offsetof(Cpu, machine) + offsetof(Backend::CpuMachine, user)));
}

static_assert(static_cast<int>(TrapKind::kTrapCall) == UMACH_TRAP_CALL &&
                  static_cast<int>(TrapKind::kPreempted) == UMACH_TRAP_PREEMPTED &&
                  static_cast<int>(TrapKind::kServed) == UMACH_TRAP_SERVED && sizeof(TrapKind) == 1,
              "user_internal.h's TrapKind values");

}  // namespace
}  // namespace umach::platform::hosted

#define GS(slot) "%gs:" UMACH_STR(slot)
#define UF(field, reg) UMACH_STR(field) "(" reg ")"
// arch_prctl(ARCH_SET_FS, %rsi) with a raw syscall (clobbers rax, rdi, rcx, r11).
#define SET_FS_FROM_RSI "  mov $158, %eax\n  mov $0x1002, %edi\n  syscall\n"
#define GLOBAL_LABEL(name) ".globl " #name "\n.hidden " #name "\n" #name ":\n"
// Every GPR from the frame at %rsp, in UserFrame's order (rflags follows).
#define POP_USER_GPRS \
  "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %r11\n  pop %r10\n  pop %r9\n  pop %r8\n" \
  "  pop %rbp\n  pop %rdi\n  pop %rsi\n  pop %rdx\n  pop %rcx\n  pop %rbx\n  pop %rax\n"
#define FUNCTION(name) ".globl " #name "\n.hidden " #name "\n.type " #name ", @function\n" #name ":\n"

// clang-format off
__asm__(
".pushsection .text\n"
".p2align 4\n"
GLOBAL_LABEL(umach_hosted_user_glue_begin)

// void umach_hosted_enter_user(void): a normal call from run_user; it
// "returns" through umach_hosted_kernel_reentry.
FUNCTION(umach_hosted_enter_user)
"  push %rbp\n  push %rbx\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
"  mov %rsp, " GS(UMACH_UC_KERNEL_SP) "\n"
GLOBAL_LABEL(umach_hosted_user_restore_begin)
"  movb $1, " GS(UMACH_UC_IN_USER) "\n"
// A tick that arrived in kernel mode, after the core's last preemption point:
// take it now. One after this check lands in the stub and preempts it.
"  cmpl $0, " GS(UMACH_CPU_TIMER_FIRED) "\n"
"  jne 9f\n"
"  mov " GS(UMACH_UC_USER_FS) ", %rsi\n"
"  test %rsi, %rsi\n"
"  jz 1f\n"
"  movb $1, " GS(UMACH_UC_USER_FS_LIVE) "\n"
SET_FS_FROM_RSI
"1:\n"
"  mov " GS(UMACH_UC_FRAME) ", %rsp\n"
"  cmpb $0, " UF(UMACH_UF_FP_FULL, "%rsp") "\n"
"  je 2f\n"
"  mov umach_hosted_xsave_mask(%rip), %eax\n"
"  mov umach_hosted_xsave_mask+4(%rip), %edx\n"
"  xrstor64 " UF(UMACH_UF_XSAVE, "%rsp") "\n"
"  jmp 3f\n"
"2:\n"
"  ldmxcsr " UF(UMACH_UF_MXCSR, "%rsp") "\n"
"  fldcw " UF(UMACH_UF_FCW, "%rsp") "\n"
"3:\n"
POP_USER_GPRS
"  popfq\n"
"  mov " GS(UMACH_UC_RESUME_RSP) ", %rsp\n"
"  jmp *" GS(UMACH_UC_RESUME_RIP) "\n"
// The way back from a trap call the hook served, when the frame's FP
// control state is the kernel's (so, loaded) and its flags are those of
// the call (dead across it, as the SysV contract has them; the kernel's
// are clean): the stub without FS, FP or flags.
GLOBAL_LABEL(umach_hosted_user_restore_call)
"  movb $1, " GS(UMACH_UC_IN_USER) "\n"
"  cmpl $0, " GS(UMACH_CPU_TIMER_FIRED) "\n"
"  jne 9f\n"
"  mov " GS(UMACH_UC_FRAME) ", %rsp\n"
POP_USER_GPRS
"  mov " GS(UMACH_UC_RESUME_RSP) ", %rsp\n"
"  jmp *" GS(UMACH_UC_RESUME_RIP) "\n"
GLOBAL_LABEL(umach_hosted_user_restore_end)
"9:\n"
"  movb $" UMACH_STR(UMACH_TRAP_PREEMPTED) ", " GS(UMACH_UC_TRAP_KIND) "\n"
"  jmp umach_hosted_kernel_reentry\n"
".size umach_hosted_enter_user, . - umach_hosted_enter_user\n"

// The commpage jumps here: rax = -N, arguments in rdi, rsi, rdx, r10, r8,
// r9, (%rsp) the return address into user code.
FUNCTION(umach_hosted_trap_entry)
"  mov %r11, " GS(UMACH_UC_SCRATCH) "\n"
"  mov " GS(UMACH_UC_FRAME) ", %r11\n"
"  mov %rax, " UF(UMACH_UF_RAX, "%r11") "\n"
"  mov %rbx, " UF(UMACH_UF_RBX, "%r11") "\n"
"  mov %rcx, " UF(UMACH_UF_RCX, "%r11") "\n"
"  mov %rdx, " UF(UMACH_UF_RDX, "%r11") "\n"
"  mov %rsi, " UF(UMACH_UF_RSI, "%r11") "\n"
"  mov %rdi, " UF(UMACH_UF_RDI, "%r11") "\n"
"  mov %rbp, " UF(UMACH_UF_RBP, "%r11") "\n"
"  mov %r8, " UF(UMACH_UF_R8, "%r11") "\n"
"  mov %r9, " UF(UMACH_UF_R9, "%r11") "\n"
"  mov %r10, " UF(UMACH_UF_R10, "%r11") "\n"
"  mov %r12, " UF(UMACH_UF_R12, "%r11") "\n"
"  mov %r13, " UF(UMACH_UF_R13, "%r11") "\n"
"  mov %r14, " UF(UMACH_UF_R14, "%r11") "\n"
"  mov %r15, " UF(UMACH_UF_R15, "%r11") "\n"
"  mov " GS(UMACH_UC_SCRATCH) ", %rax\n"
"  mov %rax, " UF(UMACH_UF_R11, "%r11") "\n"
"  mov %rsp, " UF(UMACH_UF_RSP, "%r11") "\n"
GLOBAL_LABEL(umach_hosted_trap_entry_read_ret)
"  mov (%rsp), %rax\n"
"  mov %rax, " UF(UMACH_UF_RIP, "%r11") "\n"
"  lea 8(%rsp), %rax\n"
"  mov %rax, " UF(UMACH_UF_RSP, "%r11") "\n"
"  mov " GS(UMACH_UC_KERNEL_SP) ", %rsp\n"
"  pushfq\n"
"  pop %rax\n"
"  and $-257, %rax\n"  // TF: see user_signals.cc (single-step is not offered)
"  mov %rax, " UF(UMACH_UF_RFLAGS, "%r11") "\n"
"  cmpb $0, umach_hosted_precise_fp(%rip)\n"
"  je 1f\n"
"  mov umach_hosted_xsave_mask(%rip), %eax\n"
"  mov umach_hosted_xsave_mask+4(%rip), %edx\n"
"  xsave64 " UF(UMACH_UF_XSAVE, "%r11") "\n"
"  movb $1, " UF(UMACH_UF_FP_FULL, "%r11") "\n"
"  jmp 2f\n"
"2:\n"  // --precise-fp: the full kernel re-entry
"  movb $" UMACH_STR(UMACH_TRAP_CALL) ", " GS(UMACH_UC_TRAP_KIND) "\n"
"  jmp umach_hosted_kernel_reentry\n"
// The common case, a call without --precise-fp: the SysV call contract
// already gives the kernel an empty x87 stack and clear DF, so the kernel's
// FP control state is loaded only if the user changed it (ldmxcsr and
// fninit cost more than the rest of the trip), and rflags only if they
// are not what a call leaves.
"1:\n"
"  stmxcsr " UF(UMACH_UF_MXCSR, "%r11") "\n"
"  fnstcw " UF(UMACH_UF_FCW, "%r11") "\n"
"  movb $0, " UF(UMACH_UF_FP_FULL, "%r11") "\n"
"  movb $" UMACH_STR(UMACH_TRAP_CALL) ", " GS(UMACH_UC_TRAP_KIND) "\n"
"  movb $0, " GS(UMACH_UC_IN_USER) "\n"
"  cmpb $0, " GS(UMACH_UC_USER_FS_LIVE) "\n"
"  jne umach_hosted_kernel_reentry\n"
"  mov " UF(UMACH_UF_RFLAGS, "%r11") ", %rax\n"
"  and $0x40500, %eax\n"  // AC, DF, TF: any set needs the full path
"  jnz umach_hosted_kernel_reentry\n"
"  mov " UF(UMACH_UF_MXCSR, "%r11") ", %eax\n"
"  cmp umach_hosted_kernel_mxcsr(%rip), %eax\n"
"  je 3f\n"
"  ldmxcsr umach_hosted_kernel_mxcsr(%rip)\n"
"3:\n"
"  cmpw $0x37f, " UF(UMACH_UF_FCW, "%r11") "\n"  // the x87 control word after fninit
"  je 4f\n"
"  fninit\n"
"4:\n"
"  cmpb $0, umach_hosted_has_avx(%rip)\n"
"  je 5f\n"
"  vzeroupper\n"
"5:\n"
// The call is served here, on the kernel stack below run_user's frame,
// when run_user was given a hook: back in user mode without unwinding
// into the core's loop and calling back down. The hook may block and come
// back on another CPU: the frame and the kernel stack pointer ride in
// callee-saved registers, and this CPU's slots get them after the call.
"  mov " GS(UMACH_UC_HOOK) ", %rdi\n"
"  test %rdi, %rdi\n"
"  jz 8f\n"
"  mov %rsp, %r12\n"
"  mov " GS(UMACH_UC_FRAME) ", %rbx\n"
"  mov %rdi, %r13\n"
"  mov " UF(UMACH_UF_RFLAGS, "%rbx") ", %r14\n"  // the flags of the call, to see them unchanged after
"  sub $8, %rsp\n"  // kernel_sp is 8 off a 16-byte boundary (a call and six pushes)
"  call *(%rdi)\n"  // TrapCallHook::serve(hook)
"  add $8, %rsp\n"
"  mov %r12, " GS(UMACH_UC_KERNEL_SP) "\n"
"  mov %rbx, " GS(UMACH_UC_FRAME) "\n"
"  mov %r13, " GS(UMACH_UC_HOOK) "\n"
"  test %al, %al\n"
"  jz 7f\n"
"  mov " UF(UMACH_UF_RIP, "%rbx") ", %rax\n"
"  mov %rax, " GS(UMACH_UC_RESUME_RIP) "\n"
"  mov " UF(UMACH_UF_RSP, "%rbx") ", %rax\n"
"  mov %rax, " GS(UMACH_UC_RESUME_RSP) "\n"
"  movb $" UMACH_STR(UMACH_TRAP_CALL) ", " GS(UMACH_UC_TRAP_KIND) "\n"
// A frame given an FS base meanwhile (thread_set_state) goes back through
// the full stub, which installs it, as run_user would set it up.
"  mov " UF(UMACH_UF_FS_BASE, "%rbx") ", %rax\n"
"  mov %rax, " GS(UMACH_UC_USER_FS) "\n"
"  test %rax, %rax\n"
"  jz 5f\n"
"  mov %fs:0, %rax\n"  // this host thread's FS base (TLS keeps it at %fs:0)
"  mov %rax, " GS(UMACH_UC_KERNEL_FS) "\n"
"  movb $1, umach_hosted_user_fs_ever(%rip)\n"
"  jmp 6f\n"
"5:\n"
"  cmp " UF(UMACH_UF_RFLAGS, "%rbx") ", %r14\n"
"  jne 6f\n"
"  cmpb $0, " UF(UMACH_UF_FP_FULL, "%rbx") "\n"
"  jne 6f\n"
"  mov " UF(UMACH_UF_MXCSR, "%rbx") ", %eax\n"
"  cmp umach_hosted_kernel_mxcsr(%rip), %eax\n"
"  jne 6f\n"
"  cmpw $0x37f, " UF(UMACH_UF_FCW, "%rbx") "\n"
"  je umach_hosted_user_restore_call\n"
"6:\n"
"  jmp umach_hosted_user_restore_begin\n"
"7:\n"  // not straight back: run_user returns, the loop takes over
"  movb $" UMACH_STR(UMACH_TRAP_SERVED) ", " GS(UMACH_UC_TRAP_KIND) "\n"
"8:\n"
"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbx\n  pop %rbp\n"
"  ret\n"
".size umach_hosted_trap_entry, . - umach_hosted_trap_entry\n"

// Back to run_user. Entered with rsp anywhere (a signal redirect sets it to
// kernel_sp, the trap entry is already there) and user garbage in every
// other register.
FUNCTION(umach_hosted_kernel_reentry)
"  mov " GS(UMACH_UC_KERNEL_SP) ", %rsp\n"
"  movb $0, " GS(UMACH_UC_IN_USER) "\n"
"  cmpb $0, " GS(UMACH_UC_USER_FS_LIVE) "\n"
"  je 1f\n"
"  mov " GS(UMACH_UC_KERNEL_FS) ", %rsi\n"
SET_FS_FROM_RSI
"  movb $0, " GS(UMACH_UC_USER_FS_LIVE) "\n"
"1:\n"
"  pushq $0x202\n"
"  popfq\n"
"  fninit\n"
"  ldmxcsr umach_hosted_kernel_mxcsr(%rip)\n"
"  cmpb $0, umach_hosted_has_avx(%rip)\n"
"  je 2f\n"
"  vzeroupper\n"
"2:\n"
"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbx\n  pop %rbp\n"
"  ret\n"
".size umach_hosted_kernel_reentry, . - umach_hosted_kernel_reentry\n"
GLOBAL_LABEL(umach_hosted_user_glue_end)

// bool umach_hosted_copy_user(void* dst, const void* src, size_t n): only
// the rep movsb touches user memory; a fault there resumes at the fixup
// (the recovery table in user_signals.cc) with the stack as it was.
FUNCTION(umach_hosted_copy_user)
"  mov %rdx, %rcx\n"
GLOBAL_LABEL(umach_hosted_copy_user_fault_begin)
"  rep movsb\n"
GLOBAL_LABEL(umach_hosted_copy_user_fault_end)
"  mov $1, %eax\n"
"  ret\n"
GLOBAL_LABEL(umach_hosted_copy_user_fixup)
"  xor %eax, %eax\n"
"  ret\n"
".size umach_hosted_copy_user, . - umach_hosted_copy_user\n"
".popsection\n");
// clang-format on

namespace umach::platform {
namespace {

// User addresses are the lower half of the 48-bit space; a range that
// wraps or leaves it is refused before any access.
constexpr uint64_t kUserTop = uint64_t{1} << 47;

bool user_range_ok(uint64_t addr, size_t n) { return addr < kUserTop && n <= kUserTop - addr; }

// errno of the calling host thread, looked up afresh: the compiler may
// otherwise reuse the location it found before run_user's excursion, from
// which a served trap may have come back on another host thread.
[[gnu::noinline]] void set_errno(int value) { errno = value; }

}  // namespace

TrapInfo Backend::run_user(UserFrame& f, TrapCallHook* hook) {
  // Host TLS (errno) is shared by every fiber of this host thread, and the
  // kernel may have been anywhere when the user trap arrived; keep the
  // caller's value across the whole excursion (if it ends on this host
  // thread: after a served trap that blocked, maybe not).
  int saved_errno = errno;
  Cpu* const here = current_cpu();
  hosted::UserCpu& u = here->machine.user;
  u.frame = &f;
  u.resume_rip = f.rip;
  u.resume_rsp = f.rsp;
  u.user_fs = f.fs_base;
  if (f.fs_base != 0) {
    // x86-64 TLS keeps the thread pointer at %fs:0: FS base without a syscall.
    uint64_t fs;
    __asm__ __volatile__("mov %%fs:0, %0" : "=r"(fs));
    u.kernel_fs = fs;
    __atomic_store_n(&umach_hosted_user_fs_ever, 1, __ATOMIC_RELAXED);
  }
  u.trap = TrapInfo{TrapKind::kTrapCall};
  u.hook = hook;
  umach_hosted_enter_user();
  // Maybe another CPU: a trap the hook served may have blocked (user mode
  // and the re-entry themselves never leave the host thread).
  hosted::UserCpu& back = current_cpu()->machine.user;
  TrapInfo t = back.trap;
  back.frame = nullptr;
  back.hook = nullptr;
  if (current_cpu() == here) set_errno(saved_errno);
  return t;
}

bool Backend::copyin(void* dst, uint64_t user_src, size_t n) {
  if (n == 0) return true;
  if (!user_range_ok(user_src, n)) return false;
  return umach_hosted_copy_user(dst, reinterpret_cast<const void*>(user_src), n);
}

bool Backend::copyout(uint64_t user_dst, const void* src, size_t n) {
  if (n == 0) return true;
  if (!user_range_ok(user_dst, n)) return false;
  return umach_hosted_copy_user(reinterpret_cast<void*>(user_dst), src, n);
}

}  // namespace umach::platform
