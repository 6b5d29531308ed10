// platform/baremetal/riscv64/user_selftests.cc: self-tests of user mode
// (user.cc, user_entry.S).
//
// Each test builds a small address space (UserSpace): a pmap whose code
// page holds one of the programs of user_selftests_code.S and whose two
// stack pages follow, loaded on this hart, and drives the program with
// run_user as the core will: trap calls, faults resolved by mapping, state
// kept exactly across traps and timer preemptions. A tick may preempt any
// run; the tests that do not expect one take it at a preemption point and
// run again, as the core does. Every test gives its pages back and loads
// the kernel's root before it ends (the harness audits pages).
#include <mach/exception.h>
#include <mach/vm_prot.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/selftest.h"
#include "platform/baremetal/riscv64/csr.h"
#include "platform/baremetal/riscv64/pmap.h"

extern "C" {
extern const char riscv64_user_trap_call[], riscv64_user_trap_call_resumed[], riscv64_user_trap_call_end[];
extern const char riscv64_user_load[], riscv64_user_load_end[];
extern const char riscv64_user_store[], riscv64_user_store_end[];
extern const char riscv64_user_jump[], riscv64_user_jump_end[];
extern const char riscv64_user_illegal[], riscv64_user_illegal_at[], riscv64_user_illegal_end[];
extern const char riscv64_user_breakpoints[], riscv64_user_breakpoints_second[], riscv64_user_breakpoints_after[],
    riscv64_user_breakpoints_end[];
extern const char riscv64_user_misaligned[], riscv64_user_misaligned_end[];
extern const char riscv64_user_spin[], riscv64_user_spin_end[];
extern const char riscv64_user_spin_trap[], riscv64_user_spin_trap_resumed[], riscv64_user_spin_trap_end[];
}

namespace umach {
namespace {

using riscv64::Mmu;
using Frame = Platform::UserFrame;

constexpr uint64_t kPage = Platform::kPageSize;
constexpr uint64_t kCodeVa = Mmu::kUserMin + 0x10000;
constexpr uint64_t kStackVa = Mmu::kUserMin + 0x20000;  // two pages
constexpr uint64_t kStackTop = kStackVa + 2 * kPage;
constexpr uint64_t kDataVa = Mmu::kUserMin + 0x40000;  // mapped only by the tests that say so
constexpr unsigned kRW = VM_PROT_READ | VM_PROT_WRITE;
constexpr unsigned kRX = VM_PROT_READ | VM_PROT_EXECUTE;
constexpr uint64_t kMs = 1'000'000;

// The firmware's own RAM (OpenSBI keeps the start of RAM, 0x80000000, and
// closes it to S- and U-mode with PMP): a user page mapped there faults
// with an access fault, not a page fault.
constexpr paddr_t kFirmwarePage = 0x8000'0000;

uint64_t pattern(unsigned i) { return 0x9E3779B97F4A7C15 * (i + 1) ^ 0x00C0FFEE00000000; }
uint64_t fp_pattern(unsigned i) { return 0x3FF0000000000000 + (uint64_t{i} << 44) + i * 0x1111; }

// A user address space for one test, loaded on this hart while it lives.
class UserSpace {
 public:
  UserSpace(const char* begin, const char* end) : begin_(begin) {
    pmap_ = Platform::pmap_create(nullptr);
    if (!pmap_) return;
    paddr_t code = map_page(kCodeVa, kRX);
    if (code == kNoPhys || !map_page(kStackVa, kRW) || !map_page(kStackVa + kPage, kRW)) return;
    __builtin_memcpy(Platform::phys_to_virt(code), begin, static_cast<size_t>(end - begin));
    // Instruction fetches must see the stores just made (Zifencei).
    __asm__ __volatile__("fence.i" ::: "memory");
    riscv64::pmap_activate(pmap_);
    ok_ = true;
  }
  ~UserSpace() {
    riscv64::pmap_activate(nullptr);
    if (pmap_) Platform::pmap_destroy(pmap_);
    for (unsigned i = 0; i < count_; ++i) page_allocator().free(pages_[i]);
  }
  UserSpace(const UserSpace&) = delete;
  UserSpace& operator=(const UserSpace&) = delete;

  bool ok() const { return ok_; }
  baremetal::Pmap& pmap() { return *pmap_; }
  // The user address of a label of the program.
  uint64_t at(const char* label) const { return kCodeVa + static_cast<uint64_t>(label - begin_); }

  // Maps a fresh zero page of this space's own at va; its physical address,
  // or kNoPhys.
  paddr_t map_page(uint64_t va, unsigned prot) {
    if (count_ == kMaxPages) return kNoPhys;
    Result<paddr_t> pa = page_allocator().alloc_zeroed();
    if (!pa.ok()) return kNoPhys;
    pages_[count_++] = pa.value();
    if (!Platform::pmap_enter(*pmap_, va, pa.value(), prot, prot)) return kNoPhys;
    return pa.value();
  }

 private:
  static constexpr unsigned kMaxPages = 6;
  const char* begin_;
  baremetal::Pmap* pmap_ = nullptr;
  paddr_t pages_[kMaxPages] = {};
  unsigned count_ = 0;
  bool ok_ = false;
};

// Runs until a trap other than a preemption, taking ticks as the core does.
TrapInfo run(Frame& f) {
  for (;;) {
    TrapInfo t = Platform::run_user(f);
    if (t.kind != TrapKind::kPreempted) return t;
    sched::preemption_point();
  }
}

// A fresh frame at `pc` with a0 and a1, run to its first trap.
TrapInfo first_trap(Frame& f, uint64_t pc, uint64_t a0, uint64_t a1 = 0) {
  Platform::frame_init(f, pc, kStackTop, a0, a1, 0);
  return run(f);
}

uint64_t* direct(paddr_t pa) { return static_cast<uint64_t*>(Platform::phys_to_virt(pa)); }

// A kernel datum user code must not reach.
volatile uint64_t g_kernel_secret = 0x5EC12E7;

}  // namespace

// A fresh frame runs; seven register arguments and the stack argument reach
// the kernel; the return value set there is what user code sees; the FP
// state, which the program does not touch, survives; the hart comes back
// in the kernel's state (interrupts on, sscratch 0, FP off).
UMACH_SELFTEST(riscv64_user_trap_call_passes_arguments_and_returns) {
  UserSpace u(riscv64_user_trap_call, riscv64_user_trap_call_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  Platform::frame_init(f, u.at(riscv64_user_trap_call), kStackTop - 16, 1, 2, 3);
  for (unsigned i = 0; i < 32; ++i) f.f[i] = fp_pattern(i);
  f.fcsr = 0x41;  // round down, inexact
  TrapInfo t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK(riscv64::interrupts_enabled());
  ST_CHECK_EQ(riscv64::read_sscratch(), uint64_t{0});
  ST_CHECK_EQ(riscv64::read_sstatus() & riscv64::kSstatusFs, uint64_t{0});  // FP Off
  ST_CHECK_EQ(Platform::frame_trap_number(f), int64_t{25});
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_trap_call_resumed));
  ST_CHECK_EQ(Platform::frame_sp(f), kStackTop - 16);
  const uint64_t expected[Platform::kTrapRegisterArgs] = {0x1010101010101010, 0x2121212121212121, 0x3232323232323232,
                                                          0x4343434343434343, 0x5454545454545454, 0x6565656565656565,
                                                          0x7676767676767676};
  for (unsigned i = 0; i < Platform::kTrapRegisterArgs; ++i) ST_CHECK_EQ(Platform::frame_trap_arg(f, i), expected[i]);
  uint64_t stack_arg = 0;
  ST_CHECK(Platform::copyin(&stack_arg, Platform::frame_trap_stack_args(f), sizeof stack_arg));
  ST_CHECK_EQ(stack_arg, uint64_t{0x8787878787878787});
  // frame_init's zeros, where the program wrote nothing.
  const unsigned untouched[] = {1, 3, 4, 6, 7, 8, 9, 18, 27, 28, 31};  // ra, gp, tp, t1, t2, s0, s1, s2, s11, t3, t6
  for (unsigned i : untouched) ST_CHECK_EQ(f.x[i], uint64_t{0});
  for (unsigned i = 0; i < 32; ++i) ST_CHECK_EQ(f.f[i], fp_pattern(i));
  ST_CHECK_EQ(f.fcsr, uint64_t{0x41});

  Platform::frame_set_return(f, 0xC0FFEE);
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(Platform::frame_trap_number(f), int64_t{26});
  ST_CHECK_EQ(Platform::frame_trap_arg(f, 1), uint64_t{0xC0FFEE});
}

// A load from an unmapped page faults with its address; mapping the page
// and running the same frame again completes the load.
UMACH_SELFTEST(riscv64_user_page_fault_resolved_by_mapping_resumes) {
  UserSpace u(riscv64_user_load, riscv64_user_load_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  TrapInfo t = first_trap(f, u.at(riscv64_user_load), kDataVa + 0x18);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK(t.access == Access::kRead);
  ST_CHECK_EQ(t.address, kDataVa + 0x18);
  ST_CHECK_EQ(t.code, uint64_t{13});
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_load));

  paddr_t pa = u.map_page(kDataVa, VM_PROT_READ);
  ST_CHECK(pa != kNoPhys);
  if (pa == kNoPhys) return;
  direct(pa)[3] = 0x5EED5EED;
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(Platform::frame_trap_number(f), int64_t{1});
  ST_CHECK_EQ(f.x[11], uint64_t{0x5EED5EED});
}

// A store to a read-only page is a write fault; once the page is writable
// the store completes. A store to no page at all is a write fault too.
UMACH_SELFTEST(riscv64_user_store_to_read_only_page_faults) {
  UserSpace u(riscv64_user_store, riscv64_user_store_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  paddr_t pa = u.map_page(kDataVa, VM_PROT_READ);
  ST_CHECK(pa != kNoPhys);
  if (pa == kNoPhys) return;
  Frame f;
  TrapInfo t = first_trap(f, u.at(riscv64_user_store), kDataVa + 8, 0xABCD);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK(t.access == Access::kWrite);
  ST_CHECK_EQ(t.address, kDataVa + 8);
  ST_CHECK_EQ(t.code, uint64_t{15});
  ST_CHECK_EQ(direct(pa)[1], uint64_t{0});

  ST_CHECK(Platform::pmap_enter(u.pmap(), kDataVa, pa, kRW, VM_PROT_WRITE));
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(direct(pa)[1], uint64_t{0xABCD});

  t = first_trap(f, u.at(riscv64_user_store), kDataVa + kPage, 1);
  ST_CHECK(t.kind == TrapKind::kPageFault);
  ST_CHECK(t.access == Access::kWrite);
  ST_CHECK_EQ(t.address, kDataVa + kPage);
}

// A jump to an unmapped page, or to one without execute, is an execute
// fault at the target.
UMACH_SELFTEST(riscv64_user_jump_to_non_executable_page_faults) {
  UserSpace u(riscv64_user_jump, riscv64_user_jump_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  for (unsigned mapped = 0; mapped < 2; ++mapped) {
    if (mapped) ST_CHECK(u.map_page(kDataVa, kRW) != kNoPhys);
    Frame f;
    TrapInfo t = first_trap(f, u.at(riscv64_user_jump), kDataVa + 0x40);
    ST_CHECK(t.kind == TrapKind::kPageFault);
    ST_CHECK(t.access == Access::kExecute);
    ST_CHECK_EQ(t.address, kDataVa + 0x40);
    ST_CHECK_EQ(t.code, uint64_t{12});
    ST_CHECK_EQ(Platform::frame_pc(f), kDataVa + 0x40);
  }
}

// The kernel's pages (no U bit) and addresses past the user range fault
// like unmapped ones: reads, writes and jumps.
UMACH_SELFTEST(riscv64_user_kernel_addresses_fault) {
  const uint64_t kernel_data = reinterpret_cast<uintptr_t>(&g_kernel_secret);
  const uint64_t kernel_text = reinterpret_cast<uintptr_t>(&pattern);
  {
    UserSpace u(riscv64_user_load, riscv64_user_load_end);
    ST_CHECK(u.ok());
    if (!u.ok()) return;
    const uint64_t addresses[] = {kernel_data, Mmu::kUserMax, Mmu::kUserMin - 8, ~uint64_t{0} - 7};
    for (uint64_t address : addresses) {
      Frame f;
      TrapInfo t = first_trap(f, u.at(riscv64_user_load), address);
      ST_CHECK(t.kind == TrapKind::kPageFault);
      ST_CHECK(t.access == Access::kRead);
      ST_CHECK_EQ(t.address, address);
      ST_CHECK_EQ(f.x[11], uint64_t{0});
    }
  }
  {
    UserSpace u(riscv64_user_store, riscv64_user_store_end);
    ST_CHECK(u.ok());
    if (!u.ok()) return;
    Frame f;
    TrapInfo t = first_trap(f, u.at(riscv64_user_store), kernel_data, 0xBAD);
    ST_CHECK(t.kind == TrapKind::kPageFault);
    ST_CHECK(t.access == Access::kWrite);
    ST_CHECK_EQ(t.address, kernel_data);
    ST_CHECK_EQ(g_kernel_secret, uint64_t{0x5EC12E7});
  }
  {
    UserSpace u(riscv64_user_jump, riscv64_user_jump_end);
    ST_CHECK(u.ok());
    if (!u.ok()) return;
    Frame f;
    TrapInfo t = first_trap(f, u.at(riscv64_user_jump), kernel_text);
    ST_CHECK(t.kind == TrapKind::kPageFault);
    ST_CHECK(t.access == Access::kExecute);
    ST_CHECK_EQ(t.address, kernel_text);
  }
}

// A user page over memory the hart's PMP closes is an access fault (scause
// 1, 5, 7), reported as a page fault of the same access. The load goes
// first: firmware whose PMP left the page open must not be written or run.
UMACH_SELFTEST(riscv64_user_access_fault_is_a_page_fault) {
  struct {
    const char* begin;
    const char* end;
    Access access;
    uint64_t scause;
  } cases[] = {{riscv64_user_load, riscv64_user_load_end, Access::kRead, 5},
               {riscv64_user_store, riscv64_user_store_end, Access::kWrite, 7},
               {riscv64_user_jump, riscv64_user_jump_end, Access::kExecute, 1}};
  for (const auto& c : cases) {
    UserSpace u(c.begin, c.end);
    ST_CHECK(u.ok());
    if (!u.ok()) return;
    ST_CHECK(Platform::pmap_enter(u.pmap(), kDataVa, kFirmwarePage, VM_PROT_ALL, VM_PROT_READ));
    Frame f;
    TrapInfo t = first_trap(f, u.at(c.begin), kDataVa + 0x10, 1);
    ST_CHECK(t.kind == TrapKind::kPageFault);
    ST_CHECK(t.access == c.access);
    ST_CHECK_EQ(t.address, kDataVa + 0x10);
    ST_CHECK_EQ(t.code, c.scause);
    if (selftest_ctx.failed()) return;
  }
}

// A supervisor CSR access is an illegal instruction whose subcode is the
// instruction; stepping over it, the program goes on.
UMACH_SELFTEST(riscv64_user_illegal_instruction) {
  UserSpace u(riscv64_user_illegal, riscv64_user_illegal_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  uint32_t insn;
  __builtin_memcpy(&insn, riscv64_user_illegal_at, sizeof insn);
  Frame f;
  TrapInfo t = first_trap(f, u.at(riscv64_user_illegal), 0x1234);
  ST_CHECK(t.kind == TrapKind::kIllegalInstruction);
  ST_CHECK_EQ(t.code, uint64_t{EXC_RISCV64_ILLEGAL});
  ST_CHECK_EQ(t.subcode, uint64_t{insn});
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_illegal_at));
  Platform::frame_set_pc(f, Platform::frame_pc(f) + 4);
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
  ST_CHECK_EQ(f.x[10], uint64_t{0x1234});  // the csrr never wrote a0
}

// ebreak and c.ebreak are breakpoints that leave the pc past themselves, so
// running on continues after them.
UMACH_SELFTEST(riscv64_user_breakpoints_step_past) {
  UserSpace u(riscv64_user_breakpoints, riscv64_user_breakpoints_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  TrapInfo t = first_trap(f, u.at(riscv64_user_breakpoints), 0);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(t.code, uint64_t{EXC_RISCV64_BREAKPOINT});
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_breakpoints_second));
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_breakpoints) + 4);
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kBreakpoint);
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_breakpoints_after));
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_breakpoints_second) + 2);
  t = run(f);
  ST_CHECK(t.kind == TrapKind::kTrapCall);
}

// A misaligned atomic is refused by the hart: EXC_RISCV64_MISALIGNED with
// the address, and the memory is untouched.
UMACH_SELFTEST(riscv64_user_misaligned_atomic_is_refused) {
  UserSpace u(riscv64_user_misaligned, riscv64_user_misaligned_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  paddr_t pa = u.map_page(kDataVa, kRW);
  ST_CHECK(pa != kNoPhys);
  if (pa == kNoPhys) return;
  Frame f;
  TrapInfo t = first_trap(f, u.at(riscv64_user_misaligned), kDataVa + 4, 1);
  ST_CHECK(t.kind == TrapKind::kBadAccess);
  ST_CHECK_EQ(t.code, uint64_t{EXC_RISCV64_MISALIGNED});
  ST_CHECK_EQ(t.subcode, kDataVa + 4);
  ST_CHECK_EQ(Platform::frame_pc(f), u.at(riscv64_user_misaligned));
  ST_CHECK_EQ(direct(pa)[0] | direct(pa)[1], uint64_t{0});
}

namespace {

// Every register of a frame holds its pattern, but s11 (x27, the
// program's counter), f31 (its copy of it) and the pc.
void fill_patterns(Frame& f, uint64_t pc) {
  for (unsigned i = 1; i < 32; ++i) f.x[i] = pattern(i);
  for (unsigned i = 0; i < 32; ++i) f.f[i] = fp_pattern(i);
  f.x[27] = 1000;
  f.f[31] = 1000;
  f.fcsr = 0x21;  // round toward zero, inexact
  f.pc = pc;
}

bool holds_patterns(const Frame& f) {
  for (unsigned i = 1; i < 32; ++i)
    if (i != 27 && f.x[i] != pattern(i)) return false;
  for (unsigned i = 0; i < 31; ++i)
    if (f.f[i] != fp_pattern(i)) return false;
  return f.fcsr == 0x21;
}

}  // namespace

// A loop that never traps is preempted by the timer, again and again, with
// every register (sp, gp and tp included) and the FP state exact: the
// counter in s11 and its copy in f31 agree (f31 lags by one when the tick
// fell between the two instructions).
UMACH_SELFTEST(riscv64_user_spin_is_preempted_with_state_intact) {
  UserSpace u(riscv64_user_spin, riscv64_user_spin_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  fill_patterns(f, u.at(riscv64_user_spin));
  constexpr unsigned kPreemptions = 40;
  unsigned preemptions = 0;
  const uint64_t give_up = Platform::clock_ns() + 10'000 * kMs;
  while (preemptions < kPreemptions && Platform::clock_ns() < give_up) {
    Platform::timer_arm(Platform::clock_ns() + kMs);
    TrapInfo t = Platform::run_user(f);
    ST_CHECK(t.kind == TrapKind::kPreempted);
    if (t.kind != TrapKind::kPreempted) break;
    ++preemptions;
    ST_CHECK(holds_patterns(f));
    ST_CHECK(f.pc >= u.at(riscv64_user_spin) && f.pc < u.at(riscv64_user_spin_end));
    ST_CHECK(f.f[31] == f.x[27] || f.f[31] + 1 == f.x[27]);
    if (selftest_ctx.failed()) break;  // one report, not one per tick
    sched::preemption_point();
  }
  ST_CHECK_EQ(preemptions, kPreemptions);
  ST_CHECK(f.x[27] > 1000 + kPreemptions);  // the loop really ran
}

// The same state through many trap calls, with any preemption that comes
// on the way: each call counts exactly once.
UMACH_SELFTEST(riscv64_user_state_survives_many_trap_calls) {
  UserSpace u(riscv64_user_spin_trap, riscv64_user_spin_trap_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  fill_patterns(f, u.at(riscv64_user_spin_trap));
  constexpr unsigned kCalls = 2000;
  unsigned calls = 0;
  bool exact = true;
  while (calls < kCalls) {
    TrapInfo t = run(f);
    ST_CHECK(t.kind == TrapKind::kTrapCall);
    if (t.kind != TrapKind::kTrapCall) break;
    ++calls;
    exact = exact && holds_patterns(f) && f.x[27] == 1000 + calls && f.f[31] == f.x[27] &&
            f.pc == u.at(riscv64_user_spin_trap_resumed) &&
            Platform::frame_trap_number(f) == -static_cast<int64_t>(pattern(17));
  }
  ST_CHECK(exact);
  ST_CHECK_EQ(calls, kCalls);
}

// A tick that arrived in the kernel before the call is taken at once: the
// user code does not run at all.
UMACH_SELFTEST(riscv64_user_pending_tick_preempts_before_entry) {
  UserSpace u(riscv64_user_spin, riscv64_user_spin_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  fill_patterns(f, u.at(riscv64_user_spin));
  this_cpu().timer_fired.fetch_add(1);
  TrapInfo t = Platform::run_user(f);
  ST_CHECK(t.kind == TrapKind::kPreempted);
  ST_CHECK(riscv64::interrupts_enabled());
  ST_CHECK_EQ(f.x[27], uint64_t{1000});
  ST_CHECK_EQ(f.pc, u.at(riscv64_user_spin));
  sched::preemption_point();
}

// User code takes interrupts even when run_user's caller had them off (sret
// enables them for U-mode), and run_user gives the caller its state back.
UMACH_SELFTEST(riscv64_user_takes_ticks_when_the_caller_had_interrupts_off) {
  UserSpace u(riscv64_user_spin, riscv64_user_spin_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  Frame f;
  fill_patterns(f, u.at(riscv64_user_spin));
  // A tick pending from before returns without running; a few tries.
  for (unsigned attempt = 0; attempt < 10 && f.x[27] == 1000; ++attempt) {
    sched::preemption_point();
    riscv64::interrupts_disable();
    Platform::timer_arm(Platform::clock_ns() + kMs);
    TrapInfo t = Platform::run_user(f);
    ST_CHECK(!riscv64::interrupts_enabled());
    riscv64::interrupts_enable();
    ST_CHECK(t.kind == TrapKind::kPreempted);
  }
  ST_CHECK(f.x[27] > 1000);
  ST_CHECK(holds_patterns(f));
  sched::preemption_point();
}

// copyin and copyout move bytes across pages of the loaded pmap and refuse
// any range with a byte that is unmapped, the kernel's, past the user
// range, wrapping, or (copyout) read-only; execute-only pages cannot be
// read.
UMACH_SELFTEST(riscv64_user_copyin_copyout_check_every_page) {
  UserSpace u(riscv64_user_load, riscv64_user_load_end);
  ST_CHECK(u.ok());
  if (!u.ok()) return;
  const paddr_t exec_only = u.map_page(kDataVa, VM_PROT_EXECUTE);
  ST_CHECK(exec_only != kNoPhys);

  char out[64], in[64] = {};
  for (unsigned i = 0; i < sizeof out; ++i) out[i] = static_cast<char>(i * 7 + 1);
  const uint64_t across = kStackVa + kPage - 20;  // straddles the two stack pages
  ST_CHECK(Platform::copyout(across, out, sizeof out));
  ST_CHECK(Platform::copyin(in, across, sizeof in));
  ST_CHECK(__builtin_memcmp(in, out, sizeof in) == 0);
  ST_CHECK(Platform::copyin(in, kCodeVa, 8));  // read-only reads
  ST_CHECK(__builtin_memcmp(in, riscv64_user_load, 8) == 0);
  ST_CHECK(Platform::copyin(in, 0, 0));       // nothing to copy
  ST_CHECK(Platform::copyout(0, out, 0));

  const uint64_t kernel = reinterpret_cast<uintptr_t>(&g_kernel_secret);
  const struct {
    uint64_t address;
    size_t size;
  } refused[] = {
      {kDataVa + kPage, 8},                      // unmapped
      {kStackTop - 8, 16},                       // runs into an unmapped page
      {kStackVa - 4, 8},                         // starts in one
      {kernel, 8},                               // the kernel's
      {Mmu::kUserMin - 8, 16},                   // from below the range into it
      {Mmu::kUserMax - 8, 16},                   // out of the top
      {Mmu::kUserMax, 8},
      {~uint64_t{0} - 3, 8},                     // wraps
      {kStackVa, ~size_t{0}},                    // wraps
      {kDataVa, 8},                              // execute-only
  };
  for (const auto& r : refused) {
    ST_CHECK(!Platform::copyin(in, r.address, r.size));
    ST_CHECK(!Platform::copyout(r.address, out, r.size));
  }
  ST_CHECK(!Platform::copyout(kCodeVa, out, 8));  // read-only
  ST_CHECK_EQ(g_kernel_secret, uint64_t{0x5EC12E7});
}

// frame_init makes a fresh frame (all zero but pc, sp and a0-a2); then
// frame_sanitise takes a frame a user could have made (clearing x0) and
// refuses a pc or sp outside the user range, an odd pc, and fcsr bits that
// do not exist.
UMACH_SELFTEST(riscv64_user_frame_init_and_sanitise) {
  Frame good;
  Platform::frame_init(good, kCodeVa, kStackTop, 1, 2, 3);
  for (unsigned i = 0; i < 32; ++i) {
    const uint64_t expected = i == 2 ? kStackTop : (i >= 10 && i <= 12) ? i - 9 : 0;  // sp, a0-a2
    ST_CHECK_EQ(good.x[i], expected);
    ST_CHECK_EQ(good.f[i], uint64_t{0});
  }
  ST_CHECK_EQ(good.fcsr, uint64_t{0});
  ST_CHECK_EQ(good.pc, kCodeVa);
  good.fcsr = 0x9f;  // round up (4, RMM), every flag
  Frame f = good;
  f.x[0] = 0xDEAD;
  ST_CHECK(Platform::frame_sanitise(f));
  ST_CHECK_EQ(f.x[0], uint64_t{0});
  f = good;
  Platform::frame_set_sp(f, Mmu::kUserMax);  // an empty stack at the top
  ST_CHECK(Platform::frame_sanitise(f));
  f = good;
  f.fcsr = 7 << 5;  // a reserved rounding mode: user code can set one (fsrm)
  ST_CHECK(Platform::frame_sanitise(f));
  ST_CHECK_EQ(f.fcsr, uint64_t{7 << 5});

  struct Bad {
    uint64_t pc, sp, fcsr;
  } bad[] = {
      {0x80200000, kStackTop, 0},            // pc in the kernel
      {Mmu::kUserMax, kStackTop, 0},         // pc past the range
      {Mmu::kUserMin - 2, kStackTop, 0},     // pc below it
      {~uint64_t{0} & ~uint64_t{1}, kStackTop, 0},
      {kCodeVa + 1, kStackTop, 0},           // odd pc
      {kCodeVa, 0, 0},                       // sp
      {kCodeVa, Mmu::kUserMax + 8, 0},
      {kCodeVa, 0x80200000, 0},
      {kCodeVa, kStackTop, 0x100},           // beyond frm
      {kCodeVa, kStackTop, uint64_t{1} << 63},
      {kCodeVa, kStackTop, ~uint64_t{0}},
  };
  for (const Bad& b : bad) {
    f = good;
    Platform::frame_set_pc(f, b.pc);
    Platform::frame_set_sp(f, b.sp);
    f.fcsr = b.fcsr;
    ST_CHECK(!Platform::frame_sanitise(f));
  }
}

}  // namespace umach
