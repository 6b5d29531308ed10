// platform/baremetal/riscv64/thread_state_selftests.cc: the thread-state
// flavors of thread_state.cc on a frame: what get gives, what set installs,
// and garbage refused with the frame left as it was. (The examples' self-
// tests run thread_set_state on real threads: example_selftests.cc.)
#include <mach/kern_return.h>
#include <mach/thread_status.h>

#include <umach/backend.h>

#include "core/kstd/cstring.h"
#include "core/selftest.h"

namespace umach::riscv64 {
namespace {

using platform::Backend;
constexpr uint64_t kMin = 0x10000, kMax = 0x3f'0000'0000;

bool same(const UserFrame& a, const UserFrame& b) { return kstd::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

UMACH_SELFTEST(riscv64_thread_state_flavors_round_trip_and_refuse_garbage) {
  UserFrame f;
  Backend::frame_init(f, 0x401000, 0x7000'0000, 1, 2, 3);
  riscv64_thread_state s{};
  unsigned count = riscv64_THREAD_STATE_COUNT;
  ST_CHECK_EQ(Backend::frame_get_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&s), &count),
              KERN_SUCCESS);
  ST_CHECK_EQ(count, unsigned{riscv64_THREAD_STATE_COUNT});
  ST_CHECK(s.pc == 0x401000 && s.x2 == 0x7000'0000 && s.x10 == 1 && s.x11 == 2 && s.x12 == 3);
  s.x10 = 77, s.pc = 0x402000, s.x2 = 0x6000'0000;
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&s), count, kMin, kMax),
              KERN_SUCCESS);
  ST_CHECK(f.x[10] == 77 && f.pc == 0x402000 && f.x[2] == 0x6000'0000 && f.x[0] == 0);
  const UserFrame before = f;
  riscv64_thread_state bad = s;
  bad.pc = kMax;  // outside the task
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  bad = s, bad.pc |= 1;  // not an instruction boundary
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  bad = s, bad.x2 = kMax + 16;  // a stack past the top
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&bad), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_THREAD_STATE, reinterpret_cast<unsigned*>(&s), count - 1, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK(same(f, before));

  riscv64_float_state fs{};
  count = riscv64_FLOAT_STATE_COUNT;
  fs.f[3] = 0x4000'0000'0000'0000;  // 2.0
  fs.fcsr = 0x20;                   // round toward zero... (frm 1), no flags
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_FLOAT_STATE, reinterpret_cast<unsigned*>(&fs), count, kMin, kMax),
              KERN_SUCCESS);
  riscv64_float_state back{};
  ST_CHECK_EQ(Backend::frame_get_state(f, riscv64_FLOAT_STATE, reinterpret_cast<unsigned*>(&back), &count),
              KERN_SUCCESS);
  ST_CHECK(back.f[3] == fs.f[3] && back.fcsr == 0x20);
  fs.fcsr = 0x100;  // past the 8 bits fcsr has
  ST_CHECK_EQ(Backend::frame_set_state(f, riscv64_FLOAT_STATE, reinterpret_cast<unsigned*>(&fs), count, kMin, kMax),
              KERN_INVALID_ARGUMENT);
  ST_CHECK(f.fcsr == 0x20);
  unsigned list[8];
  count = 8;
  ST_CHECK_EQ(Backend::frame_get_state(f, THREAD_STATE_FLAVOR_LIST, list, &count), KERN_SUCCESS);
  ST_CHECK(count == 2 && list[0] == riscv64_THREAD_STATE && list[1] == riscv64_FLOAT_STATE);
  count = 8;
  ST_CHECK_EQ(Backend::frame_get_state(f, 42, list, &count), KERN_INVALID_ARGUMENT);
}

}  // namespace umach::riscv64
