// platform/hosted/timer.cc: the per-CPU one-shot timer (Backend::timer_*).
//
// Each vCPU owns a POSIX timer on CLOCK_MONOTONIC whose expiry raises the
// platform's timer signal on that vCPU's host thread only (SIGEV_THREAD_ID),
// carrying &cpu as its value (signal_entry.cc). It is armed one-shot at an
// absolute time, so a deadline already past fires at once and a late arm
// never drifts. clock_ns() counts from boot_time(), so a deadline converts
// by adding that epoch. Only the owning vCPU arms, disarms, creates or
// deletes its timer.
#include <signal.h>
#include <time.h>

#include "core/cpu.h"
#include "core/platform/platform.h"
#include "platform/hosted/internal.h"

namespace umach::platform {
namespace {

static_assert(sizeof(timer_t) == sizeof(void*), "CpuMachine keeps glibc's timer_t in a void*");

constexpr uint64_t kNsPerSec = 1000000000;

timer_t this_cpu_timer() {
  Backend::CpuMachine& m = Backend::current_cpu()->machine;
  if (!m.timer_live) hosted::host_failure("timer used on a CPU with no timer (bound?)");
  return static_cast<timer_t>(m.timer);
}

void set_timer(const itimerspec& when, int flags) {
  if (timer_settime(this_cpu_timer(), flags, &when, nullptr) != 0) hosted::host_failure("timer_settime");
}

}  // namespace

void Backend::timer_arm(uint64_t deadline_ns) {
  const timespec& epoch = hosted::boot_time();
  uint64_t nsec = static_cast<uint64_t>(epoch.tv_nsec) + deadline_ns % kNsPerSec;
  itimerspec when{};
  when.it_value.tv_sec = epoch.tv_sec + static_cast<time_t>(deadline_ns / kNsPerSec + nsec / kNsPerSec);
  when.it_value.tv_nsec = static_cast<long>(nsec % kNsPerSec);
  set_timer(when, TIMER_ABSTIME);  // never all zero (that would disarm): epoch > 0
}

void Backend::timer_disarm() { set_timer(itimerspec{}, 0); }

namespace hosted {

void timer_create_for(Cpu& cpu, int host_tid) {
  sigevent ev{};
  ev.sigev_notify = SIGEV_THREAD_ID;
  ev.sigev_signo = timer_signal();
  ev.sigev_value.sival_ptr = &cpu;
  ev._sigev_un._tid = host_tid;  // glibc 2.36 spells sigev_notify_thread_id only in <asm-generic/siginfo.h>
  timer_t id;
  if (timer_create(CLOCK_MONOTONIC, &ev, &id) != 0) host_failure("timer_create");
  cpu.machine.timer = id;
  cpu.machine.timer_live = true;
}

void timer_delete_for(Cpu& cpu) {
  if (!cpu.machine.timer_live) return;
  if (timer_delete(static_cast<timer_t>(cpu.machine.timer)) != 0) host_failure("timer_delete");
  cpu.machine.timer_live = false;
  cpu.machine.timer = nullptr;
}

}  // namespace hosted
}  // namespace umach::platform
