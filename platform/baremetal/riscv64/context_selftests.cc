// platform/baremetal/riscv64/context_selftests.cc: self-tests of kernel
// contexts (context.cc, context_switch.S).
//
// The self-test's own stack (the boot stack, whose Context was never
// initialised) starts two contexts on page-allocated stacks that bounce
// control between each other, then the first exits back to the boot stack.
// Each side checks, on every resume, that it is its turn, that values live
// across the switch (kept by the compiler in callee-saved registers or
// spilled to the stack) are intact, and that tp (the hart's, not the
// context's) has not moved.
#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/selftest.h"

namespace umach {
namespace {

using Context = Platform::Context;

constexpr unsigned kRounds = 64;
constexpr size_t kStackPages = Platform::kKernelStackSize / Platform::kPageSize;

struct PingPong {
  Context boot, ping, pong;
  uint64_t tp = 0;
  uintptr_t stack_lo[2] = {}, stack_hi[2] = {};  // [0] ping's, [1] pong's
  unsigned steps = 0;  // switches made by ping and pong together
  bool order_ok = true, values_ok = true, tp_ok = true, entry_ok = true;
};

uint64_t read_tp() {
  uint64_t v;
  __asm__ __volatile__("mv %0, tp" : "=r"(v));
  return v;
}

uint64_t read_sp() {
  uint64_t v;
  __asm__ __volatile__("mv %0, sp" : "=r"(v));
  return v;
}

// The empty asm claims to change all fourteen, in registers at once, so the
// compiler can neither recompute them after the switch nor fold the
// comparison: it must carry them across.
#define UMACH_OPAQUE_14(a, b, c, d, e, f, g, h, i, j, k, l, m, n)                                    \
  __asm__ __volatile__(""                                                                          \
                       : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g), "+r"(h), \
                         "+r"(i), "+r"(j), "+r"(k), "+r"(l), "+r"(m), "+r"(n))

// Fourteen values, more than the twelve s registers, live across one switch.
// Returns whether they all survived.
[[gnu::noinline]] bool switch_keeping_values(Context& from, Context& to, uint64_t seed) {
  uint64_t v[14];
  for (unsigned i = 0; i < 14; ++i) v[i] = seed * (2 * i + 1) + i;
  uint64_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6];
  uint64_t h = v[7], i = v[8], j = v[9], k = v[10], l = v[11], m = v[12], n = v[13];
  UMACH_OPAQUE_14(a, b, c, d, e, f, g, h, i, j, k, l, m, n);
  Platform::context_switch(from, to);
  UMACH_OPAQUE_14(a, b, c, d, e, f, g, h, i, j, k, l, m, n);
  uint64_t got[14] = {a, b, c, d, e, f, g, h, i, j, k, l, m, n};
  bool ok = true;
  for (unsigned x = 0; x < 14; ++x) ok &= got[x] == seed * (2 * x + 1) + x;
  return ok;
}

// The ABI wants sp 16-byte aligned at every call, so it is in any function's
// body; and it must be on the context's own stack.
void check_entry(PingPong& p, unsigned side) {
  uint64_t sp = read_sp();
  p.entry_ok &= sp % 16 == 0 && sp > p.stack_lo[side] && sp < p.stack_hi[side];
  p.tp_ok &= read_tp() == p.tp;
}

void take_turn(PingPong& p, unsigned side, Context& self, Context& other, unsigned round) {
  p.order_ok &= p.steps == 2 * round + side;
  ++p.steps;
  p.values_ok &= switch_keeping_values(self, other, 0x9e3779b97f4a7c15 * (2 * round + side + 1));
  p.tp_ok &= read_tp() == p.tp;
}

void ping_main(void* arg) {
  auto& p = *static_cast<PingPong*>(arg);
  check_entry(p, 0);
  for (unsigned r = 0; r < kRounds; ++r) take_turn(p, 0, p.ping, p.pong, r);
  Platform::context_exit(p.boot);
}

// Left suspended in its last switch: ping exits to the boot stack instead of
// resuming it, which is what a dead thread's context looks like.
void pong_main(void* arg) {
  auto& p = *static_cast<PingPong*>(arg);
  check_entry(p, 1);
  for (unsigned r = 0; r < kRounds; ++r) take_turn(p, 1, p.pong, p.ping, r);
  panic("riscv64 context self-test: pong resumed after ping exited");
}

}  // namespace

UMACH_SELFTEST(riscv64_context_ping_pong_keeps_registers) {
  PingPong p;
  p.tp = read_tp();
  paddr_t stacks[2] = {};
  for (unsigned s = 0; s < 2; ++s) {
    auto r = page_allocator().alloc(kStackPages);
    ST_CHECK(r.ok());
    if (!r.ok()) {
      if (s == 1) page_allocator().free(stacks[0], kStackPages);
      return;
    }
    stacks[s] = r.value();
    p.stack_lo[s] = reinterpret_cast<uintptr_t>(Platform::phys_to_virt(stacks[s]));
    p.stack_hi[s] = p.stack_lo[s] + Platform::kKernelStackSize;
  }
  Platform::context_init(p.ping, Platform::phys_to_virt(stacks[0]), Platform::kKernelStackSize, ping_main, &p);
  Platform::context_init(p.pong, Platform::phys_to_virt(stacks[1]), Platform::kKernelStackSize, pong_main, &p);

  // p.boot was never initialised: this is its first save.
  ST_CHECK(switch_keeping_values(p.boot, p.ping, 0x0123456789abcdef));
  ST_CHECK_EQ(p.steps, 2 * kRounds);
  ST_CHECK(p.order_ok);
  ST_CHECK(p.values_ok);
  ST_CHECK(p.entry_ok);
  ST_CHECK(p.tp_ok);
  ST_CHECK_EQ(read_tp(), p.tp);

  Platform::context_destroy(p.ping);
  Platform::context_destroy(p.pong);
  for (paddr_t s : stacks) page_allocator().free(s, kStackPages);
}

}  // namespace umach
