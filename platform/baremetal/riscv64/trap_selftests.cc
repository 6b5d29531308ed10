// platform/baremetal/riscv64/trap_selftests.cc: self-tests of the trap path.
//
// A breakpoint is the one trap the kernel resumes from today, so it proves
// the whole round trip: trap_entry.S saves every register, the handler runs
// and moves sepc past the instruction, and sret comes back with the
// registers as they were. Both encodings are tried, since the step differs.
#include <stdint.h>

#include "core/selftest.h"
#include "platform/baremetal/riscv64/trap.h"

namespace {

// Register values seen just before and just after the breakpoint.
struct RegisterCheck {
  uint64_t t0, t1, a0;
  uint64_t tp_before, tp_after, sp_before, sp_after;
};

constexpr uint64_t kPatternT0 = 0x0123456789abcdef;
constexpr uint64_t kPatternT1 = 0xfedcba9876543210;
constexpr uint64_t kPatternA0 = 0x5a5a5a5aa5a5a5a5;

// Caller-saved registers are the ones the C++ handler is free to clobber,
// so they are the ones whose survival says the frame was restored; tp is
// the per-CPU pointer and sp the stack the trap frame borrowed.
#define UMACH_EBREAK_ROUND_TRIP(BREAKPOINT)                                                           \
  RegisterCheck r;                                                                                   \
  __asm__ __volatile__(                                                                              \
      "mv t0, %[p0]\n mv t1, %[p1]\n mv a0, %[p2]\n mv %[tp0], tp\n mv %[sp0], sp\n" BREAKPOINT      \
      "mv %[t0], t0\n mv %[t1], t1\n mv %[a0], a0\n mv %[tp1], tp\n mv %[sp1], sp\n"                 \
      : [t0] "=&r"(r.t0), [t1] "=&r"(r.t1), [a0] "=&r"(r.a0), [tp0] "=&r"(r.tp_before),              \
        [tp1] "=&r"(r.tp_after), [sp0] "=&r"(r.sp_before), [sp1] "=&r"(r.sp_after)                   \
      : [p0] "r"(kPatternT0), [p1] "r"(kPatternT1), [p2] "r"(kPatternA0)                             \
      : "t0", "t1", "a0", "memory");                                                                 \
  return r

RegisterCheck ebreak_4byte() { UMACH_EBREAK_ROUND_TRIP(".option push\n .option norvc\n ebreak\n .option pop\n"); }
RegisterCheck ebreak_2byte() { UMACH_EBREAK_ROUND_TRIP("c.ebreak\n"); }

}  // namespace

UMACH_SELFTEST(riscv64_breakpoint_trap_returns) {
  using umach::riscv64::breakpoints_taken;
  RegisterCheck (*const kEncodings[])() = {ebreak_4byte, ebreak_2byte};
  for (auto run : kEncodings) {
    uint64_t before = breakpoints_taken();
    RegisterCheck r = run();
    ST_CHECK_EQ(breakpoints_taken(), before + 1);
    ST_CHECK_EQ(r.t0, kPatternT0);
    ST_CHECK_EQ(r.t1, kPatternT1);
    ST_CHECK_EQ(r.a0, kPatternA0);
    ST_CHECK_EQ(r.tp_after, r.tp_before);
    ST_CHECK(r.tp_after != 0);  // the boot CPU's Cpu, set by cpu_init(0)
    ST_CHECK_EQ(r.sp_after, r.sp_before);
  }
}
