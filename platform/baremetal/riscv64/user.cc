// platform/baremetal/riscv64/user.cc: user mode on riscv64 (the contract's
// UserMode, core/platform/user_mode.h): run_user and what it makes of a
// trap, the user copies, fresh and sanitised frames.
//
// The frame layout and the entry and exit path are in user_frame.h and
// user_entry.S. run_user returns, by scause of the trap taken in U-mode:
//   8  ecall                  kTrapCall, pc past the ecall (4 bytes)
//   12, 13, 15 page faults    kPageFault, access execute, read, write;
//   1, 5, 7 access faults       address stval, code scause
//   2  illegal instruction    kIllegalInstruction, EXC_RISCV64_ILLEGAL,
//                             subcode the instruction bits (stval; 0 where
//                             the hart does not report them)
//   3  breakpoint             kBreakpoint, EXC_RISCV64_BREAKPOINT, pc past
//                             the ebreak (4 bytes) or c.ebreak (2), as x86
//                             leaves it past int3
//   0, 4, 6 misaligned        kBadAccess, EXC_RISCV64_MISALIGNED, subcode
//                             the address (<mach/exception.h> files the
//                             code under EXC_BAD_ACCESS)
//   any interrupt             kPreempted, after the timer's handler ran
//   anything else             kIllegalInstruction, EXC_RISCV64_ILLEGAL,
//                             subcode stval
// Traps taken in S-mode never come here: they stay trap.cc's (fatal, but
// the timer and breakpoints).
//
// The user copies never fault: they walk the page tables in satp (the
// loaded pmap's; common/page_table.h) and copy through the identity direct
// map, page by page, so an unmapped or forbidden byte is a `false`, not a
// trap, and sstatus.SUM is never needed.
#include <mach/exception.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cpu.h"
#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/platform/platform.h"
#include "platform/baremetal/riscv64/csr.h"
#include "platform/baremetal/riscv64/pmap.h"
#include "platform/baremetal/riscv64/timer.h"
#include "platform/baremetal/riscv64/user_frame.h"

// user_entry.S: resumes the user state in ue->frame on the calling hart and
// returns when user code traps, ue->scause and ue->stval saying why. Called
// with interrupts off; returns with them off and sstatus.FS Off.
extern "C" void riscv64_enter_user(umach::riscv64::UserEntry* ue);

namespace umach::riscv64 {
namespace {

// user_entry.S's offsets against the real layouts.
static_assert(offsetof(UserFrame, x) == UMACH_RV_UF_X(0) && offsetof(UserFrame, pc) == UMACH_RV_UF_PC &&
                  offsetof(UserFrame, f) == UMACH_RV_UF_F(0) && offsetof(UserFrame, fcsr) == UMACH_RV_UF_FCSR &&
                  sizeof(UserFrame) == UMACH_RV_UF_SIZE,
              "user_frame.h's UserFrame offsets");
static_assert(offsetof(UserEntry, frame) == UMACH_RV_UE_FRAME &&
                  offsetof(UserEntry, kernel_sp) == UMACH_RV_UE_KERNEL_SP &&
                  offsetof(UserEntry, kernel_tp) == UMACH_RV_UE_KERNEL_TP &&
                  offsetof(UserEntry, scratch) == UMACH_RV_UE_SCRATCH &&
                  offsetof(UserEntry, scause) == UMACH_RV_UE_SCAUSE && offsetof(UserEntry, stval) == UMACH_RV_UE_STVAL,
              "user_frame.h's UserEntry offsets");

using Tables = baremetal::PageTables<Mmu>;
constexpr uint64_t kPage = Platform::kPageSize;

// scause exception codes (privileged spec, "Supervisor Cause Register").
enum Exception : uint64_t {
  kInstructionMisaligned = 0,
  kInstructionAccessFault = 1,
  kIllegalInstruction = 2,
  kBreakpoint = 3,
  kLoadMisaligned = 4,
  kLoadAccessFault = 5,
  kStoreMisaligned = 6,
  kStoreAccessFault = 7,
  kEcallFromU = 8,
  kInstructionPageFault = 12,
  kLoadPageFault = 13,
  kStorePageFault = 15,
};

constexpr unsigned kA0 = 10, kSp = 2;
constexpr uint64_t kFcsrValid = 0xff;  // fflags (4:0) and frm (7:5)

bool user_range_ok(uint64_t addr, size_t n) {
  return addr >= Mmu::kUserMin && addr < Mmu::kUserMax && n <= Mmu::kUserMax - addr;
}

// The direct-map address of the user byte at va in the loaded tables, if
// its page is a valid user page with every bit of `need`; else null. The
// kernel's use of the page is the task's: it sets A, as the walker would
// (pageout's referenced bit, pmap.h).
uint8_t* user_byte(uint64_t va, Mmu::Pte need) {
  Mmu::Pte* e = Tables::find(pmap_loaded_root(), va & ~(kPage - 1));
  if (!e) return nullptr;
  const Mmu::Pte pte = __atomic_load_n(e, __ATOMIC_RELAXED);
  need |= Mmu::kValid | Mmu::kUser;
  if ((pte & need) != need) return nullptr;
  if (!(pte & Mmu::kAccessed)) __atomic_fetch_or(e, Mmu::kAccessed, __ATOMIC_RELAXED);
  return static_cast<uint8_t*>(Platform::phys_to_virt(Mmu::entry_pa(pte))) + (va & (kPage - 1));
}

// Calls copy(user_bytes, offset, chunk) for each page-sized piece of the n
// bytes at `user`, in order; false at the first page that lacks `need`
// (the pieces before it have been copied, as with any faulting copy).
template <class Copy>
bool copy_user(uint64_t user, size_t n, Mmu::Pte need, Copy&& copy) {
  if (n == 0) return true;
  if (!user_range_ok(user, n)) return false;
  for (size_t done = 0; done < n;) {
    const size_t chunk = kstd::min<size_t>(n - done, kPage - ((user + done) & (kPage - 1)));
    uint8_t* at = user_byte(user + done, need);
    if (!at) return false;
    copy(at, done, chunk);
    done += chunk;
  }
  return true;
}

// An instruction's low two bits are 11 only in the 32-bit encodings. The
// page held the ebreak a moment ago, so it is mapped executable (maybe not
// readable: the walk asks only for X); if it went away meanwhile, 4.
unsigned instruction_length(uint64_t pc) {
  const uint8_t* at = user_byte(pc, Mmu::kExecute);
  return at == nullptr || (*at & 3) == 3 ? 4 : 2;
}

TrapInfo fault(TrapKind kind, uint64_t code, uint64_t subcode) {
  TrapInfo t{kind};
  t.code = code;
  t.subcode = subcode;
  return t;
}

TrapInfo page_fault(Access access, uint64_t scause, uint64_t stval) {
  TrapInfo t{TrapKind::kPageFault};
  t.access = access;
  t.address = stval;
  t.code = scause;
  return t;
}

// What a trap taken in U-mode means; f holds the state at the trap.
// Interrupts are still off, as the timer's handler expects.
TrapInfo classify(platform::Backend::UserFrame& f, uint64_t scause, uint64_t stval) {
  // Only the timer is enabled (sie.STIE, timer.cc). An interrupt that is
  // enabled later must be acknowledged here as well as in trap.cc (an IPI
  // clears sip.SSIP), or it would preempt every run_user at once.
  if (scause & kScauseInterrupt) {
    if ((scause & ~kScauseInterrupt) == kInterruptSupervisorTimer) timer_interrupt();
    return TrapInfo{TrapKind::kPreempted};
  }
  switch (scause) {
    case kEcallFromU:
      f.pc += 4;  // ecall has no compressed form
      return TrapInfo{TrapKind::kTrapCall};
    case kInstructionPageFault:
    case kInstructionAccessFault: return page_fault(Access::kExecute, scause, stval);
    case kLoadPageFault:
    case kLoadAccessFault: return page_fault(Access::kRead, scause, stval);
    case kStorePageFault:
    case kStoreAccessFault: return page_fault(Access::kWrite, scause, stval);
    case kBreakpoint:
      f.pc += instruction_length(f.pc);
      return fault(TrapKind::kBreakpoint, EXC_RISCV64_BREAKPOINT, 0);
    case kInstructionMisaligned:
    case kLoadMisaligned:
    case kStoreMisaligned: return fault(TrapKind::kBadAccess, EXC_RISCV64_MISALIGNED, stval);
    case kIllegalInstruction:
    default: return fault(TrapKind::kIllegalInstruction, EXC_RISCV64_ILLEGAL, stval);
  }
}

}  // namespace
}  // namespace umach::riscv64

namespace umach::platform {

// A tick that arrived in kernel mode after the core's last look at
// timer_fired is taken here, with interrupts off until the sret: one that
// comes later is pending when the hart enters U-mode, and is taken at once.
TrapInfo Backend::run_user(UserFrame& f, TrapCallHook* /*hook*/) {
  const bool interrupts_were_on = riscv64::interrupts_enabled();
  riscv64::interrupts_disable();
  Cpu& cpu = this_cpu();  // no switch can happen until run_user returns
  TrapInfo t{TrapKind::kPreempted};
  if (cpu.timer_fired.load(kstd::MemoryOrder::relaxed) == 0) {
    riscv64::UserEntry& ue = cpu.machine.user;
    ue.frame = &f;
    riscv64_enter_user(&ue);
    ue.frame = nullptr;
    t = riscv64::classify(f, ue.scause, ue.stval);
  }
  if (interrupts_were_on) riscv64::interrupts_enable();
  return t;
}

bool Backend::copyin(void* dst, uint64_t user_src, size_t n) {
  return riscv64::copy_user(user_src, n, riscv64::Mmu::kRead, [&](const uint8_t* user, size_t at, size_t chunk) {
    kstd::memcpy(static_cast<uint8_t*>(dst) + at, user, chunk);
  });
}

bool Backend::copyout(uint64_t user_dst, const void* src, size_t n) {
  return riscv64::copy_user(user_dst, n, riscv64::Mmu::kRead | riscv64::Mmu::kWrite,
                            [&](uint8_t* user, size_t at, size_t chunk) {
                              kstd::memcpy(user, static_cast<const uint8_t*>(src) + at, chunk);
                            });
}

uint64_t Backend::frame_trap_arg(const UserFrame& f, unsigned i) {
  return i < kTrapRegisterArgs ? f.x[riscv64::kA0 + i] : 0;
}

void Backend::frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2) {
  f = UserFrame{};  // every other register 0, fcsr 0 (round to nearest, no flags), f0-f31 +0.0
  f.pc = pc;
  f.x[riscv64::kSp] = sp;
  f.x[riscv64::kA0] = a0;
  f.x[riscv64::kA0 + 1] = a1;
  f.x[riscv64::kA0 + 2] = a2;
}

// Nothing in the restore can fault (sret to any pc only faults in U-mode,
// fscsr keeps only the bits it has), so the refusals are about where a
// thread may resume: a pc or sp outside the user range (even one a fault
// left there: a handler must move it), an odd pc (sepc cannot hold one),
// and fcsr bits above frm, which no hart holds. A reserved rounding mode
// (frm 5 to 7) is accepted: user code can set it with fsrm, only its own FP
// instructions trap on it, and a state read back must be accepted again.
// sp may be kUserMax itself: an empty stack that ends the range.
bool Backend::frame_sanitise(UserFrame& f) {
  using riscv64::Mmu;
  const uint64_t sp = f.x[riscv64::kSp];
  if (f.pc < Mmu::kUserMin || f.pc >= Mmu::kUserMax || (f.pc & 1) != 0) return false;
  if (sp < Mmu::kUserMin || sp > Mmu::kUserMax) return false;
  if ((f.fcsr & ~riscv64::kFcsrValid) != 0) return false;
  f.x[0] = 0;
  return true;
}

}  // namespace umach::platform
