// platform/baremetal/amd64/user.cc: user mode on amd64 (contract.h,
// UserMode): Backend::run_user and the C++ half of the ring 3 entries,
// copyin/copyout over the loaded page tables, and the frame calls.
//
// The frame (Backend::UserFrame, backend.h; offsets in user_layout.h): the
// fifteen general registers in TrapFrame order, rip, rflags, rsp, the
// user's FS and GS bases, and a 64-byte aligned XSAVE image (x87 +
// MXCSR + XMM0-15). It always holds the complete user state: saved whole on
// every entry from ring 3, restored whole on every return.
//
// The path of one run_user(frame):
//   run_user (C++)       refuses (kGeneralProtection, without entering) a
//                        frame iretq or wrmsr would fault on, normalises
//                        RFLAGS and MXCSR, points Cpu::machine.user.frame at
//                        the frame and calls
//   amd64_user_enter     (user_entry.S) pushes the callee-saved registers
//                        and RFLAGS, disables interrupts, records the stack
//                        in kernel_sp and TSS.RSP0; if Cpu::timer_fired is
//                        set, returns 1 at once (run_user: kPreempted).
//                        Else FXRSTOR, FS base, the user's GS base into
//                        KERNEL_GS_BASE, an iretq frame on the kernel stack,
//                        every GPR from the frame, swapgs, iretq. Interrupts
//                        stay off until iretq loads the user's RFLAGS (IF
//                        forced on), so no interrupt sees a half-restored
//                        state.
//   user code            ... until it executes `syscall` or raises an
//                        exception, or an interrupt arrives.
//   syscall              amd64_syscall_entry: swapgs, onto kernel_sp, builds
//                        the TrapFrame tail an IDT gate would have (vector
//                        AMD64_VECTOR_SYSCALL, rip = rcx, rflags = r11).
//   IDT gate             the CPU switches to TSS.RSP0 = kernel_sp; the stub
//                        and amd64_trap_common (trap_entry.S) see CPL 3 in
//                        the saved CS, swapgs.
//   amd64_user_trap_common (user_entry.S) pushes the GPRs (a TrapFrame) and
//                        calls amd64_user_trap (below): GPRs, rip, rsp,
//                        rflags into the frame, XSAVE64, the FS base and
//                        the user's GS base (now in KERNEL_GS_BASE) read
//                        back; an interrupt is handled as in the kernel
//                        (handle_interrupt: the timer's cpu_timer_interrupt,
//                        the EOI) and becomes kPreempted; an exception
//                        becomes its TrapInfo. Then back onto kernel_sp,
//                        pop RFLAGS (the caller's IF) and the callee-saved
//                        registers: amd64_user_enter returns 0.
// The return is always iretq: sysretq would save little here, and iretq
// restores any frame the checks let through (rcx and r11 included).
//
// GS discipline: in ring 0 GS's base is the kernel's Cpu pointer, always;
// in ring 3 it is the user's, with the kernel's parked in KERNEL_GS_BASE.
// Every ring 3 -> 0 path swaps first (the syscall entry's first
// instruction; trap_entry.S before it pushes anything that reads %gs), and
// the one 0 -> 3 path swaps last, with interrupts off. User code cannot
// change KERNEL_GS_BASE (wrmsr is privileged, swapgs too, and CR4.FSGSBASE
// is off), so a `mov` to %gs or a user GS base of any value only ever
// changes the user's own base.
//
// Kernel faults stay fatal: nothing here touches user memory through user
// addresses. copyin and copyout walk the loaded root (CR3) in software and
// copy through the direct map (the identity), after checking every page of
// the range first, so they fail without a partial copy.
#include <mach/exception.h>
#include <stddef.h>

#include "core/cpu.h"
#include "core/kassert.h"
#include "core/platform/platform.h"
#include "platform/baremetal/amd64/gdt.h"
#include "platform/baremetal/amd64/interrupt.h"
#include "platform/baremetal/amd64/pmap.h"
#include "platform/baremetal/amd64/trap.h"
#include "platform/baremetal/amd64/user_layout.h"
#include "platform/baremetal/amd64/x86.h"
#include "platform/baremetal/common/page_table.h"

#define UMACH_STR2(x) #x
#define UMACH_STR(x) UMACH_STR2(x)

extern "C" {
int amd64_user_enter(umach::amd64::UserFrame* f);  // user_entry.S
void amd64_user_trap(umach::amd64::TrapFrame* tf);
}

namespace umach::amd64 {
namespace {

using platform::Backend;

static_assert(offsetof(UserFrame, r15) == AMD64_UF_R15 && offsetof(UserFrame, r14) == AMD64_UF_R14 &&
                  offsetof(UserFrame, r13) == AMD64_UF_R13 && offsetof(UserFrame, r12) == AMD64_UF_R12 &&
                  offsetof(UserFrame, r11) == AMD64_UF_R11 && offsetof(UserFrame, r10) == AMD64_UF_R10 &&
                  offsetof(UserFrame, r9) == AMD64_UF_R9 && offsetof(UserFrame, r8) == AMD64_UF_R8 &&
                  offsetof(UserFrame, rbp) == AMD64_UF_RBP && offsetof(UserFrame, rdi) == AMD64_UF_RDI &&
                  offsetof(UserFrame, rsi) == AMD64_UF_RSI && offsetof(UserFrame, rdx) == AMD64_UF_RDX &&
                  offsetof(UserFrame, rcx) == AMD64_UF_RCX && offsetof(UserFrame, rbx) == AMD64_UF_RBX &&
                  offsetof(UserFrame, rax) == AMD64_UF_RAX && offsetof(UserFrame, rip) == AMD64_UF_RIP &&
                  offsetof(UserFrame, rflags) == AMD64_UF_RFLAGS && offsetof(UserFrame, rsp) == AMD64_UF_RSP &&
                  offsetof(UserFrame, fs_base) == AMD64_UF_FS_BASE &&
                  offsetof(UserFrame, gs_base) == AMD64_UF_GS_BASE && offsetof(UserFrame, xsave) == AMD64_UF_XSAVE,
              "user_layout.h's UserFrame offsets");
static_assert(AMD64_UF_XSAVE % 64 == 0 && alignof(UserFrame) == 64, "XSAVE64 needs 64-byte alignment");
// The GPRs come first in both, in the same order: one copy moves them.
static_assert(offsetof(TrapFrame, rax) == offsetof(UserFrame, rax) && offsetof(TrapFrame, r15) == 0);
static_assert(sizeof(Cpu::timer_fired) == 4, "user_entry.S tests timer_fired with cmpl");

// The core's Cpu layout as absolute symbols for user_entry.S (%gs:symbol).
[[gnu::used]] void define_cpu_offsets() {
  __asm__ __volatile__(
      ".globl amd64_cpu_user_ksp\n\t.set amd64_cpu_user_ksp, %c0\n\t"
      ".globl amd64_cpu_user_scratch\n\t.set amd64_cpu_user_scratch, %c1\n\t"
      ".globl amd64_cpu_timer_fired\n\t.set amd64_cpu_timer_fired, %c2\n\t"
      :
      : "i"(offsetof(Cpu, machine) + offsetof(Backend::CpuMachine, user) + offsetof(UserCpu, kernel_sp)),
        "i"(offsetof(Cpu, machine) + offsetof(Backend::CpuMachine, user) + offsetof(UserCpu, scratch)),
        "i"(offsetof(Cpu, timer_fired)));
}

using Tables = baremetal::PageTables<Mmu>;

// RFLAGS a user frame may hold: CF PF AF ZF SF DF OF. IF and bit 1 are
// forced on; the rest (TF, IOPL, NT, RF, VM, AC, ID, ...) is refused by
// frame_sanitise and dropped by run_user.
constexpr uint64_t kUserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;
constexpr uint64_t kForcedFlags = 0x202;

constexpr size_t kFswOffset = 2;  // in the legacy region
constexpr size_t kMxcsrOffset = 24;

// Page-fault error code bits (SDM vol. 3A, 4.7).
constexpr uint64_t kPfWrite = uint64_t{1} << 1;
constexpr uint64_t kPfFetch = uint64_t{1} << 4;

// A lower-half canonical address (what wrmsr to a base, and iretq to rip,
// accept; the upper half is the kernel's).
bool lower_canonical(uint64_t a) { return a < (uint64_t{1} << 47); }

uint32_t load32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }
uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
void store32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// GNU Mach's user_trap mapping from the vector to the exception's code.
TrapInfo trap_info(const TrapFrame& tf, const UserFrame& f) {
  TrapInfo t{TrapKind::kGeneralProtection};
  switch (tf.vector) {
    case kVectorDivide:
      t.kind = TrapKind::kArithmetic;
      t.code = EXC_I386_DIV;
      break;
    case kVectorDebug:
      t.kind = TrapKind::kBreakpoint;
      t.code = EXC_I386_SGL;
      break;
    case kVectorBreakpoint:  // a trap: rip is already past the int3
      t.kind = TrapKind::kBreakpoint;
      t.code = EXC_I386_BPT;
      break;
    case kVectorInvalidOpcode:
    case kVectorDeviceNotAvailable:  // CR0.EM and TS stay clear: not expected
      t.kind = TrapKind::kIllegalInstruction;
      t.code = EXC_I386_INVOP;
      break;
    case kVectorPageFault:
      t.kind = TrapKind::kPageFault;
      t.address = read_cr2();
      t.access = (tf.error_code & kPfFetch) ? Access::kExecute
                 : (tf.error_code & kPfWrite) ? Access::kWrite
                                              : Access::kRead;
      t.code = tf.error_code;
      break;
    case kVectorX87:
      t.kind = TrapKind::kArithmetic;
      t.code = EXC_I386_EXTERR;
      t.subcode = load16(f.xsave + kFswOffset);
      break;
    case kVectorSimd:
      t.kind = TrapKind::kArithmetic;
      t.code = EXC_I386_EXTERR;
      t.subcode = load32(f.xsave + kMxcsrOffset);
      break;
    case kVectorNmi:
    case kVectorDoubleFault:
    case kVectorMachineCheck:
      fatal_trap(tf);  // the machine's failures, not the user's
    default:  // #GP, #NP, #SS, #AC and the rest: the error code says which selector or why
      t.kind = TrapKind::kGeneralProtection;
      t.code = EXC_I386_GPFLT;
      t.subcode = tf.error_code & 0xffff;
      break;
  }
  return t;
}

bool user_range_ok(uint64_t va, size_t n) {
  return va >= Mmu::kUserMin && va + n >= va && va + n <= Mmu::kUserMax;
}

// Whether every page of [va, va + n) (a user range, n > 0) is mapped for
// user access in the loaded tables, writable too when `write`.
bool user_pages_ok(paddr_t root, uint64_t va, size_t n, bool write) {
  const uint64_t end = va + n;
  for (uint64_t page = va & ~uint64_t{Platform::kPageSize - 1}; page < end; page += Platform::kPageSize) {
    const Mmu::Pte* e = Tables::find(root, page);
    if (e == nullptr) return false;
    const Mmu::Pte v = __atomic_load_n(e, __ATOMIC_RELAXED);
    if (!Mmu::valid(v) || !(v & Mmu::kUser) || (write && !(v & Mmu::kWritable))) return false;
  }
  return true;
}

// Copies between a kernel buffer and the checked user range, page by page
// through the direct map, setting A (and D on a write) as the CPU would.
void user_copy(paddr_t root, uint64_t va, uint8_t* kbuf, size_t n, bool write) {
  while (n > 0) {
    const uint64_t offset = va & (Platform::kPageSize - 1);
    const size_t chunk = n < Platform::kPageSize - offset ? n : Platform::kPageSize - offset;
    Mmu::Pte* e = Tables::find(root, va);
    __atomic_fetch_or(e, write ? (Mmu::kAccessed | Mmu::kDirty) : Mmu::kAccessed, __ATOMIC_RELAXED);
    auto* user = static_cast<uint8_t*>(Platform::phys_to_virt(Mmu::entry_pa(*e) + offset));
    if (write)
      __builtin_memcpy(user, kbuf, chunk);
    else
      __builtin_memcpy(kbuf, user, chunk);
    va += chunk;
    kbuf += chunk;
    n -= chunk;
  }
}

bool copy_user(uint64_t va, uint8_t* kbuf, size_t n, bool write) {
  if (n == 0) return true;
  if (!user_range_ok(va, n)) return false;
  // Interrupts off: a walk and the copy see one state of the tables (the
  // VM changes them only from threads, never from an interrupt).
  const uint64_t flags = save_and_disable_interrupts();
  const paddr_t root = read_cr3() & Mmu::kAddress;
  const bool ok = user_pages_ok(root, va, n, write);
  if (ok) user_copy(root, va, kbuf, n, write);
  restore_interrupts(flags);
  return ok;
}

}  // namespace
}  // namespace umach::amd64

// Called by amd64_user_trap_common (user_entry.S) on kernel_sp, interrupts
// off, GS the kernel's.
extern "C" void amd64_user_trap(umach::amd64::TrapFrame* tf) {
  using namespace umach::amd64;
  umach::Cpu& cpu = umach::this_cpu();
  UserCpu& u = cpu.machine.user;
  // Whatever the way in (syscall entry, IDT gate through TSS.RSP0), the
  // TrapFrame lies right below the kernel stack of the run_user that
  // entered ring 3: the thread that ran the user code.
  kassert(reinterpret_cast<uint64_t>(tf + 1) == u.kernel_sp);
  UserFrame& f = *u.frame;
  __builtin_memcpy(&f, tf, offsetof(UserFrame, rax) + sizeof f.rax);
  f.rip = tf->rip;
  f.rsp = tf->rsp;
  f.rflags = tf->rflags;
  __asm__ __volatile__("xsave64 %0" : "=m"(f.xsave) : "a"(~0u), "d"(~0u) : "memory");
  xsave_normalise(f.xsave);
  f.fs_base = rdmsr(AMD64_MSR_FS_BASE);
  f.gs_base = rdmsr(AMD64_MSR_KERNEL_GS_BASE);
  if (tf->vector == AMD64_VECTOR_SYSCALL) {
    u.trap = umach::TrapInfo{umach::TrapKind::kTrapCall};
  } else if (tf->vector >= kExceptionVectors) {
    handle_interrupt(static_cast<unsigned>(tf->vector));
    u.trap = umach::TrapInfo{umach::TrapKind::kPreempted};
  } else {
    u.trap = trap_info(*tf, f);
  }
}

namespace umach::platform {

TrapInfo Backend::run_user(UserFrame& f, TrapCallHook* /*hook*/) {
  using namespace amd64;
  // What iretq, wrmsr and FXRSTOR would fault on in ring 0 never gets that
  // far: the user gets the fault it would have had at its first instruction.
  if (!lower_canonical(f.rip) || !lower_canonical(f.rsp) || !lower_canonical(f.fs_base) ||
      !lower_canonical(f.gs_base))
    return TrapInfo{TrapKind::kGeneralProtection, Access::kRead, 0, EXC_I386_GPFLT, 0};
  f.rflags = (f.rflags & kUserFlags) | kForcedFlags;
  store32(f.xsave + kMxcsrOffset, load32(f.xsave + kMxcsrOffset) & mxcsr_mask());
  xsave_set_header(f.xsave);  // whatever a writer left there: XRSTOR must not fault
  Cpu& cpu = this_cpu();
  cpu.machine.user.frame = &f;
  if (amd64_user_enter(&f) != 0) return TrapInfo{TrapKind::kPreempted};
  return cpu.machine.user.trap;
}

bool Backend::copyin(void* dst, uint64_t user_src, size_t n) {
  return amd64::copy_user(user_src, static_cast<uint8_t*>(dst), n, /*write=*/false);
}

bool Backend::copyout(uint64_t user_dst, const void* src, size_t n) {
  // copy_user only reads the kernel buffer when writing to user memory.
  return amd64::copy_user(user_dst, const_cast<uint8_t*>(static_cast<const uint8_t*>(src)), n, /*write=*/true);
}

void Backend::frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2) {
  f = UserFrame{};  // FCW 0x37f, MXCSR 0x1f80, RFLAGS 0x202 (backend.h)
  f.rip = pc;
  f.rsp = sp;
  f.rdi = a0;
  f.rsi = a1;
  f.rdx = a2;
}

bool Backend::frame_sanitise(UserFrame& f) {
  using namespace amd64;
  if (f.rflags & ~(kUserFlags | kForcedFlags)) return false;
  f.rflags |= kForcedFlags;
  // rip on a user page; rsp in the user range or just past its top (an
  // empty stack ending at kUserMax).
  if (f.rip < Mmu::kUserMin || f.rip >= Mmu::kUserMax) return false;
  if (f.rsp < Mmu::kUserMin || f.rsp > Mmu::kUserMax) return false;
  if (!lower_canonical(f.fs_base) || !lower_canonical(f.gs_base)) return false;
  return (load32(f.xsave + kMxcsrOffset) & ~mxcsr_mask()) == 0;
}

}  // namespace umach::platform
