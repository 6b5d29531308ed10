// platform/baremetal/amd64/context_selftest.cc: kernel contexts on amd64.
// The boot context (never initialised) starts context A; A and B ping-pong
// on page-allocated stacks, each checking on every resume that its
// callee-saved registers and its locals survived and that it runs in turn;
// A then leaves with context_exit back to the boot context.
#include <stddef.h>
#include <stdint.h>

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/selftest.h"

extern "C" void amd64_selftest_switch_with_pattern(uint64_t* from_rsp, const uint64_t* to_rsp, uint64_t seed,
                                                   uint64_t out[6]);

namespace umach {
namespace {

using Context = Platform::Context;
constexpr unsigned kRounds = 64;
constexpr size_t kStackPages = Platform::kKernelStackSize / Platform::kPageSize;
constexpr uint64_t kSeedBoot = 0xB007B007B0070000;
constexpr uint64_t kSeedA = 0xAAAA000000000000;
constexpr uint64_t kLocalA = 0x10CA1A10CA1A10CA;
constexpr uint64_t kLocalB = 0x10CA1B10CA1B10CB;

enum class Turn { kBoot, kA, kB };

struct PingPong {
  Context boot, a, b;
  Turn turn = Turn::kBoot;
  unsigned rounds_a = 0, rounds_b = 0;
  unsigned out_of_turn = 0;
  unsigned register_mismatches = 0;
  unsigned local_mismatches = 0;
  unsigned misaligned_entries = 0;
  void* arg_a = nullptr;
  void* arg_b = nullptr;
};

// Switches from `from` to `to` with a register pattern in flight; counts a
// mismatch for each callee-saved register that came back changed.
void switch_checking_registers(PingPong& p, Context& from, Context& to, uint64_t seed) {
  uint64_t out[6];
  amd64_selftest_switch_with_pattern(&from.rsp, &to.rsp, seed, out);
  for (uint64_t i = 0; i < 6; ++i)
    if (out[i] != seed + i) ++p.register_mismatches;
}

// With frame pointers (toolchain-amd64.cmake), RBP at a function's body is
// RSP at its call minus 16: 16-byte aligned iff the caller's stack was.
void check_entry_alignment(PingPong& p) {
  if (reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) % 16 != 0) ++p.misaligned_entries;
}

[[gnu::noinline]] void run_a(void* arg) {
  auto& p = *static_cast<PingPong*>(arg);
  p.arg_a = arg;
  check_entry_alignment(p);
  volatile uint64_t local = kLocalA;
  for (unsigned i = 0; i < kRounds; ++i) {
    if (p.turn != Turn::kA) ++p.out_of_turn;
    ++p.rounds_a;
    p.turn = Turn::kB;
    switch_checking_registers(p, p.a, p.b, kSeedA + 16 * i);
    if (local != kLocalA) ++p.local_mismatches;
  }
  p.turn = Turn::kBoot;
  Platform::context_exit(p.boot);
}

// B switches through the contract's own entry point, without the pattern.
[[gnu::noinline]] void run_b(void* arg) {
  auto& p = *static_cast<PingPong*>(arg);
  p.arg_b = arg;
  check_entry_alignment(p);
  volatile uint64_t local = kLocalB;
  for (;;) {
    if (p.turn != Turn::kB) ++p.out_of_turn;
    ++p.rounds_b;
    p.turn = Turn::kA;
    Platform::context_switch(p.b, p.a);
    if (local != kLocalB) ++p.local_mismatches;
  }
}

void* stack_of(paddr_t pa) { return Platform::phys_to_virt(pa); }

}  // namespace

UMACH_SELFTEST(amd64_context_ping_pong) {
  auto stack_a = page_allocator().alloc(kStackPages);
  auto stack_b = page_allocator().alloc(kStackPages);
  ST_CHECK(stack_a.ok());
  ST_CHECK(stack_b.ok());
  if (!stack_a.ok() || !stack_b.ok()) {
    if (stack_a.ok()) page_allocator().free(stack_a.value(), kStackPages);
    if (stack_b.ok()) page_allocator().free(stack_b.value(), kStackPages);
    return;
  }

  PingPong p;
  Platform::context_init(p.a, stack_of(stack_a.value()), Platform::kKernelStackSize, run_a, &p);
  Platform::context_init(p.b, stack_of(stack_b.value()), Platform::kKernelStackSize, run_b, &p);
  p.turn = Turn::kA;
  uint64_t out[6];
  amd64_selftest_switch_with_pattern(&p.boot.rsp, &p.a.rsp, kSeedBoot, out);  // returns after A's context_exit

  for (uint64_t i = 0; i < 6; ++i) ST_CHECK_EQ(out[i], kSeedBoot + i);
  ST_CHECK(p.turn == Turn::kBoot);
  ST_CHECK_EQ(p.rounds_a, kRounds);
  ST_CHECK_EQ(p.rounds_b, kRounds);
  ST_CHECK_EQ(p.out_of_turn, 0u);
  ST_CHECK_EQ(p.register_mismatches, 0u);
  ST_CHECK_EQ(p.local_mismatches, 0u);
  ST_CHECK_EQ(p.misaligned_entries, 0u);
  ST_CHECK(p.arg_a == &p && p.arg_b == &p);

  // B stays suspended inside its switch; it is not running, so its stack
  // can go (the contract's context_exit rule).
  Platform::context_destroy(p.a);
  Platform::context_destroy(p.b);
  page_allocator().free(stack_a.value(), kStackPages);
  page_allocator().free(stack_b.value(), kStackPages);
}

// A context's first frame sits below the top of its stack, inside it, and
// leaves the rest of the stack alone.
UMACH_SELFTEST(amd64_context_init_stays_in_its_stack) {
  alignas(16) static uint64_t stack[64];
  for (uint64_t& w : stack) w = 0x5A5A5A5A5A5A5A5A;
  Context c;
  Platform::context_init(c, stack + 1, sizeof stack - 2 * sizeof(uint64_t), run_b, nullptr);
  ST_CHECK(c.rsp > reinterpret_cast<uint64_t>(stack + 1));
  ST_CHECK(c.rsp < reinterpret_cast<uint64_t>(stack + 63));
  ST_CHECK_EQ(stack[0], 0x5A5A5A5A5A5A5A5Au);
  ST_CHECK_EQ(stack[63], 0x5A5A5A5A5A5A5A5Au);
  Platform::context_destroy(c);
}

}  // namespace umach
