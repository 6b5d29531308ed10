// platform/baremetal/riscv64/thread_state.cc: the riscv64 backend's thread
// state flavors (the contract's frame_get_state / frame_set_state). GNU
// Mach has no RISC-V port; ABI.md defines them (<mach/thread_status.h>):
// riscv64_THREAD_STATE (x1..x31 and the pc) and riscv64_FLOAT_STATE
// (f0..f31 and fcsr), plus THREAD_STATE_FLAVOR_LIST.
//
// What a thread may be given is checked before anything is installed: a
// pc inside the task's range and 2-byte aligned (the C extension), a stack
// pointer inside it or at its top, fcsr bits 0-7 only (rounding mode and
// flags; a reserved rounding mode only traps the thread's own FP
// instructions, as it could set itself).
#include <mach/kern_return.h>
#include <mach/thread_status.h>
#include "core/kstd/cstring.h"

#include <umach/backend.h>

namespace umach::platform {
namespace {

using Frame = Backend::UserFrame;

constexpr int kFlavors[] = {riscv64_THREAD_STATE, riscv64_FLOAT_STATE};
constexpr uint64_t kFcsrBits = 0xff;

}  // namespace

static_assert(Backend::kGeneralStateCount == riscv64_THREAD_STATE_COUNT);
static_assert(riscv64_THREAD_STATE == 1);

int Backend::frame_get_state(const Frame& f, int flavor, unsigned* state, unsigned* count) {
  switch (flavor) {
    case riscv64_THREAD_STATE: {
      if (*count < riscv64_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      uint64_t s[32];
      kstd::memcpy(s, &f.x[1], 31 * sizeof(uint64_t));
      s[31] = f.pc;
      kstd::memcpy(state, s, sizeof s);
      *count = riscv64_THREAD_STATE_COUNT;
      return KERN_SUCCESS;
    }
    case riscv64_FLOAT_STATE: {
      if (*count < riscv64_FLOAT_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      riscv64_float_state s;
      kstd::memcpy(s.f, f.f, sizeof s.f);
      s.fcsr = f.fcsr & kFcsrBits;
      kstd::memcpy(state, &s, sizeof s);
      *count = riscv64_FLOAT_STATE_COUNT;
      return KERN_SUCCESS;
    }
    case THREAD_STATE_FLAVOR_LIST: {
      constexpr auto n = static_cast<unsigned>(sizeof kFlavors / sizeof kFlavors[0]);
      if (*count < n) return KERN_INVALID_ARGUMENT;
      for (unsigned i = 0; i < n; ++i) state[i] = static_cast<unsigned>(kFlavors[i]);
      *count = n;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

int Backend::frame_set_state(Frame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max) {
  switch (flavor) {
    case riscv64_THREAD_STATE: {
      if (count < riscv64_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      riscv64_thread_state s;
      kstd::memcpy(&s, state, sizeof s);
      if (s.pc < min || s.pc >= max || (s.pc & 1)) return KERN_INVALID_ARGUMENT;
      if (s.x2 <= min || s.x2 > max) return KERN_INVALID_ARGUMENT;
      kstd::memcpy(&f.x[1], &s, 31 * sizeof(uint64_t));
      f.x[0] = 0;
      f.pc = s.pc;
      return KERN_SUCCESS;
    }
    case riscv64_FLOAT_STATE: {
      if (count < riscv64_FLOAT_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      riscv64_float_state s;
      kstd::memcpy(&s, state, sizeof s);
      if (s.fcsr & ~kFcsrBits) return KERN_INVALID_ARGUMENT;
      kstd::memcpy(f.f, s.f, sizeof s.f);
      f.fcsr = s.fcsr;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

}  // namespace umach::platform
