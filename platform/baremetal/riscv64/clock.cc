// platform/baremetal/riscv64/clock.cc: monotonic nanoseconds since boot.
//
// `time` (rdtime) counts at the timebase frequency, the same on every hart,
// and never goes back. Scaling splits whole seconds from the remainder so
// nothing overflows 64 bits: remainder * 1e9 < frequency * 1e9, which fits
// for any frequency below 18 GHz, and no 128-bit division (a compiler-rt
// call this kernel does not link) is needed.
#include "platform/baremetal/riscv64/clock.h"

#include "core/platform/platform.h"

namespace umach::riscv64 {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// Written once at boot, before any other hart or thread could read them.
uint64_t g_timebase_hz = 0;
uint64_t g_boot_ticks = 0;

uint64_t read_time() {
  uint64_t ticks;
  __asm__ __volatile__("rdtime %0" : "=r"(ticks));
  return ticks;
}

}  // namespace

void clock_init(uint64_t timebase_hz) {
  g_timebase_hz = timebase_hz;
  g_boot_ticks = read_time();
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
