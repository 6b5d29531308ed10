// platform/baremetal/riscv64/clock.cc: monotonic nanoseconds since boot.
//
// `time` (rdtime) counts at the timebase frequency, the same on every hart,
// and never goes back. Scaling splits whole seconds from the remainder so
// nothing overflows 64 bits: remainder * 1e9 < frequency * 1e9, which fits
// for any frequency below 18 GHz, and no 128-bit division (a compiler-rt
// call this kernel does not link) is needed. The deadline conversion for the
// timer is the exact inverse, rounded up, with the same split.
//
// The time of day is QEMU virt's goldfish RTC: nanoseconds since the epoch
// in two 32-bit registers; reading TIME_LOW latches TIME_HIGH.
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
uint64_t g_rtc_base = 0;
constexpr uint64_t kRtcTimeLow = 0x00, kRtcTimeHigh = 0x04;

constexpr uint64_t kNever = ~uint64_t{0};

}  // namespace

void clock_set_rtc(uint64_t base) { g_rtc_base = base; }

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

uint64_t Backend::wall_clock_ns() {
  using namespace riscv64;
  if (g_rtc_base == 0) return 0;
  const auto* regs = reinterpret_cast<volatile const uint32_t*>(static_cast<uintptr_t>(g_rtc_base));
  const uint64_t low = regs[kRtcTimeLow / 4];  // first: it latches the high half
  const uint64_t high = regs[kRtcTimeHigh / 4];
  return high << 32 | low;
}

}  // namespace umach::platform
