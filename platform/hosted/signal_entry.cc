// platform/hosted/signal_entry.cc: the hosted "interrupt" entry: the
// installation of the platform's signal handler and its restorer. The
// handler itself (user traps, preemption, the timer, kernel faults) is
// platform/hosted/user/user_signals.cc.
//
// Compiled WITHOUT sanitizers (CMakeLists.txt): a handler runs on whatever
// the signal interrupted, including the sanitizer runtimes themselves, and
// TSan's function hooks in a handler leak its shadow stack. Rules for code
// here:
//   - The handler touches only the siginfo, the signal context, the
//     interrupted thread's user frame and atomics; no libc, no errno, no
//     instrumented function (until a kernel fault panics).
//   - Handlers are installed with the raw rt_sigaction system call and our
//     own restorer: the sanitizers intercept sigaction(), and TSan would
//     defer the handler to a later safe point.
//   - Every handler runs on its vCPU's sigaltstack (SA_ONSTACK, vcpu.cc)
//     with every platform signal blocked (the timer and the trap signals,
//     which join this entry with user mode), and without SA_RESTART: a
//     vCPU sleeping in a futex must come back with EINTR when its timer
//     fires. Host calls on a vCPU thread must therefore retry on EINTR.
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cpu.h"
#include "platform/hosted/internal.h"
#include "platform/hosted/user/user_internal.h"

// The restorer the kernel returns to when a handler returns. The bytes of
// `mov $15, %rax; syscall` (rt_sigreturn) are what gdb and libgcc's unwinder
// recognise as a signal frame, so backtraces cross the handler. The nop in
// front keeps `pc - 1` (where unwinders look up a caller) off the symbol.
extern "C" void umach_hosted_sigreturn();
__asm__(
    ".pushsection .text\n"
    "  nop\n"
    ".globl umach_hosted_sigreturn\n"
    ".hidden umach_hosted_sigreturn\n"
    ".type umach_hosted_sigreturn, @function\n"
    "umach_hosted_sigreturn:\n"
    "  movq $15, %rax\n"
    "  syscall\n"
    "  ud2\n"
    ".size umach_hosted_sigreturn, . - umach_hosted_sigreturn\n"
    ".popsection\n");

namespace umach::platform::hosted {
namespace {

// The kernel's struct sigaction on x86-64, not glibc's: the mask is the
// kernel's 64 bits, and the restorer must be given explicitly.
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};
constexpr unsigned long kSaRestorer = 0x04000000;  // <asm/signal.h>; glibc's headers do not export it

int g_timer_signal = 0;  // written once at boot, before any vCPU binds

uint64_t signal_bit(int sig) { return uint64_t{1} << (sig - 1); }

// Every signal the platform will handle; each handler blocks them all.
uint64_t platform_signal_mask() {
  return signal_bit(g_timer_signal) | signal_bit(SIGSEGV) | signal_bit(SIGBUS) | signal_bit(SIGILL) |
         signal_bit(SIGFPE) | signal_bit(SIGTRAP);
}

void install(int sig) {
  auto* handler = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(&umach_hosted_signal_entry);
  KernelSigaction act{handler, SA_SIGINFO | SA_ONSTACK | kSaRestorer, umach_hosted_sigreturn,
                      platform_signal_mask()};
  if (syscall(SYS_rt_sigaction, sig, &act, nullptr, sizeof act.mask) != 0) host_failure("rt_sigaction");
}

}  // namespace

int timer_signal() { return g_timer_signal; }

void install_signal_entry() {
  if (g_timer_signal != 0) return;
  // A real-time signal: nothing in the host runtime sends it, and a timer's
  // ticks coalesce in the kernel (one pending signal per timer, the rest
  // counted as overruns) instead of piling up.
  g_timer_signal = SIGRTMIN;
  user_mode_init();
  // One handler for all: what a signal means depends on where it landed
  // (user_signals.cc), not on which it is.
  const int signals[] = {g_timer_signal, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
  for (int sig : signals) install(sig);
}

void non_vcpu_signal_set(sigset_t* set) {
  sigemptyset(set);
  sigaddset(set, g_timer_signal);
}

}  // namespace umach::platform::hosted
