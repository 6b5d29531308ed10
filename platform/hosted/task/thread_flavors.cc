// platform/hosted/task/thread_flavors.cc: the hosted backend's thread
// state flavors (the contract's frame_get_state / frame_set_state): the
// general registers (i386_THREAD_STATE, i386_REGS_SEGS_STATE), and
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

constexpr int kFlavors[] = {i386_THREAD_STATE, i386_FLOAT_STATE, i386_REGS_SEGS_STATE, i386_FSGS_BASE_STATE,
                            i386_XFLOAT_STATE};

kern_return_t get_other_flavor(const Frame& f, int flavor, natural_t* state, mach_msg_type_number_t* count) {
  switch (flavor) {
    case THREAD_STATE_FLAVOR_LIST: {
      constexpr auto n = static_cast<mach_msg_type_number_t>(sizeof kFlavors / sizeof kFlavors[0]);
      if (*count < n) return KERN_INVALID_ARGUMENT;
      for (mach_msg_type_number_t i = 0; i < n; ++i) state[i] = static_cast<natural_t>(kFlavors[i]);
      *count = n;
      return KERN_SUCCESS;
    }
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
// in it): what thread_get_state reports, and with zero all set_state takes.
constexpr unsigned kUserCs = 0x33;
constexpr unsigned kUserSs = 0x2b;
// The flags a thread may set: CF PF AF ZF SF DF OF (and IF, bit 1, which
// every user thread has). Not TF or AC: they would trap into the host.
constexpr uint64_t kUserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;
constexpr uint64_t kAlwaysFlags = 0x202;
// RF, which the frame of a fault carries (thread_get_state reports it), is
// taken back and dropped: it only matters to debug registers, and popfq
// cannot set it.
constexpr uint64_t kResumeFlag = 0x10000;

bool is_thread_state(int flavor) { return platform::Backend::is_general_state(flavor); }
static_assert(platform::Backend::kGeneralStateCount == i386_THREAD_STATE_COUNT);
static_assert(i386_THREAD_STATE == 1 && i386_REGS_SEGS_STATE == 5);

}  // namespace

}  // namespace umach::hosted

namespace umach::platform {

using ::umach::hosted::get_other_flavor;
using ::umach::hosted::set_other_flavor;
using ::umach::hosted::is_thread_state;
using ::umach::hosted::kUserCs;
using ::umach::hosted::kUserSs;
using ::umach::hosted::kUserFlags;
using ::umach::hosted::kAlwaysFlags;
using ::umach::hosted::kResumeFlag;

int Backend::frame_get_state(const UserFrame& f, int flavor, unsigned* state, unsigned* count) {
  if (!is_thread_state(flavor)) return get_other_flavor(f, flavor, state, count);
  if (*count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  i386_thread_state s{};
  s.r8 = f.r8, s.r9 = f.r9, s.r10 = f.r10, s.r11 = f.r11, s.r12 = f.r12, s.r13 = f.r13, s.r14 = f.r14, s.r15 = f.r15;
  s.rdi = f.rdi, s.rsi = f.rsi, s.rbp = f.rbp, s.rsp = f.rsp, s.rbx = f.rbx, s.rdx = f.rdx, s.rcx = f.rcx;
  s.rax = f.rax, s.rip = f.rip, s.cs = kUserCs, s.rfl = f.rflags, s.ursp = f.rsp, s.ss = kUserSs;
  memcpy(state, &s, sizeof s);
  *count = i386_THREAD_STATE_COUNT;
  return KERN_SUCCESS;
}

// Decode and check everything, then install: a pc and a stack pointer
// inside the task's range [min, max) (so canonical user addresses), user
// flag bits only, the user selectors or zero. ursp is the stack the thread
// resumes with (<mach/thread_status.h>); rsp is ignored.
int Backend::frame_set_state(UserFrame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max) {
  if (!is_thread_state(flavor)) return set_other_flavor(f, flavor, state, count);
  if (count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  i386_thread_state s;
  memcpy(&s, state, sizeof s);
  if (s.rip < min || s.rip >= max) return KERN_INVALID_ARGUMENT;
  if (s.ursp <= min || s.ursp > max) return KERN_INVALID_ARGUMENT;
  if (s.rfl & ~(kUserFlags | kAlwaysFlags | kResumeFlag)) return KERN_INVALID_ARGUMENT;
  if ((s.cs != 0 && s.cs != kUserCs) || (s.ss != 0 && s.ss != kUserSs)) return KERN_INVALID_ARGUMENT;
  f.r8 = s.r8, f.r9 = s.r9, f.r10 = s.r10, f.r11 = s.r11, f.r12 = s.r12, f.r13 = s.r13, f.r14 = s.r14, f.r15 = s.r15;
  f.rdi = s.rdi, f.rsi = s.rsi, f.rbp = s.rbp, f.rbx = s.rbx, f.rdx = s.rdx, f.rcx = s.rcx, f.rax = s.rax;
  f.rip = s.rip, f.rsp = s.ursp, f.rflags = (s.rfl & ~kResumeFlag) | kAlwaysFlags;
  return KERN_SUCCESS;
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
