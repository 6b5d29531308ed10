// platform/hosted/internal.h: what the hosted backend's files share with
// each other (never included by the core or by tests).
//
//   machine.cc       boot, console, memory, clock, host_failure
//   vcpu.cc          binding host threads to CPUs, start_vcpus
//   timer.cc         the per-vCPU POSIX timer
//   idle.cc          cpu_idle_wait / cpu_kick (futex)
//   signal_entry.cc  the signal handlers and restorer   (no sanitizers)
//   context.cc       kernel-thread contexts              (no sanitizers)
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

// signal_entry.cc: installs the handlers (once, at boot, before any vCPU
// binds) and names the timer's signal. Until installed, timer_signal() is 0.
void install_signal_entry();
int timer_signal();

// The platform signals a host thread that is not a vCPU keeps blocked.
// Today only the timer signal: the trap signals (SIGSEGV...) stay unblocked
// everywhere until the platform handles them, because a blocked synchronous
// fault kills the process without the sanitizer's report.
void non_vcpu_signal_set(sigset_t* set);

// vcpu.cc: makes the calling host thread the simulator of `cpu` (signal
// stack, timer, signal mask); called by Backend::set_current_cpu after the
// GS base is set. Idempotent on the same thread.
void vcpu_bind(Cpu& cpu);

// timer.cc: the calling vCPU's timer, created when it binds, deleted when
// it leaves. Its signal carries &cpu as its value.
void timer_create_for(Cpu& cpu, int host_tid);
void timer_delete_for(Cpu& cpu);

}  // namespace umach::platform::hosted
