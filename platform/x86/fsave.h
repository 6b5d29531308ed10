// platform/x86/fsave.h: the x87 part of an FXSAVE image (the legacy region
// of an XSAVE image too) converted to and from the FSAVE image that GNU
// Mach's i386_FLOAT_STATE carries (<mach/thread_status.h>: i386_fp_save
// then the eight 80-bit registers). Shared by the two x86-64 backends
// (hosted's thread_flavors.cc, amd64's thread_state.cc); freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace umach::x86 {

// Offsets in the FXSAVE image.
inline constexpr size_t kFxFcw = 0, kFxFsw = 2, kFxFtw = 4, kFxFop = 6, kFxFip = 8, kFxFdp = 16, kFxMxcsr = 24,
                        kFxMxcsrMask = 28, kFxStRegs = 32;  // ST(i) at 32 + 16 i, 10 bytes each
inline constexpr uint16_t kInitFcw = 0x37f;

// The FSAVE image (FP_STATE_BYTES at hw) of fx's x87 state; with x87_live
// false, the initial state (every register empty) whatever fx holds. Full
// tags are computed from FXSAVE's abridged ones and the registers' values.
void to_fsave(const uint8_t* fx, bool x87_live, uint8_t* hw);
// The FSAVE image at hw into fx's x87 part; the SSE part stays.
void from_fsave(const uint8_t* hw, uint8_t* fx);

}  // namespace umach::x86
