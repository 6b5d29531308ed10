// platform/hosted/internal.h: what the hosted backend's files share with
// each other (never included by the core or by tests).
//
//   machine.cc       boot, console, memory, clock, host_failure
//   vcpu.cc          binding host threads to CPUs, start_vcpus
//   timer.cc         the per-vCPU POSIX timer
//   idle.cc          cpu_idle_wait / cpu_kick (futex)
//   signal_entry.cc  installs the signal handler, restorer (no sanitizers)
//   context.cc       kernel-thread contexts              (no sanitizers)
//   user/            user mode: entry glue, the signal handler, copyin/out
//                    (user/user_internal.h)
#pragma once

#include <signal.h>
#include <stdint.h>
#include <time.h>

namespace umach {
struct Cpu;
}

namespace umach::platform::hosted {

// Reports a failed host call (with errno) and exits; for what the kernel
// cannot run without. Not for signal context.
[[noreturn]] void host_failure(const char* what);

// CLOCK_MONOTONIC at boot: clock_ns() counts from it.
const timespec& boot_time();

// signal_entry.cc: installs the handler for the timer and the trap signals
// (once, at boot, before any vCPU binds; it also probes the FP geometry,
// user/fp_state.cc) and names the timer's signal. Until installed,
// timer_signal() is 0.
void install_signal_entry();
int timer_signal();

// The platform signals a host thread that is not a vCPU keeps blocked.
// Only the timer signal: the trap signals (SIGSEGV...) stay unblocked
// everywhere, because a blocked synchronous fault kills the process without
// a report; on a host thread that is no vCPU the handler treats them as
// kernel faults (user/user_signals.cc).
void non_vcpu_signal_set(sigset_t* set);

// vcpu.cc: every vCPU's signal stack lies in [g_signal_stacks_begin,
// g_signal_stacks_end), reserved at the first bind and never moved: a
// handler running there is on a vCPU, so its GS base is a Cpu (a host thread
// that never bound has GS base 0). Zero until then.
extern uintptr_t g_signal_stacks_begin;
extern uintptr_t g_signal_stacks_end;

// vcpu.cc: makes the calling host thread the simulator of `cpu` (signal
// stack, timer, signal mask); called by Backend::set_current_cpu after the
// GS base is set. Idempotent on the same thread.
void vcpu_bind(Cpu& cpu);

// timer.cc: the calling vCPU's timer, created when it binds, deleted when
// it leaves. Its signal carries &cpu as its value.
void timer_create_for(Cpu& cpu, int host_tid);
void timer_delete_for(Cpu& cpu);

}  // namespace umach::platform::hosted
