// platform/baremetal/amd64/thread_state.cc: the amd64 backend's thread
// state flavors (the contract's frame_get_state / frame_set_state, ABI.md):
// the general registers (i386_THREAD_STATE, i386_REGS_SEGS_STATE, as
// hosted: platform/x86/thread_state.h),
// i386_FLOAT_STATE (the x87 FSAVE image, converted from and to the legacy
// region of the frame's XSAVE image by platform/x86/fsave.h, as hosted
// does), i386_XFLOAT_STATE (that XSAVE image: x87 and SSE, 576 bytes, the
// size i386_get_xstate_size gives), i386_FSGS_BASE_STATE and
// THREAD_STATE_FLAVOR_LIST.
//
// What a thread may be given is checked before anything is installed:
// a pc and a stack inside the task's range, user flag bits only, the user
// selectors or zero, canonical user FS/GS bases, an XSAVE image XRSTOR
// would take (standard format, only x87 and SSE, reserved header bytes 0,
// MXCSR within the CPU's mask). run_user would refuse the rest anyway, but
// a thread_set_state answers KERN_INVALID_ARGUMENT.
#include <mach/kern_return.h>
#include <mach/thread_status.h>
#include "core/kstd/cstring.h"

#include <umach/backend.h>

#include "core/task/host.h"
#include "ipc/kserver.h"
#include "mach_i386_kserver.h"
#include "platform/baremetal/amd64/gdt.h"
#include "platform/baremetal/amd64/user_layout.h"
#include "platform/x86/fsave.h"
#include "platform/x86/thread_state.h"

namespace umach::platform {
namespace {

using Frame = Backend::UserFrame;

constexpr x86::UserSelectors kSelectors{AMD64_USER_CS, AMD64_USER_DS};
constexpr unsigned kXfloatCount = i386_XFLOAT_STATE_HEAD_COUNT + amd64::kXsaveBytes / sizeof(unsigned);

// An XSAVE image XRSTOR takes with XCR0 = x87 | SSE: standard format, no
// other component, a zero header past XSTATE_BV, MXCSR within the mask.
bool xsave_image_valid(const uint8_t* image) {
  uint64_t header[8];
  kstd::memcpy(header, image + amd64::kXsaveHeader, sizeof header);
  if (header[0] & ~uint64_t{3}) return false;
  for (int i = 1; i < 8; ++i)
    if (header[i] != 0) return false;
  uint32_t mxcsr;
  kstd::memcpy(&mxcsr, image + x86::kFxMxcsr, sizeof mxcsr);
  return (mxcsr & ~amd64::mxcsr_mask()) == 0;
}
constexpr uint32_t kInitMxcsr = 0x1f80;

bool user_canonical(uint64_t a) { return a < (uint64_t{1} << 47); }

}  // namespace

static_assert(Backend::kGeneralStateCount == i386_THREAD_STATE_COUNT);

int Backend::frame_get_state(const Frame& f, int flavor, unsigned* state, unsigned* count) {
  switch (flavor) {
    case i386_THREAD_STATE:
    case i386_REGS_SEGS_STATE:
      return x86::get_general_state(f, kSelectors, state, count);
    case i386_FSGS_BASE_STATE: {
      if (*count < i386_FSGS_BASE_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_fsgs_base_state s{f.fs_base, f.gs_base};
      kstd::memcpy(state, &s, sizeof s);
      *count = i386_FSGS_BASE_STATE_COUNT;
      return KERN_SUCCESS;
    }
    case i386_FLOAT_STATE: {
      if (*count < i386_FLOAT_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_float_state s{};
      s.fpkind = FP_387FX;
      s.initialized = 1;
      x86::to_fsave(f.xsave, true, s.hw_state);
      kstd::memcpy(state, &s, sizeof s);
      *count = i386_FLOAT_STATE_COUNT;
      return KERN_SUCCESS;
    }
    case i386_XFLOAT_STATE: {
      if (*count < kXfloatCount) return KERN_INVALID_ARGUMENT;
      const i386_xfloat_state head{FP_387X, 1, 0, FP_387X};
      kstd::memcpy(state, &head, sizeof head);
      kstd::memcpy(reinterpret_cast<uint8_t*>(state) + sizeof head, f.xsave, sizeof f.xsave);
      *count = kXfloatCount;
      return KERN_SUCCESS;
    }
    case THREAD_STATE_FLAVOR_LIST:
      return x86::get_flavor_list(state, count);
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

int Backend::frame_set_state(Frame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max) {
  switch (flavor) {
    case i386_THREAD_STATE:
    case i386_REGS_SEGS_STATE:
      return x86::set_general_state(f, kSelectors, state, count, min, max);
    case i386_FSGS_BASE_STATE: {
      if (count < i386_FSGS_BASE_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_fsgs_base_state s;
      kstd::memcpy(&s, state, sizeof s);
      if (!user_canonical(s.fs_base) || !user_canonical(s.gs_base)) return KERN_INVALID_ARGUMENT;
      f.fs_base = s.fs_base, f.gs_base = s.gs_base;
      return KERN_SUCCESS;
    }
    case i386_FLOAT_STATE: {
      if (count < i386_FLOAT_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_float_state s;
      kstd::memcpy(&s, state, sizeof s);
      if (!s.initialized) {
        // As GNU Mach: an uninitialised state resets the FPU (MXCSR too).
        kstd::memset(f.xsave, 0, sizeof f.xsave);
        f.xsave[x86::kFxFcw] = x86::kInitFcw & 0xff;
        f.xsave[x86::kFxFcw + 1] = x86::kInitFcw >> 8;
        kstd::memcpy(f.xsave + x86::kFxMxcsr, &kInitMxcsr, sizeof kInitMxcsr);
      } else {
        // The x87 part only: nothing in it can make XRSTOR fault.
        x86::from_fsave(s.hw_state, f.xsave);
      }
      return KERN_SUCCESS;
    }
    case i386_XFLOAT_STATE: {
      if (count < kXfloatCount) return KERN_INVALID_ARGUMENT;
      i386_xfloat_state head;
      kstd::memcpy(&head, state, sizeof head);
      alignas(64) uint8_t image[amd64::kXsaveBytes];
      if (!head.initialized) {
        // As GNU Mach: an uninitialised state resets the FPU.
        kstd::memset(image, 0, sizeof image);
        kstd::memcpy(image + x86::kFxMxcsr, &kInitMxcsr, sizeof kInitMxcsr);
      } else {
        kstd::memcpy(image, reinterpret_cast<const uint8_t*>(state) + sizeof head, sizeof image);
        if (!xsave_image_valid(image)) return KERN_INVALID_ARGUMENT;
      }
      amd64::xsave_normalise(image);  // a component marked initial gets its initial values
      kstd::memcpy(f.xsave, image, sizeof image);
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

}  // namespace umach::platform

namespace umach::kserver {

// The size of an i386_XFLOAT_STATE record here: its head and the XSAVE
// image of x87 and SSE (mach_i386.defs; upstream's form, taking the host
// port).
kern_return_t i386_get_xstate_size(ipc_port_t host, vm_size_t* size) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  *size = sizeof(i386_xfloat_state) + amd64::kXsaveBytes;
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
