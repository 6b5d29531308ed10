// platform/baremetal/amd64/context.cc: kernel-thread contexts (contract:
// ContextSwitch). The switch itself is context_switch.S; this file builds a
// new context's first frame, whose layout is that file's: change both
// together.
#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"
#include "core/platform/platform.h"

extern "C" {
void amd64_context_switch(uint64_t* from_rsp, const uint64_t* to_rsp);
[[noreturn]] void amd64_context_load(const uint64_t* to_rsp);
void amd64_context_trampoline();
[[noreturn]] void amd64_context_entry_returned(void (*entry)(void*));
}

namespace umach::platform {
namespace {

// The words context_switch.S pops, in pop order: r15, r14, r13, r12, rbx,
// rbp, then the resume address.
enum FrameSlot : size_t { kR15, kR14, kR13, kR12, kRbx, kRbp, kResume, kFrameWords };
// Above the frame: two zero words, so that RSP is 16-byte aligned once the
// trampoline is "returned to", and a backtrace ending there reads zeros.
constexpr size_t kTopPadWords = 2;

}  // namespace

void Backend::context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg) {
  kassert(stack != nullptr && entry != nullptr);
  kassert(size >= 256);
  uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + size) & ~uintptr_t{15};
  auto* frame = reinterpret_cast<uint64_t*>(top) - kTopPadWords - kFrameWords;
  for (size_t i = 0; i < kFrameWords + kTopPadWords; ++i) frame[i] = 0;
  frame[kR12] = reinterpret_cast<uint64_t>(entry);
  frame[kR13] = reinterpret_cast<uint64_t>(arg);
  frame[kRbp] = 0;  // ends frame-pointer walks in the new context
  frame[kResume] = reinterpret_cast<uint64_t>(&amd64_context_trampoline);
  c.rsp = reinterpret_cast<uint64_t>(frame);
}

void Backend::context_switch(Context& from, Context& to) {
  kassert(to.rsp != 0);  // see context_exit
  amd64_context_switch(&from.rsp, &to.rsp);
}

void Backend::context_exit(Context& to) {
  kassert(to.rsp != 0);  // a context that never ran nor was switched out has nothing to resume
  amd64_context_load(&to.rsp);
}

}  // namespace umach::platform

extern "C" void amd64_context_entry_returned(void (*entry)(void*)) {
  umach::panic("amd64: kernel context entry %p returned", reinterpret_cast<void*>(entry));
}
