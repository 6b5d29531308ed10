// platform/baremetal/riscv64/trap.cc: what the kernel does with a trap.
//
// Today the kernel expects two kinds of trap: the supervisor timer interrupt
// (timer.cc), and a breakpoint (ebreak), which it counts and steps over, so
// debugging aids and the trap path's self-test can resume. An interrupt
// resumes at sepc unchanged: sepc is the instruction it preempted, which has
// not run. Anything else (a fault, an ecall, an interrupt nobody enabled) is
// a kernel bug: the whole frame goes to the console, then panic. Traps taken
// in U-mode never come here: trap_entry.S sends them to user_entry.S, and
// run_user (user.cc) decides what they mean.
#include "platform/baremetal/riscv64/trap.h"

#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/log.h"
#include "platform/baremetal/riscv64/csr.h"
#include "platform/baremetal/riscv64/timer.h"

namespace umach::riscv64 {
namespace {

constexpr uint64_t kInterruptBit = kScauseInterrupt;
constexpr uint64_t kBreakpoint = 3;
constexpr uint64_t kTimerInterrupt = kScauseInterrupt | kInterruptSupervisorTimer;

kstd::Atomic<uint64_t> g_breakpoints{0};

// scause codes, privileged spec "Supervisor cause register".
const char* exception_name(uint64_t code) {
  static const char* const kNames[] = {
      "instruction address misaligned", "instruction access fault", "illegal instruction",
      "breakpoint", "load address misaligned", "load access fault",
      "store/AMO address misaligned", "store/AMO access fault", "environment call from U-mode",
      "environment call from S-mode", "reserved", "environment call from M-mode",
      "instruction page fault", "load page fault", "reserved", "store/AMO page fault"};
  return code < sizeof kNames / sizeof kNames[0] ? kNames[code] : "unknown exception";
}

const char* interrupt_name(uint64_t code) {
  switch (code) {
    case 1: return "supervisor software interrupt";
    case 5: return "supervisor timer interrupt";
    case 9: return "supervisor external interrupt";
    default: return "unknown interrupt";
  }
}

const char* trap_name(uint64_t scause) {
  uint64_t code = scause & ~kInterruptBit;
  return (scause & kInterruptBit) ? interrupt_name(code) : exception_name(code);
}

// ABI names, so the dump reads like the disassembly.
constexpr const char* kRegNames[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",  "a1",  "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

unsigned long long reg(const TrapFrame& f, unsigned i) { return i == 0 ? 0 : f.x[i]; }  // x[0] is never saved

void report(const TrapFrame& f) {
  klog("riscv64: trap: %s (scause %#llx)\n", trap_name(f.scause), static_cast<unsigned long long>(f.scause));
  klog("riscv64:   sepc %#018llx stval %#018llx sstatus %#018llx\n", static_cast<unsigned long long>(f.sepc),
       static_cast<unsigned long long>(f.stval), static_cast<unsigned long long>(f.sstatus));
  for (unsigned i = 0; i < 32; i += 4) {
    klog("riscv64:   %-4s %#018llx  %-4s %#018llx  %-4s %#018llx  %-4s %#018llx\n", kRegNames[i], reg(f, i),
         kRegNames[i + 1], reg(f, i + 1), kRegNames[i + 2], reg(f, i + 2), kRegNames[i + 3], reg(f, i + 3));
  }
}

// ebreak is 4 bytes, c.ebreak 2; an instruction's low two bits are 11 only
// in the 32-bit encodings. Read 16 bits: sepc may be only 2-byte aligned.
void step_over_breakpoint(TrapFrame& f) {
  uint16_t low = *reinterpret_cast<const volatile uint16_t*>(f.sepc);
  f.sepc += (low & 3) == 3 ? 4 : 2;
  g_breakpoints.fetch_add(1);
}

}  // namespace

uint64_t breakpoints_taken() { return g_breakpoints.load(); }

}  // namespace umach::riscv64

extern "C" void riscv64_trap(umach::riscv64::TrapFrame* frame) {
  using namespace umach::riscv64;
  if (frame->scause == kTimerInterrupt) {
    timer_interrupt();
    return;
  }
  if (frame->scause == kBreakpoint) {
    step_over_breakpoint(*frame);
    return;
  }
  report(*frame);
  umach::panic("unexpected trap: %s at sepc %#llx", trap_name(frame->scause),
               static_cast<unsigned long long>(frame->sepc));
}
