// platform/baremetal/amd64/clock.cc: monotonic nanoseconds from the TSC.
//
// The TSC counts at a rate the kernel must measure: at boot we time a PIT
// channel 2 one-shot of known length (kCalibrationTicks at 1.193182 MHz,
// about 10 ms: QEMU runs TCG here, so calibration must stay short) and count
// TSC cycles across it. clock_ns() then scales TSC deltas with a 32.32
// fixed-point multiplier, so no 128-bit division is needed at run time.
// One CPU today: with SMP, the TSCs must be invariant and synchronised
// (or each CPU gets its own offset).
#include "platform/baremetal/amd64/clock.h"

#include "core/kassert.h"
#include "core/platform/platform.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

constexpr uint64_t kPitHz = 1193182;
constexpr uint16_t kCalibrationTicks = 11932;  // ~10 ms
constexpr uint16_t kPitChannel2 = 0x42;
constexpr uint16_t kPitCommand = 0x43;
constexpr uint8_t kPitChannel2OneShot = 0xB0;  // channel 2, lobyte/hibyte, mode 0, binary
constexpr uint16_t kPortB = 0x61;              // NMI status and control: channel 2's gate and output
constexpr uint8_t kPortBGate2 = 0x01;
constexpr uint8_t kPortBSpeaker = 0x02;
constexpr uint8_t kPortBOut2 = 0x20;
constexpr uint64_t kMaxPolls = uint64_t{1} << 28;  // a broken PIT must not hang the boot

constinit uint64_t g_tsc_at_boot = 0;
constinit uint64_t g_tsc_hz = 0;
constinit uint64_t g_ns_per_cycle_32 = 0;  // nanoseconds per TSC cycle, 32.32 fixed point

// Returns the TSC cycles spanned by kCalibrationTicks of the PIT.
uint64_t measure_tsc_cycles() {
  // Gate channel 2 on, keep the speaker off; then arm the one-shot: OUT2
  // drops when the mode is set and rises when the count reaches zero.
  outb(kPortB, static_cast<uint8_t>((inb(kPortB) & ~kPortBSpeaker) | kPortBGate2));
  outb(kPitCommand, kPitChannel2OneShot);
  outb(kPitChannel2, static_cast<uint8_t>(kCalibrationTicks & 0xFF));
  outb(kPitChannel2, static_cast<uint8_t>(kCalibrationTicks >> 8));
  uint64_t start = rdtsc();
  for (uint64_t polls = 0; (inb(kPortB) & kPortBOut2) == 0; ++polls)
    if (polls == kMaxPolls) panic("amd64: the PIT never counted down (TSC calibration)");
  return rdtsc() - start;
}

}  // namespace

void clock_init() {
  uint64_t cycles = measure_tsc_cycles();
  kassert(cycles > 0);
  g_tsc_hz = cycles * kPitHz / kCalibrationTicks;
  g_ns_per_cycle_32 = (uint64_t{1000000000} << 32) / g_tsc_hz;
  g_tsc_at_boot = rdtsc();
}

uint64_t tsc_hz() { return g_tsc_hz; }

}  // namespace umach::amd64

namespace umach::platform {

uint64_t Backend::clock_ns() {
  uint64_t cycles = amd64::rdtsc() - amd64::g_tsc_at_boot;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(cycles) * amd64::g_ns_per_cycle_32) >> 32);
}

}  // namespace umach::platform
