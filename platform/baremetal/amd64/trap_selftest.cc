// platform/baremetal/amd64/trap_selftest.cc: proves the exception path
// (IDT gate, stub, register save, C++ handler, restore, iretq) with a
// breakpoint, the one exception the kernel resumes from.
#include <stddef.h>
#include <stdint.h>

#include "core/selftest.h"
#include "platform/baremetal/amd64/trap.h"

namespace umach {
namespace {

// One distinct value per register, in the order rax rbx rcx rdx rsi rdi r8..r15.
constexpr uint64_t kPattern[14] = {
    0xA0A0A0A0A0A0A001, 0xB0B0B0B0B0B0B002, 0xC0C0C0C0C0C0C003, 0xD0D0D0D0D0D0D004, 0x5151515151515105,
    0xD1D1D1D1D1D1D106, 0x0808080808080807, 0x0909090909090908, 0x1010101010101009, 0x111111111111110A,
    0x121212121212120B, 0x131313131313130C, 0x141414141414140D, 0x151515151515150E,
};

}  // namespace

UMACH_SELFTEST(amd64_breakpoint_trap_returns) {
  const uint64_t before = amd64::breakpoint_count();

  // Every general register but RSP and RBP (the frame pointer) holds a
  // distinct value across the int3: the handler must see each in its frame,
  // and the interrupted code must get each back.
  uint64_t rax = kPattern[0], rbx = kPattern[1], rcx = kPattern[2], rdx = kPattern[3], rsi = kPattern[4],
           rdi = kPattern[5];
  register uint64_t r8 asm("r8") = kPattern[6];
  register uint64_t r9 asm("r9") = kPattern[7];
  register uint64_t r10 asm("r10") = kPattern[8];
  register uint64_t r11 asm("r11") = kPattern[9];
  register uint64_t r12 asm("r12") = kPattern[10];
  register uint64_t r13 asm("r13") = kPattern[11];
  register uint64_t r14 asm("r14") = kPattern[12];
  register uint64_t r15 asm("r15") = kPattern[13];
  __asm__ __volatile__("int3"
                       : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi), "+r"(r8),
                         "+r"(r9), "+r"(r10), "+r"(r11), "+r"(r12), "+r"(r13), "+r"(r14), "+r"(r15)
                       :
                       : "memory");
  const uint64_t after[14] = {rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15};

  ST_CHECK_EQ(amd64::breakpoint_count(), before + 1);
  const amd64::TrapFrame f = amd64::last_breakpoint_frame();
  const uint64_t seen[14] = {f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.r8,
                             f.r9,  f.r10, f.r11, f.r12, f.r13, f.r14, f.r15};
  for (size_t i = 0; i < 14; ++i) {
    ST_CHECK_EQ(seen[i], kPattern[i]);   // the stub saved the register where TrapFrame says
    ST_CHECK_EQ(after[i], kPattern[i]);  // and restored it on the way out
  }
  ST_CHECK_EQ(f.vector, uint64_t{amd64::kVectorBreakpoint});

  // The handler resumes right after the int3 (a trap, not a fault).
  uint64_t resume_at;
  __asm__ __volatile__("lea 1f(%%rip), %0\n\tint3\n1:" : "=r"(resume_at) : : "memory");
  ST_CHECK_EQ(amd64::breakpoint_count(), before + 2);
  ST_CHECK_EQ(amd64::last_breakpoint_frame().rip, resume_at);
}

}  // namespace umach
