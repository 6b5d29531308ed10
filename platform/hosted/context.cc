// platform/hosted/context.cc: kernel-thread contexts (Backend::context_*)
// on Boost.Context's fcontext, with the sanitizers told of every switch.
//
// Boost.Context makes each context (make_fcontext); the jump between two
// is umach's own, umach_hosted_jump below: Boost's jump_fcontext with two
// differences, measured on BM_NullRpc (~530 to ~430 ns) and
// BM_FiberRoundTrip (29 to 21 ns):
//   - It resumes with `ret`, where jump_fcontext pops the return address
//     and jumps to it. The call into the jump pushed an entry on the CPU's
//     return-stack predictor that jump_fcontext never pops, so every
//     return after a switch was mispredicted, one entry off, all the way
//     up the resumed thread's stack (an RPC switches twice, and the woken
//     thread returns through some ten frames). With `ret` the resumed
//     thread's returns meet the entries its switcher pushed, which in an
//     RPC are the same call sites.
//   - It leaves MXCSR and the x87 control word alone. Kernel code always
//     runs with the default control state (0x1f80, 0x37f): the trap entry
//     and the kernel re-entry install it when user code changed it
//     (user_entry.cc), and the kernel changes it nowhere, so every context
//     is saved and resumed with the same values. The sanitizer builds
//     check it at every switch.
// The frame it leaves is jump_fcontext's (tools/gdb/umach.py reads it):
// at the saved stack pointer, 8 bytes for the FP control state (unused
// here; make_fcontext's fresh frames fill them), r12-r15, rbx, rbp, and
// the return address at +0x38. So a fresh context starts as with Boost:
// the `ret` enters make_fcontext's trampoline.
//
// Compiled WITHOUT sanitizers (CMakeLists.txt): a switch must not be
// instrumented, because TSan's function entry/exit hooks (which
// no_sanitize("thread") does not remove) would push on one fiber's shadow
// stack and pop on another's. So nothing here may call instrumented code
// except the context's entry. `__has_feature` cannot tell this file which
// sanitizer the rest of the build uses; UMACH_HOSTED_ASAN/TSAN (from CMake)
// do, and the ASAN_* macros would expand to nothing here, so the runtime's
// functions are called directly.
//
// The protocol: a jump carries a `Jump` record (on the jumping stack) naming
// the context to save the jumper into (null for context_exit) and the
// target. Whoever resumes, a returning context_switch or a first entry in
// context_start, stores the jumper's fcontext into `from` at once, before
// any kernel code runs there; so `from` is resumable as soon as the code
// after the switch (the scheduler) says so. Per switch:
//   ASan: start_switch_fiber(save, target stack) before the jump,
//         finish_switch_fiber(save) right after resuming; each context keeps
//         its own fake stack (saved on its own stack across the jump), and
//         context_exit passes no save slot, so ASan frees the dying one's.
//   TSan: switch_to_fiber(target's fiber) just before the jump, with
//         synchronisation, so a context that migrates to another host
//         thread is ordered after what it did on the previous one.
#include <boost/context/detail/fcontext.hpp>
#include <unistd.h>

#include "core/platform/platform.h"

#if UMACH_HOSTED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if UMACH_HOSTED_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace umach::platform {
namespace {

namespace fc = boost::context::detail;
using Context = Backend::Context;

// transfer_t umach_hosted_jump(fcontext_t to, void* data): saves the
// caller's context on its stack and resumes `to`, which receives (as
// jump_fcontext's transfer_t) the caller's saved context and `data`.
extern "C" fc::transfer_t umach_hosted_jump(fc::fcontext_t to, void* data);
// clang-format off
__asm__(
".pushsection .text\n"
".p2align 4\n"
".globl umach_hosted_jump\n.hidden umach_hosted_jump\n.type umach_hosted_jump, @function\n"
"umach_hosted_jump:\n"
"  lea -0x38(%rsp), %rsp\n"
"  mov %r12, 0x8(%rsp)\n  mov %r13, 0x10(%rsp)\n  mov %r14, 0x18(%rsp)\n  mov %r15, 0x20(%rsp)\n"
"  mov %rbx, 0x28(%rsp)\n  mov %rbp, 0x30(%rsp)\n"
"  mov %rsp, %rax\n"   // the caller's context, for whoever resumes (after_jump)
"  mov %rdi, %rsp\n"
"  mov 0x8(%rsp), %r12\n  mov 0x10(%rsp), %r13\n  mov 0x18(%rsp), %r14\n  mov 0x20(%rsp), %r15\n"
"  mov 0x28(%rsp), %rbx\n  mov 0x30(%rsp), %rbp\n"
"  lea 0x38(%rsp), %rsp\n"
"  mov %rsi, %rdx\n"   // transfer_t {rax, rdx}; a fresh context takes it in rdi, rsi
"  mov %rax, %rdi\n"
"  ret\n"
".size umach_hosted_jump, . - umach_hosted_jump\n"
".popsection\n");
// clang-format on

struct Jump {
  Context* from;  // where the resumer saves the jumper; null: the jumper is gone
  Context* to;
};

[[noreturn]] void context_fatal(const char* msg, size_t n) {
  (void)::write(2, msg, n);
  __builtin_trap();
}

// Takes `to`'s saved state for a jump; a context is resumed at most once per
// suspension, and only after its resumer saved it.
void* take_fctx(Context& to) {
  void* f = to.fctx;
  if (f == nullptr) {
    static const char kMsg[] = "umach: context resumed while running or never saved\n";
    context_fatal(kMsg, sizeof kMsg - 1);
  }
  to.fctx = nullptr;
  return f;
}

void before_jump([[maybe_unused]] void** fake_stack_save, [[maybe_unused]] const Context& to) {
#if UMACH_HOSTED_ASAN || UMACH_HOSTED_TSAN
  // The jump keeps the FP control state: it must be the kernel's everywhere.
  uint32_t mxcsr = 0;
  uint16_t fcw = 0;
  __asm__ __volatile__("stmxcsr %0\n fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
  if ((mxcsr & 0xffc0) != 0x1f80 || fcw != 0x37f) {
    static const char kMsg[] = "umach: a kernel context switch with a changed FP control state\n";
    context_fatal(kMsg, sizeof kMsg - 1);
  }
#endif
#if UMACH_HOSTED_ASAN
  __sanitizer_start_switch_fiber(fake_stack_save, to.stack_bottom, to.stack_size);
#endif
#if UMACH_HOSTED_TSAN
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
}

// Right after resuming: finish ASan's switch, then save the jumper.
void after_jump([[maybe_unused]] void* fake_stack, fc::transfer_t t) {
  Jump* j = static_cast<Jump*>(t.data);
#if UMACH_HOSTED_ASAN
  const void* bottom = nullptr;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(fake_stack, &bottom, &size);
  // A boot context's stack is the host thread's, which only ASan knows.
  if (j->from != nullptr && j->from->stack_bottom == nullptr) {
    j->from->stack_bottom = bottom;
    j->from->stack_size = size;
  }
#endif
  if (j->from != nullptr) j->from->fctx = t.fctx;
}

// Every context's first instruction: a new context has no fake stack yet.
[[noreturn]] void context_start(fc::transfer_t t) {
  Context* self = static_cast<Jump*>(t.data)->to;
  after_jump(nullptr, t);
  self->entry(self->arg);
  static const char kMsg[] = "umach: a kernel context's entry returned\n";
  context_fatal(kMsg, sizeof kMsg - 1);
}

}  // namespace

void Backend::context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg) {
#if UMACH_HOSTED_ASAN
  // A reused stack may still carry the poison of frames that never returned.
  __asan_unpoison_memory_region(stack, size);
#endif
  c = Context{};
  c.stack_bottom = stack;
  c.stack_size = size;
  c.entry = entry;
  c.arg = arg;
  c.fctx = fc::make_fcontext(static_cast<char*>(stack) + size, size, context_start);
#if UMACH_HOSTED_TSAN
  c.tsan_fiber = __tsan_create_fiber(0);
  c.owns_fiber = true;
#endif
}

void Backend::context_switch(Context& from, Context& to) {
#if UMACH_HOSTED_TSAN
  if (from.tsan_fiber == nullptr) from.tsan_fiber = __tsan_get_current_fiber();  // a boot context
#endif
  Jump j{&from, &to};
  void* target = take_fctx(to);
  void* fake_stack = nullptr;
  before_jump(&fake_stack, to);
  fc::transfer_t t = umach_hosted_jump(target, &j);
  after_jump(fake_stack, t);
}

void Backend::context_exit(Context& to) {
  Jump j{nullptr, &to};
  void* target = take_fctx(to);
  before_jump(nullptr, to);
  umach_hosted_jump(target, &j);
  __builtin_trap();  // nothing resumes an exited context
}

void Backend::context_destroy(Context& c) {
#if UMACH_HOSTED_TSAN
  if (c.owns_fiber) __tsan_destroy_fiber(c.tsan_fiber);
#endif
  c = Context{};
}

}  // namespace umach::platform
