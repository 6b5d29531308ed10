// platform/hosted/task/thread_flavors.cc: the hosted backend's thread
// state flavors (the contract's frame_get_state / frame_set_state): the
// general registers (i386_THREAD_STATE, i386_REGS_SEGS_STATE, as amd64's:
// platform/x86/thread_state.h), and
// i386_FLOAT_STATE (the x87 FSAVE image), i386_XFLOAT_STATE (the XSAVE
// image, sized by i386_get_xstate_size), i386_FSGS_BASE_STATE, and
// THREAD_STATE_FLAVOR_LIST; and the routine i386_get_xstate_size.
//
// The frame keeps FP state in one of two forms (user/user_frame.h). A thread
// stopped in a trap call without --precise-fp kept only MXCSR and the x87
// control word (the SysV contract says the rest is dead across a call): it
// reads as an XSAVE image with just those, every other component in its
// initial state. Setting any FP flavor makes the frame's image complete.
//
// What a thread may be given is checked before anything is installed, as
// XRSTOR would check it (fp_state.cc's xsave_image_valid: MXCSR within the
// CPU's mask, known features, standard format, a clean header), so garbage
// gets KERN_INVALID_ARGUMENT and never a fault in the kernel. FS base must
// be a canonical user address; GS is the vCPU's own on hosted (the per-CPU
// pointer), so a thread may have none of its own: a nonzero gs_base is
// refused. exc_status and fpkind are read-only.
#include <string.h>

#include <mach/thread_status.h>

#include "core/kalloc.h"
#include "core/task/host.h"
#include "ipc/kserver.h"
#include "mach_i386_kserver.h"
#include "platform/hosted/user/user_internal.h"
#include "platform/x86/fsave.h"
#include "platform/x86/thread_state.h"

namespace umach::hosted {
namespace {

using Frame = platform::Backend::UserFrame;

using x86::kFxFcw;
using x86::kFxMxcsr;
using x86::kFxMxcsrMask;
using x86::kInitFcw;
constexpr size_t kHeader = 512;  // XSTATE_BV first
constexpr uint64_t kX87 = 1;     // XSTATE_BV's x87 bit
constexpr uint64_t kUserLimit = uint64_t{1} << 47;

size_t image_size() { return umach_hosted_xsave_size; }
mach_msg_type_number_t xfloat_count() {
  return static_cast<mach_msg_type_number_t>(i386_XFLOAT_STATE_HEAD_COUNT + image_size() / sizeof(natural_t));
}

template <class T>
T load(const uint8_t* p) {
  T v;
  memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
void store(uint8_t* p, T v) {
  memcpy(p, &v, sizeof v);
}

// The frame's FP state as a complete standard-format image.
void full_image(const Frame& f, uint8_t* out) {
  if (f.fp_full) {
    memcpy(out, f.xsave, image_size());
    return;
  }
  memset(out, 0, image_size());
  store<uint16_t>(out + kFxFcw, f.fcw);
  store<uint32_t>(out + kFxMxcsr, f.mxcsr);
  store<uint32_t>(out + kFxMxcsrMask, umach_hosted_mxcsr_mask);
  // x87 in its initial state unless the control word was changed.
  store<uint64_t>(out + kHeader, f.fcw != kInitFcw ? kX87 : 0);
}

void install(Frame& f, const uint8_t* image) {
  memcpy(f.xsave, image, image_size());
  f.fp_full = 1;
}

// An image with every component in its initial state and MXCSR's default.
void reset_image(uint8_t* image) {
  memset(image, 0, image_size());
  store<uint32_t>(image + kFxMxcsr, umach_hosted_kernel_mxcsr);
}

// A scratch image: kalloc'ed (kernel stacks are small), freed on scope exit.
class Image {
 public:
  Image() : p_(static_cast<uint8_t*>(kalloc(image_size()))) {}
  ~Image() {
    if (p_) kfree(p_, image_size());
  }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  uint8_t* get() const { return p_; }

 private:
  uint8_t* p_;
};

kern_return_t get_other_flavor(const Frame& f, int flavor, natural_t* state, mach_msg_type_number_t* count) {
  switch (flavor) {
    case THREAD_STATE_FLAVOR_LIST:
      return x86::get_flavor_list(state, count);
    case i386_FSGS_BASE_STATE: {
      if (*count < i386_FSGS_BASE_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_fsgs_base_state s{f.fs_base, f.gs_base};
      memcpy(state, &s, sizeof s);
      *count = i386_FSGS_BASE_STATE_COUNT;
      return KERN_SUCCESS;
    }
    case i386_FLOAT_STATE:
    case i386_XFLOAT_STATE: {
      const bool x = flavor == i386_XFLOAT_STATE;
      const mach_msg_type_number_t need = x ? xfloat_count() : i386_FLOAT_STATE_COUNT;
      if (*count < need) return KERN_INVALID_ARGUMENT;
      Image image;
      if (!image.get()) return KERN_RESOURCE_SHORTAGE;
      full_image(f, image.get());
      if (x) {
        i386_xfloat_state head{FP_387X, 1, 0, FP_387X};
        memcpy(state, &head, sizeof head);
        memcpy(reinterpret_cast<uint8_t*>(state) + sizeof head, image.get(), image_size());
      } else {
        i386_float_state s{};
        s.fpkind = FP_387X;
        s.initialized = 1;
        x86::to_fsave(image.get(), load<uint64_t>(image.get() + kHeader) & kX87, s.hw_state);
        memcpy(state, &s, sizeof s);
      }
      *count = need;
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

kern_return_t set_other_flavor(Frame& f, int flavor, const natural_t* state, mach_msg_type_number_t count) {
  switch (flavor) {
    case i386_FSGS_BASE_STATE: {
      if (count < i386_FSGS_BASE_STATE_COUNT) return KERN_INVALID_ARGUMENT;
      i386_fsgs_base_state s;
      memcpy(&s, state, sizeof s);
      if (s.fs_base >= kUserLimit || s.gs_base != 0) return KERN_INVALID_ARGUMENT;
      f.fs_base = s.fs_base;
      return KERN_SUCCESS;
    }
    case i386_FLOAT_STATE:
    case i386_XFLOAT_STATE: {
      const bool x = flavor == i386_XFLOAT_STATE;
      if (count < (x ? xfloat_count() : i386_FLOAT_STATE_COUNT)) return KERN_INVALID_ARGUMENT;
      Image image;
      if (!image.get()) return KERN_RESOURCE_SHORTAGE;
      int initialized;
      memcpy(&initialized, reinterpret_cast<const uint8_t*>(state) + sizeof(int), sizeof initialized);
      if (!initialized) {
        // As GNU Mach: an uninitialised state resets the FPU.
        reset_image(image.get());
      } else if (x) {
        memcpy(image.get(), reinterpret_cast<const uint8_t*>(state) + sizeof(i386_xfloat_state), image_size());
      } else {
        full_image(f, image.get());
        x86::from_fsave(reinterpret_cast<const i386_float_state*>(state)->hw_state, image.get());
        store<uint64_t>(image.get() + kHeader, load<uint64_t>(image.get() + kHeader) | kX87);
      }
      if (!platform::hosted::xsave_image_valid(image.get())) return KERN_INVALID_ARGUMENT;
      install(f, image.get());
      return KERN_SUCCESS;
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

// The user selectors a 64-bit Linux process runs with (hosted threads run
// in it). (RF, which thread_set_state drops, popfq could not set anyway.)
constexpr x86::UserSelectors kSelectors{0x33, 0x2b};

bool is_thread_state(int flavor) { return platform::Backend::is_general_state(flavor); }
static_assert(platform::Backend::kGeneralStateCount == i386_THREAD_STATE_COUNT);

}  // namespace

}  // namespace umach::hosted

namespace umach::platform {

using ::umach::hosted::get_other_flavor;
using ::umach::hosted::set_other_flavor;
using ::umach::hosted::is_thread_state;
using ::umach::hosted::kSelectors;

int Backend::frame_get_state(const UserFrame& f, int flavor, unsigned* state, unsigned* count) {
  if (!is_thread_state(flavor)) return get_other_flavor(f, flavor, state, count);
  return x86::get_general_state(f, kSelectors, state, count);
}

int Backend::frame_set_state(UserFrame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max) {
  if (!is_thread_state(flavor)) return set_other_flavor(f, flavor, state, count);
  return x86::set_general_state(f, kSelectors, state, count, min, max);
}

}  // namespace umach::platform

namespace umach::kserver {

// The size of an i386_XFLOAT_STATE record here: its head and this CPU's
// XSAVE image (mach_i386.defs; upstream's form, taking the host port).
kern_return_t i386_get_xstate_size(ipc_port_t host, vm_size_t* size) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  *size = sizeof(i386_xfloat_state) + umach_hosted_xsave_size;
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
