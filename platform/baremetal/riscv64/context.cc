// platform/baremetal/riscv64/context.cc: kernel-thread contexts
// (core/platform/contract.h, ContextSwitch).
//
// context_init builds, at the top of the new stack, the SwitchFrame that
// context_switch.S would have pushed, with ra aimed at the trampoline; the
// first switch to the context then pops it like any other and "returns"
// into riscv64_context_trampoline, which calls entry(arg). The core owns the
// stack, so there is nothing to release.
#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"
#include "core/platform/platform.h"

namespace umach::riscv64 {
namespace {

// The layout context_switch.S pushes; must match its FRAME_* offsets.
struct SwitchFrame {
  uint64_t ra;
  uint64_t s[12];
  uint64_t pad;  // keeps the frame, and so sp, 16-byte aligned
};
static_assert(sizeof(SwitchFrame) == 112, "must match context_switch.S");

}  // namespace
}  // namespace umach::riscv64

extern "C" {
void riscv64_context_switch(uint64_t* from_sp, const uint64_t* to_sp);
[[noreturn]] void riscv64_context_resume(const uint64_t* to_sp);
void riscv64_context_trampoline();

// Called only by the trampoline, on the new stack.
[[noreturn]] void riscv64_context_start(void (*entry)(void*), void* arg) {
  entry(arg);
  umach::panic("riscv64: kernel thread entry %p returned", reinterpret_cast<void*>(entry));
}
}

namespace umach::platform {

void Backend::context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg) {
  using riscv64::SwitchFrame;
  // Room for the frame plus what the entry's own frames need is the
  // caller's business; this only refuses a stack that cannot hold the frame.
  kassert(stack != nullptr && entry != nullptr && size >= 2 * sizeof(SwitchFrame));
  uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + size) & ~uintptr_t{15};
  auto* frame = reinterpret_cast<SwitchFrame*>(top - sizeof(SwitchFrame));
  *frame = SwitchFrame{};
  frame->ra = reinterpret_cast<uintptr_t>(&riscv64_context_trampoline);
  frame->s[0] = reinterpret_cast<uintptr_t>(entry);
  frame->s[1] = reinterpret_cast<uintptr_t>(arg);
  c.sp = reinterpret_cast<uintptr_t>(frame);
}

void Backend::context_switch(Context& from, Context& to) {
  kassert(to.sp != 0);  // never initialised nor saved: nothing to resume
  riscv64_context_switch(&from.sp, &to.sp);
}

void Backend::context_exit(Context& to) {
  kassert(to.sp != 0);
  riscv64_context_resume(&to.sp);
}

}  // namespace umach::platform
