// platform/x86/thread_state.h: the general registers of GNU Mach's
// i386_THREAD_STATE (i386_REGS_SEGS_STATE is the same record) read from and
// checked into a user frame, and the flavor list: what the two x86-64
// backends (hosted's thread_flavors.cc, amd64's thread_state.cc) share.
// The frames differ (each backend has its own UserFrame) but name the
// general registers alike; the selectors are the backend's. Freestanding.
#pragma once

#include <stdint.h>

#include <mach/kern_return.h>
#include <mach/thread_status.h>

#include "core/kstd/cstring.h"

namespace umach::x86 {

// The flags a thread may set: CF PF AF ZF SF DF OF (not TF or AC: on
// hosted they would trap into the host). IF and bit 1 every user thread
// has. RF, which the frame of a fault may carry (thread_get_state reports
// it), is taken back and dropped: it only matters to debug registers.
inline constexpr uint64_t kUserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;
inline constexpr uint64_t kAlwaysFlags = 0x202;
inline constexpr uint64_t kResumeFlag = 0x10000;

// The user selectors: what thread_get_state reports, and (with zero) all
// that thread_set_state takes.
struct UserSelectors {
  unsigned cs;
  unsigned ss;
};

static_assert(i386_THREAD_STATE == 1 && i386_REGS_SEGS_STATE == 5);

template <class Frame>
int get_general_state(const Frame& f, UserSelectors sel, unsigned* state, unsigned* count) {
  if (*count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  i386_thread_state s{};
  s.r8 = f.r8, s.r9 = f.r9, s.r10 = f.r10, s.r11 = f.r11, s.r12 = f.r12, s.r13 = f.r13, s.r14 = f.r14, s.r15 = f.r15;
  s.rdi = f.rdi, s.rsi = f.rsi, s.rbp = f.rbp, s.rsp = f.rsp, s.rbx = f.rbx, s.rdx = f.rdx, s.rcx = f.rcx;
  s.rax = f.rax, s.rip = f.rip, s.cs = sel.cs, s.rfl = f.rflags, s.ursp = f.rsp, s.ss = sel.ss;
  kstd::memcpy(state, &s, sizeof s);
  *count = i386_THREAD_STATE_COUNT;
  return KERN_SUCCESS;
}

// Checks everything, then installs: a pc and a stack pointer inside the
// task's range [min, max) (so canonical user addresses), user flag bits
// only, the user selectors or zero. ursp is the stack the thread resumes
// with (<mach/thread_status.h>); rsp is ignored. KERN_INVALID_ARGUMENT,
// with the frame untouched, for anything else.
template <class Frame>
int set_general_state(Frame& f, UserSelectors sel, const unsigned* state, unsigned count, uint64_t min,
                      uint64_t max) {
  if (count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  i386_thread_state s;
  kstd::memcpy(&s, state, sizeof s);
  if (s.rip < min || s.rip >= max) return KERN_INVALID_ARGUMENT;
  if (s.ursp <= min || s.ursp > max) return KERN_INVALID_ARGUMENT;
  if (s.rfl & ~(kUserFlags | kAlwaysFlags | kResumeFlag)) return KERN_INVALID_ARGUMENT;
  if ((s.cs != 0 && s.cs != sel.cs) || (s.ss != 0 && s.ss != sel.ss)) return KERN_INVALID_ARGUMENT;
  f.r8 = s.r8, f.r9 = s.r9, f.r10 = s.r10, f.r11 = s.r11, f.r12 = s.r12, f.r13 = s.r13, f.r14 = s.r14, f.r15 = s.r15;
  f.rdi = s.rdi, f.rsi = s.rsi, f.rbp = s.rbp, f.rbx = s.rbx, f.rdx = s.rdx, f.rcx = s.rcx, f.rax = s.rax;
  f.rip = s.rip, f.rsp = s.ursp, f.rflags = (s.rfl & ~kResumeFlag) | kAlwaysFlags;
  return KERN_SUCCESS;
}

// THREAD_STATE_FLAVOR_LIST: the flavors both backends have.
inline int get_flavor_list(unsigned* state, unsigned* count) {
  constexpr int kFlavors[] = {i386_THREAD_STATE, i386_FLOAT_STATE, i386_REGS_SEGS_STATE, i386_FSGS_BASE_STATE,
                              i386_XFLOAT_STATE};
  constexpr auto n = static_cast<unsigned>(sizeof kFlavors / sizeof kFlavors[0]);
  if (*count < n) return KERN_INVALID_ARGUMENT;
  for (unsigned i = 0; i < n; ++i) state[i] = static_cast<unsigned>(kFlavors[i]);
  *count = n;
  return KERN_SUCCESS;
}

}  // namespace umach::x86
