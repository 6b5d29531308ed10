// platform/hosted/idle.cc: an idle vCPU sleeps (Backend::cpu_idle_wait,
// cpu_kick).
//
// The sleep is a futex wait on the 32-bit word of cpu.wake_seq while it
// still holds `seen`. It returns when another CPU bumps wake_seq and kicks
// (FUTEX_WAKE), when the timer signal interrupts it (EINTR: the handler is
// installed without SA_RESTART), or at once when the word already moved
// (EAGAIN), which the timer handler also causes by bumping wake_seq, so a
// tick landing between the scheduler's last check and the sleep is not
// lost. The caller re-checks its conditions after every return. A kick is
// always a system call (~1 µs); the scheduler only kicks CPUs it gave work.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/cpu.h"
#include "core/platform/platform.h"

namespace umach::platform {
namespace {

static_assert(sizeof(Cpu::wake_seq) == sizeof(uint32_t), "the futex word is wake_seq itself");

uint32_t* futex_word(Cpu& cpu) { return reinterpret_cast<uint32_t*>(&cpu.wake_seq); }

}  // namespace

void Backend::cpu_idle_wait(Cpu& cpu, uint32_t seen) {
  // EINTR, EAGAIN and a wake all mean "look again"; nothing else can fail.
  syscall(SYS_futex, futex_word(cpu), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
}

void Backend::cpu_kick(Cpu& cpu) { syscall(SYS_futex, futex_word(cpu), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0); }

}  // namespace umach::platform
