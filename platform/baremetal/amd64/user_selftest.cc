// platform/baremetal/amd64/user_selftest.cc: user mode on real page tables
// (user.cc): run_user through every way out of ring 3, copyin/copyout, and
// frame_sanitise.
//
// Each test builds a pmap (UserSpace) with a code page holding the little
// ring-3 programs below (assembled into .rodata, copied into the page: the
// code is position-independent), a stack page and whatever data pages it
// needs, loads it on this CPU, drives run_user, then loads the kernel's
// root back, destroys the pmap and frees every page (the harness audits
// them). A tick of the scheduler's may come while a program runs: run()
// takes it as the core will (a preemption point) and resumes.
#include <mach/exception.h>
#include <mach/vm_prot.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/selftest.h"
#include "platform/baremetal/amd64/pmap.h"
#include "platform/baremetal/amd64/x86.h"

// The ring-3 programs. Labels are offsets into the code page (at()).
extern "C" const char amd64_ut_begin[], amd64_ut_end[], amd64_ut_call[], amd64_ut_commpage_ret[],
    amd64_ut_load[], amd64_ut_store[], amd64_ut_jump[], amd64_ut_ud2[], amd64_ut_int3[], amd64_ut_int3_after[],
    amd64_ut_divide[], amd64_ut_divide_insn[], amd64_ut_hlt[], amd64_ut_int80[], amd64_ut_spin[],
    amd64_ut_syscall_loop[], amd64_ut_syscall_loop_after[], amd64_ut_sse[], amd64_ut_simd_fault[],
    amd64_ut_x87_fault[], amd64_ut_single_step[], amd64_ut_segments[], amd64_ut_step_syscall[];

__asm__(R"(
  .pushsection .rodata.amd64_user_selftest, "a", @progbits
  .balign 16
amd64_ut_begin:

// A trap call as a task program makes it: six register arguments and a
// seventh on the stack, through a commpage-style stub; the result lands in
// rbx and int3 hands it back.
amd64_ut_call:
  movq $0x11, %rdi
  movq $0x22, %rsi
  movq $0x33, %rdx
  movq $0x44, %rcx
  movq $0x55, %r8
  movq $0x66, %r9
  movabsq $0x7777777777777777, %rax
  pushq %rax
  call 1f
  movq %rax, %rbx
  int3
1:
  movq %rcx, %r10
  movl $-26, %eax
  syscall
amd64_ut_commpage_ret:
  ret

amd64_ut_load:
  movq (%rdi), %rbx
  int3
amd64_ut_store:
  movq %rsi, (%rdi)
  int3
amd64_ut_jump:
  jmp *%rdi
amd64_ut_ud2:
  ud2
amd64_ut_int3:
  int3
amd64_ut_int3_after:
  ud2
amd64_ut_divide:
  xorl %ecx, %ecx
  movl $1, %eax
  xorl %edx, %edx
amd64_ut_divide_insn:
  divl %ecx
amd64_ut_hlt:
  hlt
amd64_ut_int80:
  int $0x80

// Counts in the word at (%rsp) forever, no register changed but RFLAGS.
amd64_ut_spin:
  incq (%rsp)
  jmp amd64_ut_spin

amd64_ut_syscall_loop:
  syscall
amd64_ut_syscall_loop_after:
  jmp amd64_ut_syscall_loop

amd64_ut_sse:
  paddq %xmm1, %xmm0
  int3

// xmm0 / xmm1 with the divide-by-zero exception unmasked in MXCSR.
amd64_ut_simd_fault:
  divsd %xmm1, %xmm0
  int3

// 1 / 0 with ZM unmasked in the x87 control word; fwait reports it.
amd64_ut_x87_fault:
  fld1
  fldz
  fdivrp %st, %st(1)
  fwait
  int3

amd64_ut_single_step:
  pushfq
  orq $0x100, (%rsp)
  popfq
  nop
  nop
  int3

// Reads through its own FS and GS bases, then loads FS and GS selectors
// (what user code can do to them without FSGSBASE), between trap calls.
amd64_ut_segments:
  movq %fs:0, %rbx
  movq %gs:0, %r12
  syscall
  xorl %eax, %eax
  movl %eax, %gs
  movl $0x23, %eax
  movl %eax, %fs
  syscall
  int3

// TF set right before a trap call: the single-step trap of the syscall
// instruction itself must not reach the kernel's entry.
amd64_ut_step_syscall:
  pushfq
  orq $0x100, (%rsp)
  popfq
  syscall
  nop
  int3

amd64_ut_end:
  .popsection
)");

namespace umach {
namespace {

using Frame = Platform::UserFrame;
using Mmu = amd64::Mmu;

constexpr uint64_t kPage = Platform::kPageSize;
constexpr uint64_t kCodeVa = Mmu::kUserMin + 0x10'0000;
constexpr uint64_t kStackVa = kCodeVa + 0x10'0000;
constexpr uint64_t kStackTop = kStackVa + kPage - 64;
constexpr uint64_t kDataVa = kStackVa + 0x10'0000;  // data pages from here, one per slot
constexpr uint64_t kKernelAddress = 0x10'0000;      // the kernel image (1 MiB), identity mapped, supervisor only
constexpr unsigned kRW = VM_PROT_READ | VM_PROT_WRITE;
constexpr unsigned kRX = VM_PROT_READ | VM_PROT_EXECUTE;
constexpr size_t kXmm0 = 160, kXmm1 = 176;  // in the FXSAVE image
constexpr size_t kMxcsr = 24;

constexpr uint64_t kPfPresent = 1, kPfWrite = 2, kPfUser = 4, kPfFetch = 16;

uint64_t at(const char* label) { return kCodeVa + static_cast<uint64_t>(label - amd64_ut_begin); }

void put64(uint8_t* p, uint64_t v) { __builtin_memcpy(p, &v, sizeof v); }
uint64_t get64(const uint8_t* p) {
  uint64_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
void put32(uint8_t* p, uint32_t v) { __builtin_memcpy(p, &v, sizeof v); }

// A pmap with the programs and a stack, loaded on this CPU while it lives.
class UserSpace {
 public:
  static constexpr unsigned kMaxData = 4;

  explicit UserSpace(SelfTestContext& ctx) : ctx_(ctx) {
    pmap_ = Platform::pmap_create(nullptr);
    code_ = page();
    stack_ = page();
    if (!ok_) return;
    __builtin_memcpy(Platform::phys_to_virt(code_), amd64_ut_begin, static_cast<size_t>(amd64_ut_end - amd64_ut_begin));
    ok_ = Platform::pmap_enter(*pmap_, kCodeVa, code_, kRX, VM_PROT_READ) &&
          Platform::pmap_enter(*pmap_, kStackVa, stack_, kRW, kRW);
    if (ok_) amd64::pmap_activate(pmap_);
    ctx_.check(ok_, "the user space was built", __FILE__, __LINE__);
  }
  ~UserSpace() {
    amd64::pmap_activate(nullptr);
    if (pmap_) Platform::pmap_destroy(pmap_);
    free(code_);
    free(stack_);
    for (paddr_t pa : data_) free(pa);
  }
  UserSpace(const UserSpace&) = delete;
  UserSpace& operator=(const UserSpace&) = delete;

  bool ok() const { return ok_; }

  // Maps data slot i (a zeroed page) at data_va(i) with prot.
  bool map_data(unsigned i, unsigned prot) {
    if (data_[i] == kNoPhys) data_[i] = page();
    if (!ok_) return false;
    return Platform::pmap_enter(*pmap_, data_va(i), data_[i], prot, VM_PROT_READ);
  }
  static uint64_t data_va(unsigned i) { return kDataVa + i * kPage; }
  uint8_t* data(unsigned i) { return static_cast<uint8_t*>(Platform::phys_to_virt(data_[i])); }
  uint8_t* stack() { return static_cast<uint8_t*>(Platform::phys_to_virt(stack_)); }
  void reload() { amd64::pmap_activate(pmap_); }

  // Runs until a trap other than a preemption.
  TrapInfo run(Frame& f) {
    for (;;) {
      TrapInfo t = Platform::run_user(f);
      if (t.kind != TrapKind::kPreempted) return t;
      sched::preemption_point();
      reload();
    }
  }

 private:
  paddr_t page() {
    Result<paddr_t> pa = page_allocator().alloc_zeroed();
    if (!pa.ok()) {
      ok_ = false;
      return kNoPhys;
    }
    return pa.value();
  }
  static void free(paddr_t pa) {
    if (pa != kNoPhys) page_allocator().free(pa);
  }

  SelfTestContext& ctx_;
  bool ok_ = true;
  baremetal::Pmap* pmap_ = nullptr;
  paddr_t code_ = kNoPhys, stack_ = kNoPhys;
  paddr_t data_[kMaxData] = {kNoPhys, kNoPhys, kNoPhys, kNoPhys};
};

Frame frame_at(const char* label, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
  Frame f;
  Platform::frame_init(f, at(label), kStackTop, a0, a1, a2);
  return f;
}

// One distinct value per register and round.
uint64_t pattern(unsigned reg, unsigned round) {
  return 0x0101010101010101 * (reg + 1) ^ (uint64_t{round} << 40) ^ 0x8000000000000000;
}

// The timer, taken from the scheduler for a test (as timer_selftest.cc):
// disarmed first; given back by firing at once, so the scheduler re-arms.
struct TimerTakeover {
  TimerTakeover() { Platform::timer_disarm(); }
  ~TimerTakeover() {
    const uint32_t before = this_cpu().timer_fired.load(kstd::MemoryOrder::relaxed);
    Platform::timer_arm(0);
    const uint64_t give_up = Platform::clock_ns() + 1'000'000'000;
    while (this_cpu().timer_fired.load(kstd::MemoryOrder::relaxed) == before && Platform::clock_ns() < give_up)
      Platform::cpu_relax();
  }
  TimerTakeover(const TimerTakeover&) = delete;
  TimerTakeover& operator=(const TimerTakeover&) = delete;
};

}  // namespace

UMACH_SELFTEST(amd64_user_trap_call_passes_arguments_and_returns_a_value) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Frame f = frame_at(amd64_ut_call);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(Platform::frame_trap_number(f), int64_t{26});
  const uint64_t expected[6] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  for (unsigned i = 0; i < Platform::kTrapRegisterArgs; ++i) ST_CHECK_EQ(Platform::frame_trap_arg(f, i), expected[i]);
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_commpage_ret));  // past the syscall
  ST_CHECK_EQ(Platform::frame_trap_stack_args(f), Platform::frame_sp(f) + 8);
  uint64_t seventh = 0;
  ST_CHECK(Platform::copyin(&seventh, Platform::frame_trap_stack_args(f), sizeof seventh));
  ST_CHECK_EQ(seventh, uint64_t{0x7777777777777777});

  Platform::frame_set_return(f, 0xC0FFEE);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(f.rbx, uint64_t{0xC0FFEE});  // the user code saw the return value in rax
}

UMACH_SELFTEST(amd64_user_page_faults_report_address_and_access_and_resume) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;

  // A read of an unmapped page; mapped, the load completes.
  Frame f = frame_at(amd64_ut_load, UserSpace::data_va(0) + 0x18);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK_EQ(t.address, UserSpace::data_va(0) + 0x18);
  ST_CHECK(t.access == Access::kRead);
  ST_CHECK_EQ(t.code & (kPfPresent | kPfWrite | kPfUser), kPfUser);
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_load));  // a fault: the load runs again
  ST_CHECK(us.map_data(0, VM_PROT_READ));
  put64(us.data(0) + 0x18, 0x1234567890);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(f.rbx, uint64_t{0x1234567890});

  // A write to a read-only page: a protection fault; made writable, the
  // store completes.
  ST_CHECK(us.map_data(1, VM_PROT_READ));
  f = frame_at(amd64_ut_store, UserSpace::data_va(1) + 8, 0xABCD);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK_EQ(t.address, UserSpace::data_va(1) + 8);
  ST_CHECK(t.access == Access::kWrite);
  ST_CHECK_EQ(t.code & (kPfPresent | kPfWrite | kPfUser), kPfPresent | kPfWrite | kPfUser);
  ST_CHECK(us.map_data(1, kRW));
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(get64(us.data(1) + 8), uint64_t{0xABCD});

  // The kernel's own memory is there but not the user's.
  f = frame_at(amd64_ut_load, kKernelAddress);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK_EQ(t.address, kKernelAddress);
  ST_CHECK(t.access == Access::kRead);
  ST_CHECK_EQ(t.code & (kPfPresent | kPfWrite | kPfUser), kPfPresent | kPfUser);

  // A jump to an unmapped page, and to a mapped page without execute.
  f = frame_at(amd64_ut_jump, UserSpace::data_va(2));
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK_EQ(t.address, UserSpace::data_va(2));
  ST_CHECK(t.access == Access::kExecute);
  ST_CHECK((t.code & kPfFetch) != 0);
  f = frame_at(amd64_ut_jump, UserSpace::data_va(0));
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK(t.access == Access::kExecute);
  ST_CHECK_EQ(t.code & (kPfPresent | kPfFetch), kPfPresent | kPfFetch);
}

UMACH_SELFTEST(amd64_user_exceptions_map_to_mach_codes) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;

  Frame f = frame_at(amd64_ut_ud2);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kIllegalInstruction);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_INVOP});
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_ud2));

  f = frame_at(amd64_ut_int3);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_BPT});
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_int3_after));  // a trap: past the int3

  f = frame_at(amd64_ut_divide);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kArithmetic);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_DIV});
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_divide_insn));

  f = frame_at(amd64_ut_hlt);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kGeneralProtection);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_GPFLT});
  ST_CHECK_EQ(t.subcode, uint64_t{0});
  ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_hlt));

  // `int $0x80` meets a DPL 0 gate: #GP with the IDT entry in the error code.
  f = frame_at(amd64_ut_int80);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kGeneralProtection);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_GPFLT});
  // The SDM's error code is 0x80 * 8 + 2 (IDT entry 0x80); QEMU 7.2's TCG
  // gives 0x80 * 16 + 2. Either way an IDT reference (bit 1), not external.
  ST_CHECK_EQ(t.subcode & 3, uint64_t{2});
  ST_CHECK(t.subcode == 0x80 * 8 + 2 || t.subcode == 0x80 * 16 + 2);

  // SSE with the divide-by-zero exception unmasked: #XM, subcode MXCSR.
  // QEMU 7.2's TCG sets the flag but raises nothing: the program then runs
  // on to its int3, and the test can only see the flag.
  f = frame_at(amd64_ut_simd_fault);
  put64(f.xsave + kXmm0, 0x3FF0000000000000);  // 1.0
  put64(f.xsave + kXmm1, 0);
  put32(f.xsave + kMxcsr, 0x1f80 & ~0x200u);  // ZM clear
  t = us.run(f);
  if (t.kind == TrapKind::kArithmetic) {
    ST_CHECK_EQ(t.code, uint64_t{EXC_I386_EXTERR});
    ST_CHECK((t.subcode & 0x4) != 0);  // ZE
    ST_CHECK_EQ(Platform::frame_pc(f), at(amd64_ut_simd_fault));
  } else {
    ST_CHECK(t.kind == TrapKind::kBreakpoint);
    ST_CHECK((get64(f.xsave + kMxcsr) & 0x4) != 0);
  }

  // The same on the x87: #MF, subcode the status word.
  f = frame_at(amd64_ut_x87_fault);
  f.xsave[0] = 0x7b;  // FCW 0x37b: ZM clear
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kArithmetic);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_EXTERR});
  ST_CHECK((t.subcode & 0x4) != 0);  // ZE

  // TF set by the program itself: a single-step trap.
  f = frame_at(amd64_ut_single_step);
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_SGL});
  // run_user drops TF: the program runs on to its int3.
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_BPT});
}

UMACH_SELFTEST(amd64_user_sse_state_is_the_frames) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Frame f = frame_at(amd64_ut_sse);
  put64(f.xsave + kXmm0, 40);
  put64(f.xsave + kXmm0 + 8, 1000);
  put64(f.xsave + kXmm1, 2);
  put64(f.xsave + kXmm1 + 8, 3);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(get64(f.xsave + kXmm0), uint64_t{42});
  ST_CHECK_EQ(get64(f.xsave + kXmm0 + 8), uint64_t{1003});
}

// Every GPR and xmm0 survive preemptions (a spin loop the timer interrupts)
// and trap calls (a loop of syscalls): each round puts new values in the
// frame, so the values the next trap saves can only come from the CPU
// having loaded this round's.
UMACH_SELFTEST(amd64_user_state_survives_preemptions_and_traps) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  constexpr unsigned kRounds = 24;
  auto fill = [](Frame& f, unsigned round) {
    uint64_t* gprs = &f.r15;  // r15 .. rax, 15 words
    for (unsigned r = 0; r < 15; ++r) gprs[r] = pattern(r, round);
    put64(f.xsave + kXmm0, pattern(20, round));
    put64(f.xsave + kXmm0 + 8, pattern(21, round));
  };
  auto intact = [](const Frame& f, unsigned round, bool trap_call) {
    const uint64_t* gprs = &f.r15;
    for (unsigned r = 0; r < 15; ++r) {
      const bool clobbered = trap_call && (&gprs[r] == &f.rcx || &gprs[r] == &f.r11);
      if (!clobbered && gprs[r] != pattern(r, round)) return false;
    }
    return get64(f.xsave + kXmm0) == pattern(20, round) && get64(f.xsave + kXmm0 + 8) == pattern(21, round);
  };

  {
    TimerTakeover takeover;
    Frame f = frame_at(amd64_ut_spin);
    uint64_t count = 0;
    unsigned preempted = 0, ran = 0;
    for (unsigned round = 0; round < kRounds; ++round) {
      fill(f, round);
      Platform::timer_arm(Platform::clock_ns() + 300'000);
      TrapInfo t = Platform::run_user(f);
      ST_CHECK(t.kind == TrapKind::kPreempted);
      if (t.kind != TrapKind::kPreempted) break;
      ++preempted;
      ST_CHECK(intact(f, round, false));
      ST_CHECK(f.rip == at(amd64_ut_spin) || f.rip == at(amd64_ut_spin) + 3);
      ST_CHECK_EQ(f.rsp, kStackTop);
      uint64_t now = 0;
      ST_CHECK(Platform::copyin(&now, kStackTop, sizeof now));
      if (now > count) ++ran;
      count = now;
      sched::preemption_point();  // takes the tick, as the core will
      us.reload();
    }
    ST_CHECK_EQ(preempted, kRounds);
    ST_CHECK(ran >= kRounds - 2);  // the program ran between ticks (not turned back at the door)
    ST_CHECK_EQ(get64(us.stack() + (kStackTop - kStackVa)), count);
  }

  Frame f = frame_at(amd64_ut_syscall_loop);
  for (unsigned round = 0; round < kRounds; ++round) {
    fill(f, round);
    TrapInfo t = us.run(f);
    ST_CHECK(t.kind == TrapKind::kTrapCall);
    ST_CHECK(intact(f, round, true));
    ST_CHECK_EQ(f.rip, at(amd64_ut_syscall_loop_after));
    ST_CHECK_EQ(f.rcx, at(amd64_ut_syscall_loop_after));  // what syscall left there
  }
}

// User code has FS and GS bases of its own, and whatever it does to its
// segment registers, the kernel's GS base (the per-CPU pointer) is intact
// when it comes back.
// Two kernel threads take turns running user code (the same programs, each
// its own frame and registers): every trap lands on the kernel stack of the
// thread that ran it (amd64_user_trap asserts so) and each gets its own
// state back.
struct Runner {
  UserSpace* us;
  unsigned id;
  unsigned good_rounds = 0;
};
constexpr unsigned kRunnerRounds = 16;

void run_rounds(void* arg) {
  auto* r = static_cast<Runner*>(arg);
  Frame f = frame_at(amd64_ut_syscall_loop);
  for (unsigned round = 0; round < kRunnerRounds; ++round) {
    const unsigned seed = r->id * 1000 + round;
    f.rbx = pattern(1, seed);
    f.r12 = pattern(12, seed);
    f.rbp = pattern(8, seed);
    put64(f.xsave + kXmm0, pattern(20, seed));
    TrapInfo t = r->us->run(f);
    if (t.kind == TrapKind::kTrapCall && f.rbx == pattern(1, seed) && f.r12 == pattern(12, seed) &&
        f.rbp == pattern(8, seed) && get64(f.xsave + kXmm0) == pattern(20, seed))
      ++r->good_rounds;
    sched::thread_yield();
    r->us->reload();
  }
}

UMACH_SELFTEST(amd64_user_traps_land_on_the_running_threads_stack) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Runner a{&us, 1}, b{&us, 2};
  auto ta = sched::kernel_thread("user-a", run_rounds, &a);
  auto tb = sched::kernel_thread("user-b", run_rounds, &b);
  ST_CHECK(ta.ok() && tb.ok());
  if (ta.ok()) sched::thread_join(*ta.value());
  if (tb.ok()) sched::thread_join(*tb.value());
  us.reload();
  ST_CHECK_EQ(a.good_rounds, kRunnerRounds);
  ST_CHECK_EQ(b.good_rounds, kRunnerRounds);
}

UMACH_SELFTEST(amd64_user_fs_gs_bases_are_the_users_and_gs_stays_the_kernels) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  ST_CHECK(us.map_data(0, VM_PROT_READ));
  ST_CHECK(us.map_data(1, VM_PROT_READ));
  put64(us.data(0), 0xF5F5F5F5);
  put64(us.data(1), 0x65656565);
  Cpu* const cpu = Platform::current_cpu();
  Frame f = frame_at(amd64_ut_segments);
  f.fs_base = UserSpace::data_va(0);
  f.gs_base = UserSpace::data_va(1);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(f.rbx, uint64_t{0xF5F5F5F5});
  ST_CHECK_EQ(f.r12, uint64_t{0x65656565});
  ST_CHECK_EQ(f.fs_base, UserSpace::data_va(0));
  ST_CHECK_EQ(f.gs_base, UserSpace::data_va(1));
  ST_CHECK(Platform::current_cpu() == cpu && cpu->self == cpu);
  ST_CHECK_EQ(amd64::rdmsr(amd64::kMsrGsBase), reinterpret_cast<uint64_t>(cpu));

  t = us.run(f);  // after `mov %eax,%gs` and `mov %eax,%fs`
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(f.fs_base, uint64_t{0});  // the user data segment's base
  ST_CHECK(Platform::current_cpu() == cpu);
  ST_CHECK_EQ(amd64::rdmsr(amd64::kMsrGsBase), reinterpret_cast<uint64_t>(cpu));
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK(Platform::current_cpu() == cpu);
}

UMACH_SELFTEST(amd64_user_single_step_into_a_trap_call) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Frame f = frame_at(amd64_ut_step_syscall);
  TrapInfo t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK((f.rflags & 0x100) != 0);  // the user's TF, as syscall saved it in r11
  // run_user drops TF (frame_sanitise refuses it): the program runs on.
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_BPT});
}

// A tick already pending when run_user is called: kPreempted at once, the
// user code not run, the frame as it was.
UMACH_SELFTEST(amd64_user_pending_tick_preempts_before_entering) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Frame f = frame_at(amd64_ut_spin);
  f.rbx = 0xB0B;
  const uint64_t flags = amd64::save_and_disable_interrupts();
  cpu_timer_interrupt(this_cpu());  // as the timer's handler does
  amd64::restore_interrupts(flags);
  TrapInfo t = Platform::run_user(f);
  ST_CHECK(t.kind == TrapKind::kPreempted);
  ST_CHECK_EQ(f.rip, at(amd64_ut_spin));
  ST_CHECK_EQ(f.rbx, uint64_t{0xB0B});
  ST_CHECK_EQ(get64(us.stack() + (kStackTop - kStackVa)), uint64_t{0});  // the spin never counted
  sched::preemption_point();  // takes the tick
}

UMACH_SELFTEST(amd64_user_run_user_refuses_a_frame_it_cannot_return_to) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  Frame f = frame_at(amd64_ut_int3);
  f.rip = uint64_t{1} << 47;  // non-canonical: iretq would fault in ring 0
  TrapInfo t = Platform::run_user(f);
  ST_CHECK(t.kind == TrapKind::kGeneralProtection);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_GPFLT});
  // RFLAGS bits the user may not hold (IOPL 3, NT, TF) are dropped.
  f = frame_at(amd64_ut_int3);
  f.rflags = 0x3000 | 0x4000 | 0x100 | 0x1;
  t = us.run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_I386_BPT});
  ST_CHECK_EQ(f.rflags & 0x7300, uint64_t{0x200});
}

UMACH_SELFTEST(amd64_user_copyin_copyout_check_every_page) {
  UserSpace us(selftest_ctx);
  if (!us.ok()) return;
  // Four pages in a row: read/write, read/write, read-only, unmapped.
  ST_CHECK(us.map_data(0, kRW));
  ST_CHECK(us.map_data(1, kRW));
  ST_CHECK(us.map_data(2, VM_PROT_READ));

  uint8_t out[200], in[200];
  for (size_t i = 0; i < sizeof out; ++i) out[i] = static_cast<uint8_t>(i * 7 + 1);
  const uint64_t va = UserSpace::data_va(1) - 100;  // straddles pages 0 and 1
  ST_CHECK(Platform::copyout(va, out, sizeof out));
  for (size_t i = 0; i < 100; ++i) ST_CHECK_EQ(us.data(0)[kPage - 100 + i], out[i]);
  for (size_t i = 100; i < sizeof out; ++i) ST_CHECK_EQ(us.data(1)[i - 100], out[i]);
  ST_CHECK(Platform::copyin(in, va, sizeof in));
  for (size_t i = 0; i < sizeof in; ++i) ST_CHECK_EQ(in[i], out[i]);
  ST_CHECK(Platform::copyin(in, UserSpace::data_va(2) - 8, 16));  // read-only reads
  ST_CHECK(Platform::copyin(in, 0, 0));                           // nothing to copy
  ST_CHECK(Platform::copyout(0, out, 0));

  // Refused, and nothing copied.
  for (size_t i = 0; i < sizeof in; ++i) in[i] = 0xEE;
  ST_CHECK(!Platform::copyin(in, UserSpace::data_va(3), 8));             // unmapped
  ST_CHECK(!Platform::copyin(in, UserSpace::data_va(3) - 8, 16));        // runs into an unmapped page
  ST_CHECK(!Platform::copyin(in, kKernelAddress, 8));                    // the kernel's
  ST_CHECK(!Platform::copyin(in, Mmu::kUserMin - 8, 16));                // starts below the user range
  ST_CHECK(!Platform::copyin(in, Mmu::kUserMax - 8, 16));                // ends above it
  ST_CHECK(!Platform::copyin(in, ~uint64_t{0} - 8, 64));                 // wraps around
  ST_CHECK(!Platform::copyin(in, va, ~size_t{0}));                       // wraps around
  for (size_t i = 0; i < sizeof in; ++i) ST_CHECK_EQ(in[i], uint8_t{0xEE});
  ST_CHECK(!Platform::copyout(UserSpace::data_va(2), out, 8));           // read-only
  ST_CHECK_EQ(get64(us.data(2)), uint64_t{0});
  ST_CHECK(!Platform::copyout(UserSpace::data_va(2) - 8, out, 16));      // half of it read-only
  ST_CHECK_EQ(get64(us.data(1) + kPage - 8), uint64_t{0});              // no partial copy
  ST_CHECK(!Platform::copyout(UserSpace::data_va(3), out, 8));           // unmapped
  ST_CHECK(!Platform::copyout(kKernelAddress, out, 8));
  ST_CHECK(!Platform::copyout(~uint64_t{0} - 8, out, 64));
}

UMACH_SELFTEST(amd64_user_frame_sanitise_refuses_garbage) {
  Frame good;
  Platform::frame_init(good, kCodeVa, kStackTop, 1, 2, 3);
  ST_CHECK_EQ(good.rflags, uint64_t{0x202});
  ST_CHECK_EQ(good.xsave[0] | good.xsave[1] << 8, 0x37f);
  ST_CHECK_EQ(good.xsave[24] | good.xsave[25] << 8, 0x1f80);
  ST_CHECK(good.rdi == 1 && good.rsi == 2 && good.rdx == 3);
  Frame f = good;
  ST_CHECK(Platform::frame_sanitise(f));

  f = good;
  f.rflags = 0x8D5;  // the arithmetic flags and DF, IF and bit 1 missing: normalised
  ST_CHECK(Platform::frame_sanitise(f));
  ST_CHECK_EQ(f.rflags, uint64_t{0x8D5 | 0x202});

  const uint64_t bad_flags[] = {0x100 /* TF */, 0x3000 /* IOPL */, 0x4000 /* NT */, 0x40000 /* AC */,
                                0x20000 /* VM */, 0x200000 /* ID */, uint64_t{1} << 40};
  for (uint64_t bad : bad_flags) {
    f = good;
    f.rflags |= bad;
    ST_CHECK(!Platform::frame_sanitise(f));
  }
  const uint64_t bad_pcs[] = {uint64_t{1} << 47, 0xFFFF'8000'0000'0000, kKernelAddress, 0, Mmu::kUserMax};
  for (uint64_t bad : bad_pcs) {
    f = good;
    f.rip = bad;
    ST_CHECK(!Platform::frame_sanitise(f));
    f = good;
    f.rsp = bad == Mmu::kUserMax ? bad + 8 : bad;
    ST_CHECK(!Platform::frame_sanitise(f));
  }
  f = good;
  f.rsp = Mmu::kUserMax;  // an empty stack at the very top is fine
  ST_CHECK(Platform::frame_sanitise(f));
  f = good;
  f.fs_base = uint64_t{1} << 63;
  ST_CHECK(!Platform::frame_sanitise(f));
  f = good;
  f.gs_base = 0x0000'8000'0000'0000;
  ST_CHECK(!Platform::frame_sanitise(f));
  f = good;
  put32(f.xsave + kMxcsr, 0x1f80 | 0x80000000u);  // a reserved MXCSR bit
  ST_CHECK(!Platform::frame_sanitise(f));
}

}  // namespace umach
