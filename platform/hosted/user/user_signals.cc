// platform/hosted/user/user_signals.cc: the hosted "interrupt" handler for
// every platform signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP and the
// vCPU timer), installed by signal_entry.cc.
//
// Compiled WITHOUT sanitizers, and with the rules of signal_entry.cc: no
// libc (not even memcpy, which ASan intercepts), no errno, no TLS, until a
// kernel fault decides to panic (then nothing matters but the report).
//
// Where the interrupted PC is decides what a signal means:
//   in the restore stub       user mode, the state still whole in the frame
//                             (a restartable sequence): a tick preempts; a
//                             fault there is a kernel bug (frame_sanitise
//                             should have refused the frame): panic.
//   the trap entry's read of  a user page fault on the user's stack: the
//   the return address        GPRs are already in the frame; the frame is
//                             made to re-execute the trap entry, so once the
//                             kernel resolves the fault the call restarts.
//   elsewhere in the glue     kernel mode: a tick only counts; a SIGTRAP is a
//                             user's TF leaking in (cleared, ignored).
//   registered user code,     user mode: the whole context (GPRs, rflags, rip,
//   or a fault while the CPU  rsp, the XSAVE image from the signal frame) goes
//   is in user mode anywhere  into the frame, and the signal context is
//   (a wild jump)             rewritten so that returning from the handler
//                             enters kernel_reentry on the thread's kernel
//                             stack; run_user returns the TrapInfo.
//   anything else             kernel or host runtime: a tick only counts
//                             (cpu_timer_interrupt); a fault in a user copy
//                             resumes at its fixup (the recovery table); any
//                             other fault panics with a report.
// A tick in user mode is only taken in registered code: preempting host code
// a user jumped into could leave host-runtime state (malloc, sanitizers)
// half-changed under the kernel.
//
// Per-CPU state (%gs) is only read on a vCPU: a host thread that never
// became a CPU has GS base 0. The handler knows it runs on a vCPU when its
// stack is one of the vCPU signal stacks (vcpu.cc keeps them in one range).
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <mach/exception.h>

#include "core/cpu.h"
#include "core/kassert.h"
#include "core/log.h"
#include "platform/hosted/internal.h"
#include "platform/hosted/user/user_internal.h"

namespace umach::platform::hosted {
namespace {

constexpr uint64_t kTrapFlag = 0x100;
constexpr uint64_t kKernelFlags = 0x202;
constexpr uint32_t kFpXstateMagic1 = 0x46505853;  // <asm/sigcontext.h>: the fpstate holds an XSAVE image
constexpr size_t kFxsaveSize = 512;
constexpr size_t kSwBytesOffset = 464;  // struct _fpx_sw_bytes in the FXSAVE area's spare bytes
constexpr uint64_t kErrWrite = 1 << 1;  // page-fault error code bits
constexpr uint64_t kErrFetch = 1 << 4;
constexpr greg_t kTrapDivide = 0;  // x86 exception vectors, as REG_TRAPNO reports them
constexpr greg_t kTrapDebug = 1;
constexpr greg_t kTrapOverflow = 4;
constexpr greg_t kTrapSimd = 19;

enum class Where { kKernel, kGlue, kStub, kTrapEntryRead, kUser };

bool in(uint64_t pc, const char* begin, const char* end) {
  return pc >= reinterpret_cast<uint64_t>(begin) && pc < reinterpret_cast<uint64_t>(end);
}

bool on_vcpu_signal_stack() {
  auto sp = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return sp >= g_signal_stacks_begin && sp < g_signal_stacks_end;
}

bool is_fault(int sig) { return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP; }

void copy_bytes(void* dst, const void* src, size_t n) {
  __asm__ __volatile__("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
void zero_bytes(void* dst, size_t n) { __asm__ __volatile__("rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory"); }

Where classify(int sig, uint64_t pc) {
  if (in(pc, umach_hosted_user_restore_begin, umach_hosted_user_restore_end)) return Where::kStub;
  if (pc == reinterpret_cast<uint64_t>(umach_hosted_trap_entry_read_ret) && (sig == SIGSEGV || sig == SIGBUS))
    return Where::kTrapEntryRead;
  if (in(pc, umach_hosted_user_glue_begin, umach_hosted_user_glue_end)) return Where::kGlue;
  if (user_range_contains(pc)) return Where::kUser;
  if (is_fault(sig) && on_vcpu_signal_stack() && Backend::current_cpu()->machine.user.in_user) return Where::kUser;
  return Where::kKernel;
}

TrapInfo trap_info_for(int sig, const siginfo_t* info, const ucontext_t* uc) {
  TrapInfo t{TrapKind::kPreempted};
  if (sig == timer_signal() || info->si_code <= 0) return t;  // a tick, or sent by kill(): not a fault
  t.code = static_cast<uint64_t>(info->si_code);
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
      // SI_KERNEL: a general-protection fault (privileged instruction,
      // non-canonical address); BUS_ADRALN: alignment check with AC set.
      if (info->si_code == SI_KERNEL || (sig == SIGBUS && info->si_code == BUS_ADRALN)) {
        t.kind = TrapKind::kGeneralProtection;
        t.code = EXC_I386_GPFLT;
        t.subcode = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_ERR]) & 0xffff;
        break;
      }
      {
        auto err = static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_ERR]);
        t.kind = TrapKind::kPageFault;
        t.address = reinterpret_cast<uint64_t>(info->si_addr);
        t.access = (err & kErrFetch) ? Access::kExecute : (err & kErrWrite) ? Access::kWrite : Access::kRead;
        t.code = err;
      }
      break;
    // The vector Linux saw (REG_TRAPNO) picks GNU Mach's code, as its
    // user_trap does from the hardware's trap number.
    case SIGILL:
      t.kind = TrapKind::kIllegalInstruction;
      t.code = EXC_I386_INVOP;
      break;
    case SIGFPE:
      t.kind = TrapKind::kArithmetic;
      switch (uc->uc_mcontext.gregs[REG_TRAPNO]) {
        case kTrapDivide: t.code = EXC_I386_DIV; break;
        case kTrapOverflow: t.code = EXC_I386_INTO; break;
        case kTrapSimd:  // SSE: the subcode is the MXCSR
          t.code = EXC_I386_EXTERR;
          t.subcode = uc->uc_mcontext.fpregs ? uc->uc_mcontext.fpregs->mxcsr : 0;
          break;
        default:  // x87: the subcode is its status word
          t.code = EXC_I386_EXTERR;
          t.subcode = uc->uc_mcontext.fpregs ? uc->uc_mcontext.fpregs->swd : 0;
          break;
      }
      break;
    case SIGTRAP:
      t.kind = TrapKind::kBreakpoint;
      t.code = uc->uc_mcontext.gregs[REG_TRAPNO] == kTrapDebug ? EXC_I386_SGL : EXC_I386_BPT;
      break;
    default: break;
  }
  return t;
}

void save_gregs(UserFrame& f, const greg_t* g) {
  f.r8 = g[REG_R8], f.r9 = g[REG_R9], f.r10 = g[REG_R10], f.r11 = g[REG_R11];
  f.r12 = g[REG_R12], f.r13 = g[REG_R13], f.r14 = g[REG_R14], f.r15 = g[REG_R15];
  f.rdi = g[REG_RDI], f.rsi = g[REG_RSI], f.rbp = g[REG_RBP], f.rbx = g[REG_RBX];
  f.rdx = g[REG_RDX], f.rax = g[REG_RAX], f.rcx = g[REG_RCX];
  f.rsp = g[REG_RSP], f.rip = g[REG_RIP];
  f.rflags = static_cast<uint64_t>(g[REG_EFL]) & ~kTrapFlag;
}

// The signal frame's FP state is the user's at the trap, as a standard
// XSAVE image when the magic says so (always on an XSAVE host), else a bare
// FXSAVE area that gets a header naming just x87 and SSE.
void save_fp(UserFrame& f, const ucontext_t* uc) {
  const auto* fp = reinterpret_cast<const uint8_t*>(uc->uc_mcontext.fpregs);
  uint8_t* header = f.xsave + kFxsaveSize;
  uint32_t magic, xstate_size;
  copy_bytes(&magic, fp + kSwBytesOffset, sizeof magic);
  copy_bytes(&xstate_size, fp + kSwBytesOffset + 16, sizeof xstate_size);
  if (magic == kFpXstateMagic1) {
    size_t n = xstate_size < umach_hosted_xsave_size ? xstate_size : umach_hosted_xsave_size;
    copy_bytes(f.xsave, fp, n);
    uint64_t bv;
    copy_bytes(&bv, header, sizeof bv);
    bv &= umach_hosted_xsave_mask;
    copy_bytes(header, &bv, sizeof bv);
    zero_bytes(header + 8, 8);  // XCOMP_BV: standard format
  } else {
    copy_bytes(f.xsave, fp, kFxsaveSize);
    zero_bytes(header, 64);
    header[0] = 0x3;
  }
  f.fp_full = 1;
}

// Redirects a signal that interrupted user mode into the kernel re-entry.
void enter_kernel(Where where, int sig, siginfo_t* info, ucontext_t* uc);

[[noreturn]] void kernel_fault(int sig, const siginfo_t* info, const ucontext_t* uc) {
  const greg_t* g = uc->uc_mcontext.gregs;
  auto r = [g](int i) { return static_cast<unsigned long>(g[i]); };
  klog("umach: kernel fault: signal %d (si_code %d) at address %#lx, pc %#lx, error code %#lx, trap %lu\n", sig,
       info->si_code, reinterpret_cast<unsigned long>(info->si_addr), r(REG_RIP), r(REG_ERR), r(REG_TRAPNO));
  klog("  rax %#018lx rbx %#018lx rcx %#018lx rdx %#018lx\n", r(REG_RAX), r(REG_RBX), r(REG_RCX), r(REG_RDX));
  klog("  rsi %#018lx rdi %#018lx rbp %#018lx rsp %#018lx\n", r(REG_RSI), r(REG_RDI), r(REG_RBP), r(REG_RSP));
  klog("  r8  %#018lx r9  %#018lx r10 %#018lx r11 %#018lx\n", r(REG_R8), r(REG_R9), r(REG_R10), r(REG_R11));
  klog("  r12 %#018lx r13 %#018lx r14 %#018lx r15 %#018lx\n", r(REG_R12), r(REG_R13), r(REG_R14), r(REG_R15));
  klog("  rip %#018lx rflags %#lx\n", r(REG_RIP), r(REG_EFL));
  panic("kernel fault: signal %d at address %#lx, pc %#lx", sig, reinterpret_cast<unsigned long>(info->si_addr),
        r(REG_RIP));
}

void enter_kernel(Where where, int sig, siginfo_t* info, ucontext_t* uc) {
  greg_t* g = uc->uc_mcontext.gregs;
  UserCpu& u = Backend::current_cpu()->machine.user;
  UserFrame& f = *u.frame;
  TrapInfo t = trap_info_for(sig, info, uc);
  switch (where) {
    case Where::kStub:
      // Nothing of the user state has left the frame: the restore simply
      // runs again. A fault here means the frame itself was bad.
      if (t.kind != TrapKind::kPreempted && sig != SIGTRAP) kernel_fault(sig, info, uc);
      t = TrapInfo{TrapKind::kPreempted};
      break;
    case Where::kTrapEntryRead:
      // The GPRs are in the frame (r11 included: rax was the scratch
      // register, and its value is saved); the call restarts at the entry.
      f.rsp = static_cast<uint64_t>(g[REG_RSP]);
      f.rflags = static_cast<uint64_t>(g[REG_EFL]) & ~kTrapFlag;
      f.rip = reinterpret_cast<uint64_t>(umach_hosted_trap_entry);
      save_fp(f, uc);
      break;
    default:
      save_gregs(f, g);
      save_fp(f, uc);
      break;
  }
  u.trap = t;
  g[REG_RIP] = reinterpret_cast<greg_t>(&umach_hosted_kernel_reentry);
  g[REG_RSP] = reinterpret_cast<greg_t>(u.kernel_sp);
  g[REG_EFL] = kKernelFlags;
}

// The recovery table: instructions that touch user memory on the kernel's
// behalf, and where each resumes when it faults.
struct Recovery {
  const char* begin;
  const char* end;
  const char* fixup;
};
const Recovery kRecoveries[] = {
    {umach_hosted_copy_user_fault_begin, umach_hosted_copy_user_fault_end, umach_hosted_copy_user_fixup},
};

bool recover(int sig, ucontext_t* uc) {
  if (sig != SIGSEGV && sig != SIGBUS) return false;
  greg_t* g = uc->uc_mcontext.gregs;
  for (const Recovery& r : kRecoveries) {
    if (in(static_cast<uint64_t>(g[REG_RIP]), r.begin, r.end)) {
      g[REG_RIP] = reinterpret_cast<greg_t>(r.fixup);
      return true;
    }
  }
  return false;
}

}  // namespace
}  // namespace umach::platform::hosted

using namespace umach::platform::hosted;

// Called by the prologue, only once some frame has run with its own FS:
// if this vCPU's FS is the user's, give the kernel its own back before any
// code that may use TLS runs.
extern "C" void umach_hosted_restore_kernel_fs() {
  if (!on_vcpu_signal_stack()) return;
  UserCpu& u = umach::platform::Backend::current_cpu()->machine.user;
  if (!u.user_fs_live) return;
  long ret;
  __asm__ __volatile__("syscall"
                       : "=a"(ret)
                       : "a"(SYS_arch_prctl), "D"(0x1002 /* ARCH_SET_FS */), "S"(u.kernel_fs)
                       : "rcx", "r11", "memory");
  (void)ret;
  u.user_fs_live = 0;
}

// `[[gnu::flatten]]` pulls the core's inline helpers (cpu_timer_interrupt,
// kstd::Atomic) in, so no instrumented out-of-line copy is called.
extern "C" [[gnu::flatten]] void umach_hosted_on_signal(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* g = uc->uc_mcontext.gregs;
  bool tick = sig == timer_signal();
  if (tick && info->si_code == SI_TIMER) {
    // The signal's value is the Cpu whose timer fired (timer.cc): this one.
    auto* cpu = static_cast<umach::Cpu*>(info->si_value.sival_ptr);
    if (cpu != nullptr) umach::cpu_timer_interrupt(*cpu);
  }
  Where where = classify(sig, static_cast<uint64_t>(g[REG_RIP]));
  switch (where) {
    case Where::kStub:
    case Where::kTrapEntryRead:
    case Where::kUser: enter_kernel(where, sig, info, uc); return;
    case Where::kGlue:
      if (tick) return;
      if (sig == SIGTRAP) {
        g[REG_EFL] &= ~static_cast<greg_t>(kTrapFlag);
        return;
      }
      kernel_fault(sig, info, uc);
    case Where::kKernel:
      if (tick || info->si_code <= 0) return;  // counted above / sent by kill(): nothing faulted
      if (recover(sig, uc)) return;
      kernel_fault(sig, info, uc);
  }
}

// The handler every platform signal is installed with. Linux has cleared
// DF and TF and given the handler a fresh FP state; AC it leaves as the
// interrupted code had it, so clear it before C code makes unaligned
// accesses. Then FS, if a user frame may have it.
// clang-format off
__asm__(
".pushsection .text\n"
".globl umach_hosted_signal_entry\n"
".hidden umach_hosted_signal_entry\n"
".type umach_hosted_signal_entry, @function\n"
"umach_hosted_signal_entry:\n"
"  pushfq\n"
"  andq $-262145, (%rsp)\n"  // ~AC
"  popfq\n"
"  cmpb $0, umach_hosted_user_fs_ever(%rip)\n"
"  jne 1f\n"
"  jmp umach_hosted_on_signal\n"
"1:\n"
"  push %rdi\n  push %rsi\n  push %rdx\n"  // entered as if called: rsp is now 16-aligned
"  call umach_hosted_restore_kernel_fs\n"
"  pop %rdx\n  pop %rsi\n  pop %rdi\n"
"  jmp umach_hosted_on_signal\n"
".size umach_hosted_signal_entry, . - umach_hosted_signal_entry\n"
".popsection\n");
// clang-format on
