// platform/baremetal/riscv64/clock.cc: monotonic nanoseconds since boot.
//
// `time` (rdtime) counts at the timebase frequency, the same on every hart,
// and never goes back. Scaling splits whole seconds from the remainder so
// nothing overflows 64 bits: remainder * 1e9 < frequency * 1e9, which fits
// for any frequency below 18 GHz, and no 128-bit division (a compiler-rt
// call this kernel does not link) is needed. The deadline conversion for the
// timer is the exact inverse, rounded up, with the same split.
#include "platform/baremetal/riscv64/clock.h"

#include "core/kassert.h"
#include "core/platform/platform.h"
#include "platform/baremetal/riscv64/csr.h"

namespace umach::riscv64 {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// Written once at boot, before any other hart or thread could read them.
uint64_t g_timebase_hz = 0;
uint64_t g_boot_ticks = 0;

constexpr uint64_t kNever = ~uint64_t{0};

}  // namespace

void clock_init(uint64_t timebase_hz) {
  g_timebase_hz = timebase_hz;
  g_boot_ticks = read_time();
}

// clock_ns() is floor(ticks * 1e9 / hz); its smallest `ticks` reaching
// deadline_ns is ceil(deadline_ns * hz / 1e9), computed per whole second
// and remainder (remainder * hz < 1e9 * hz fits, as above).
uint64_t clock_deadline_ticks(uint64_t deadline_ns) {
  kassert(g_timebase_hz != 0);
  uint64_t seconds = deadline_ns / kNsPerSecond;
  uint64_t rest = deadline_ns % kNsPerSecond;
  uint64_t ticks;
  if (__builtin_mul_overflow(seconds, g_timebase_hz, &ticks)) return kNever;
  if (__builtin_add_overflow(ticks, (rest * g_timebase_hz + kNsPerSecond - 1) / kNsPerSecond, &ticks)) return kNever;
  if (__builtin_add_overflow(ticks, g_boot_ticks, &ticks)) return kNever;
  return ticks;
}

}  // namespace umach::riscv64

namespace umach::platform {

uint64_t Backend::clock_ns() {
  using namespace riscv64;
  if (g_timebase_hz == 0) return 0;
  uint64_t ticks = read_time() - g_boot_ticks;
  uint64_t seconds = ticks / g_timebase_hz;
  uint64_t rest = ticks % g_timebase_hz;
  return seconds * kNsPerSecond + rest * kNsPerSecond / g_timebase_hz;
}

}  // namespace umach::platform
