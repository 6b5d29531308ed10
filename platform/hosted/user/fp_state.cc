// platform/hosted/user/fp_state.cc: the FP/XSAVE geometry of this machine,
// fresh frames (Backend::frame_init) and the check of frames the kernel is
// given (Backend::frame_sanitise).
//
// XSAVE geometry: the features saved are XCR0's minus AMX (tile state is
// 8 KiB and needs a permission the kernel never asks for); the image is the
// standard (non-compacted) format, the one Linux writes into signal frames,
// so a signal's FP state copies into a frame byte for byte. Its size is the
// end of the highest saved component (CPUID leaf 0xD), at most
// kXsaveCapacity. Set once by user_mode_init at boot, before any vCPU runs,
// and read-only after.
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/platform/platform.h"
#include "platform/hosted/internal.h"
#include "platform/hosted/user/user_internal.h"

extern "C" {
uint64_t umach_hosted_xsave_mask = 0;
uint32_t umach_hosted_xsave_size = 0;
uint32_t umach_hosted_mxcsr_mask = 0xffbf;
uint8_t umach_hosted_precise_fp = 0;
uint8_t umach_hosted_has_avx = 0;
uint8_t umach_hosted_user_fs_ever = 0;
const uint32_t umach_hosted_kernel_mxcsr = 0x1f80;  // the SysV default: all exceptions masked, round to nearest
}

namespace umach::platform::hosted {
namespace {

constexpr uint64_t kAmxFeatures = (uint64_t{1} << 17) | (uint64_t{1} << 18);
constexpr uint64_t kAvxFeature = uint64_t{1} << 2;
constexpr size_t kLegacyAndHeader = 576;  // 512-byte FXSAVE area + 64-byte XSAVE header
constexpr size_t kMxcsrOffset = 24;       // in the FXSAVE area
constexpr size_t kMxcsrMaskOffset = 28;
constexpr size_t kHeaderOffset = 512;

// RFLAGS bits a user may hold: the arithmetic flags, DF, AC and ID. Bit 1 is
// always 1 and IF is the host's; both are forced. TF (single-step) is not
// offered on hosted: it would trap inside the return stub.
constexpr uint64_t kUserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800 | 0x40000 | 0x200000;
constexpr uint64_t kForcedFlags = 0x202;

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

bool canonical_user(uint64_t a) { return a < (uint64_t{1} << 47); }

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

void user_mode_init() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) {
    fprintf(stderr, "umach: the hosted platform needs XSAVE enabled by the host kernel\n");
    _exit(2);
  }
  uint64_t mask = xgetbv0() & ~kAmxFeatures;
  size_t size = kLegacyAndHeader;
  for (unsigned i = 2; i < 64; ++i) {
    if (!(mask & (uint64_t{1} << i))) continue;
    __cpuid_count(0xd, i, a, b, c, d);  // a: size, b: offset in the standard format
    if (b + a > size) size = b + a;
  }
  if (size > kXsaveCapacity) {
    fprintf(stderr, "umach: this CPU's XSAVE image (%zu bytes) outgrows UserFrame (%zu)\n", size, kXsaveCapacity);
    _exit(2);
  }
  umach_hosted_xsave_mask = mask;
  umach_hosted_xsave_size = static_cast<uint32_t>(size);
  umach_hosted_has_avx = (mask & kAvxFeature) != 0;
  alignas(16) uint8_t fx[512] = {};
  __asm__ __volatile__("fxsave64 %0" : "=m"(fx));
  uint32_t mxcsr_mask;
  memcpy(&mxcsr_mask, fx + kMxcsrMaskOffset, sizeof mxcsr_mask);
  umach_hosted_mxcsr_mask = mxcsr_mask != 0 ? mxcsr_mask : 0xffbf;  // 0 means the architectural default
}

bool xsave_image_valid(const uint8_t* image) {
  uint32_t mxcsr;
  memcpy(&mxcsr, image + kMxcsrOffset, sizeof mxcsr);
  if (mxcsr & ~umach_hosted_mxcsr_mask) return false;
  // XRSTOR faults on: features outside the mask, a compacted image, and any
  // nonzero byte in the rest of the 64-byte header.
  const uint8_t* header = image + kHeaderOffset;
  if (load64(header) & ~umach_hosted_xsave_mask) return false;
  for (size_t i = 8; i < 64; i += 8)
    if (load64(header + i) != 0) return false;
  return true;
}

}  // namespace umach::platform::hosted

namespace umach::platform {

void Backend::frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2) {
  f = UserFrame{};
  f.rip = pc;
  f.rsp = sp;
  f.rdi = a0;
  f.rsi = a1;
  f.rdx = a2;
  f.rflags = hosted::kForcedFlags;
  // An XSAVE header with XSTATE_BV = 0 puts every component in its initial
  // state on XRSTOR (x87 control word 0x37f included); MXCSR is loaded from
  // the legacy area regardless.
  f.fp_full = 1;
  uint32_t mxcsr = umach_hosted_kernel_mxcsr;
  memcpy(f.xsave + hosted::kMxcsrOffset, &mxcsr, sizeof mxcsr);
}

bool Backend::frame_sanitise(UserFrame& f) {
  if (f.rflags & ~(hosted::kUserFlags | hosted::kForcedFlags)) return false;
  f.rflags |= hosted::kForcedFlags;
  if (!hosted::canonical_user(f.rip) || !hosted::canonical_user(f.rsp) || !hosted::canonical_user(f.fs_base) ||
      !hosted::canonical_user(f.gs_base))
    return false;
  if (!f.fp_full) return (f.mxcsr & ~umach_hosted_mxcsr_mask) == 0;
  return hosted::xsave_image_valid(f.xsave);
}

}  // namespace umach::platform

namespace umach::hosted {

void set_precise_fp(bool on) { __atomic_store_n(&umach_hosted_precise_fp, on ? 1 : 0, __ATOMIC_RELAXED); }

}  // namespace umach::hosted
