// platform/baremetal/amd64/clock.cc: monotonic nanoseconds from the TSC.
//
// The TSC counts at a rate the kernel must measure: at boot we time a PIT
// channel 2 one-shot of known length (kCalibrationTicks at 1.193182 MHz,
// about 10 ms: QEMU runs TCG here, so calibration must stay short) and count
// TSC cycles across it. clock_ns() then scales TSC deltas with a 32.32
// fixed-point multiplier, so no 128-bit division is needed at run time.
// One CPU today: with SMP, the TSCs must be invariant and synchronised
// (or each CPU gets its own offset).
//
// The time of day comes from the CMOS real-time clock (MC146818: seconds,
// minutes, hours, day, month, year registers, BCD or binary and 12- or
// 24-hour as status register B says), read as UTC, which is what QEMU's
// -rtc base=utc, its default, keeps there.
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

constexpr uint16_t kCmosIndex = 0x70, kCmosData = 0x71;
constexpr uint8_t kRtcSeconds = 0x00, kRtcMinutes = 0x02, kRtcHours = 0x04, kRtcDay = 0x07, kRtcMonth = 0x08,
                  kRtcYear = 0x09, kRtcStatusA = 0x0A, kRtcStatusB = 0x0B;
constexpr uint8_t kStatusAUpdating = 0x80, kStatusBBinary = 0x04, kStatusB24Hour = 0x02, kHourPm = 0x80;

uint8_t cmos(uint8_t reg) {
  outb(kCmosIndex, reg);
  return inb(kCmosData);
}

struct RtcTime {
  uint8_t second, minute, hour, day, month, year;
  bool operator==(const RtcTime&) const = default;
};

RtcTime read_rtc_once() {
  for (uint64_t polls = 0; (cmos(kRtcStatusA) & kStatusAUpdating) && polls < kMaxPolls; ++polls) {
  }
  return RtcTime{cmos(kRtcSeconds), cmos(kRtcMinutes), cmos(kRtcHours), cmos(kRtcDay), cmos(kRtcMonth), cmos(kRtcYear)};
}

uint8_t from_bcd(uint8_t v) { return static_cast<uint8_t>((v >> 4) * 10 + (v & 0x0F)); }

// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
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

uint64_t Backend::wall_clock_ns() {
  using namespace amd64;
  // Read until two reads agree: an update may land between registers.
  RtcTime t = read_rtc_once();
  for (RtcTime again = read_rtc_once(); !(again == t); again = read_rtc_once()) t = again;
  const uint8_t b = cmos(kRtcStatusB);
  const bool pm = !(b & kStatusB24Hour) && (t.hour & kHourPm);
  t.hour = static_cast<uint8_t>(t.hour & ~kHourPm);
  if (!(b & kStatusBBinary)) {
    t.second = from_bcd(t.second), t.minute = from_bcd(t.minute), t.hour = from_bcd(t.hour);
    t.day = from_bcd(t.day), t.month = from_bcd(t.month), t.year = from_bcd(t.year);
  }
  if (!(b & kStatusB24Hour)) t.hour = static_cast<uint8_t>(t.hour % 12 + (pm ? 12 : 0));
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 59)
    return 0;  // no sensible clock
  const int64_t days = days_from_civil(2000 + t.year, t.month, t.day);
  return static_cast<uint64_t>(((days * 24 + t.hour) * 60 + t.minute) * 60 + t.second) * 1'000'000'000u;
}

}  // namespace umach::platform
