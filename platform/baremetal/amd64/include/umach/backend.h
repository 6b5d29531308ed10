// platform/baremetal/amd64/include/umach/backend.h: the bare-metal x86-64
// platform (QEMU q35, PVH boot), as the core sees it through
// core/platform/contract.h.
//
// The early boot code (boot.S) identity-maps the first 4 GiB of physical
// memory and links the kernel at 1 MiB, so the kernel's direct map is the
// identity: a physical address is its own virtual address. Zones align
// slabs to their size in virtual space; the identity keeps that alignment
// in physical space too. Per-CPU data hangs off the GS base (IA32_GS_BASE),
// read with a `mov %gs:0` the compiler must redo each time, as on hosted.
// Contexts (context.cc, context_switch.S) keep the callee-saved registers on
// the switched-out stack. The one-shot timer is the local APIC's (timer.cc);
// idling is `sti; hlt` (idle.cc). Pmaps are 4-level page tables that share
// the boot tables' kernel entries; user addresses are [512 GiB,
// 0x7fff'ffff'f000) (pmap.h). User mode (user.cc, user_entry.S) enters
// ring 3 with iretq and comes back through `syscall` (a trap call) or an
// IDT gate (a fault, an interrupt); the frame is described below.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/machine_traits.h"

namespace umach::amd64 {

// The XSAVE image of x87 and SSE state: the 512-byte legacy region and the
// 64-byte header (XCR0 = x87 | SSE).
inline constexpr size_t kXsaveBytes = 576;
inline constexpr size_t kXsaveHeader = 512;

// The saved user state of a Mach thread (Backend::UserFrame). user_entry.S
// reads and writes it through the offsets of amd64/user_layout.h
// (static_asserts in user.cc): the first fifteen words are the general
// registers in TrapFrame's order (trap.h), so a trap copies them as a block.
// After a trap call rcx and r11 hold what `syscall` put there (the return
// rip and rflags): the ABI gives both up. `xsave` is a standard-format
// XSAVE image of the components XCR0 enables, x87 and SSE (gdt.cc; no AVX:
// task programs are built for baseline x86-64): the FXSAVE-layout legacy
// region (x87, MXCSR, XMM0-15), then the header. It is saved on every entry
// from user mode and restored on every return, and kept normalised
// (xsave_normalise, gdt.h): both components marked in use, so the legacy
// region is always the state, as with FXSAVE. fs_base and gs_base are the
// user's own segment bases (the kernel's GS base, the per-CPU pointer, is
// swapped in on every entry).
struct alignas(64) UserFrame {
  uint64_t r15 = 0, r14 = 0, r13 = 0, r12 = 0, r11 = 0, r10 = 0, r9 = 0, r8 = 0;
  uint64_t rbp = 0, rdi = 0, rsi = 0, rdx = 0, rcx = 0, rbx = 0, rax = 0;
  uint64_t rip = 0;
  uint64_t rflags = 0x202;
  uint64_t rsp = 0;
  uint64_t fs_base = 0;
  uint64_t gs_base = 0;
  // The clean state (frame_init): FCW 0x37f (bytes 0-1), MXCSR 0x1f80
  // (bytes 24-27), every register empty and zero.
  alignas(64) uint8_t xsave[kXsaveBytes] = {0x7f, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x1f};
};

// The calling CPU's user-mode slots (Backend::CpuMachine::user), reached
// %gs-relative by user_entry.S. Only the owning CPU touches them, with
// interrupts disabled.
struct UserCpu {
  UserFrame* frame = nullptr;  // the frame run_user is running
  uint64_t kernel_sp = 0;      // run_user's kernel stack, callee-saved registers on top (also TSS.RSP0)
  uint64_t scratch = 0;        // the syscall entry's spill slot (the user's rsp)
  TrapInfo trap{TrapKind::kTrapCall};  // why the last entry from user mode came
};

}  // namespace umach::amd64

namespace umach::platform {

struct Backend : baremetal::IdentityDirectMap, baremetal::NoMemoryChecker, baremetal::PageTablePmaps {
  static constexpr unsigned kMaxCpus = 64;

  // COM1, polled (platform/baremetal/amd64/uart.cc).
  static void console_write(const char* s, size_t n);
  static long console_read(char* buf, size_t n);

  // The PVH memory map's RAM above the kernel image, clipped to the identity
  // map (boot_memory.cc).
  static kstd::Span<const PhysRange> phys_ranges();
  // Swap is RAM: the core takes this much off the top of phys_ranges().
  static constexpr size_t kSwapFromRam = size_t{16} << 20;
  static void* swap_area(size_t* bytes) {
    *bytes = 0;
    return nullptr;
  }

  static Cpu* current_cpu() {
    Cpu* cpu;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(cpu));
    return cpu;
  }
  static void set_current_cpu(Cpu* cpu);

  // The TSC, calibrated once at boot against the PIT (clock.cc).
  static uint64_t clock_ns();
  static uint64_t wall_clock_ns();  // the CMOS real-time clock (clock.cc)

  static void cpu_relax() { __asm__ __volatile__("pause" ::: "memory"); }
  // No hypervisor to yield to: a spinning CPU only eases off the pipeline.
  static void spin_yield() { __asm__ __volatile__("pause" ::: "memory"); }
  // Exits QEMU through the isa-debug-exit device (machine.cc).
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

  // A switched-out kernel context: its stack pointer, above which
  // context_switch.S keeps the callee-saved registers and the resume
  // address. Zero until context_init or a first switch out of it sets it.
  struct Context {
    uint64_t rsp = 0;
  };
  static constexpr size_t kKernelStackSize = 16 * 1024;
  static void context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg);
  static void context_switch(Context& from, Context& to);
  [[noreturn]] static void context_exit(Context& to);
  // context_init takes nothing but the stack, which the caller owns.
  static void context_destroy(Context&) {}

  // The calling CPU's pending deadline, for the timer interrupt to check
  // before it reports one (the APIC timer may fire early or be clamped:
  // timer.cc). Touched only by its own CPU with interrupts disabled.
  struct CpuMachine {
    static constexpr uint64_t kNoDeadline = ~uint64_t{0};
    uint64_t deadline_ns = kNoDeadline;
    amd64::UserCpu user{};
  };
  static void timer_arm(uint64_t deadline_ns);
  static void timer_disarm();
  static void cpu_idle_wait(Cpu& cpu, uint32_t seen);
  static void cpu_kick(Cpu& cpu);

  // User mode (user.cc, user_entry.S; contract.h, UserMode). A trap call
  // enters through the commpage: `mov %rcx,%r10; mov $-N,%eax; syscall;
  // ret`, arguments in rdi, rsi, rdx, r10, r8, r9, the seventh on at
  // 8(%rsp) (rsp points at the return address of the call into the
  // commpage). The frame's pc is then the commpage's `ret`.
  // The caller of run_user has loaded the task's page tables
  // (amd64::pmap_activate): run_user does not switch them, and copyin and
  // copyout walk the loaded ones.
  using UserFrame = amd64::UserFrame;
  static constexpr unsigned kTrapRegisterArgs = 6;
  // The hook is never called: every trap returns to the core's loop.
  static TrapInfo run_user(UserFrame& f, TrapCallHook* hook = nullptr);
  static bool copyin(void* dst, uint64_t user_src, size_t n);
  static bool copyout(uint64_t user_dst, const void* src, size_t n);
  static uint64_t frame_pc(const UserFrame& f) { return f.rip; }
  static void frame_set_pc(UserFrame& f, uint64_t pc) { f.rip = pc; }
  static uint64_t frame_sp(const UserFrame& f) { return f.rsp; }
  static void frame_set_sp(UserFrame& f, uint64_t sp) { f.rsp = sp; }
  // `mov $-N,%eax` zero-extends into rax: the number is the low 32 bits,
  // signed (as hosted).
  static int64_t frame_trap_number(const UserFrame& f) { return -int64_t{static_cast<int32_t>(f.rax)}; }
  static uint64_t frame_trap_arg(const UserFrame& f, unsigned i) {
    switch (i) {
      case 0: return f.rdi;
      case 1: return f.rsi;
      case 2: return f.rdx;
      case 3: return f.r10;
      case 4: return f.r8;
      case 5: return f.r9;
      default: return 0;
    }
  }
  static uint64_t frame_trap_stack_args(const UserFrame& f) { return f.rsp + 8; }
  static void frame_set_return(UserFrame& f, uint64_t v) { f.rax = v; }
  static void frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2);
  static bool frame_sanitise(UserFrame& f);
  // The x86-64 flavors of ABI.md (thread_state.cc): i386_THREAD_STATE (1)
  // and i386_REGS_SEGS_STATE (5), 42 words; i386_FSGS_BASE_STATE.
  static bool is_general_state(int flavor) { return flavor == 1 || flavor == 5; }
  static constexpr unsigned kGeneralStateCount = 42;
  static constexpr int kBadTrapCode = 1;  // EXC_I386_INVOP
  static int frame_get_state(const UserFrame& f, int flavor, unsigned* state, unsigned* count);
  static int frame_set_state(UserFrame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max);
};

static_assert(Contract<Backend>, "the amd64 backend must meet the platform contract");
static_assert(UserMode<Backend>, "the amd64 backend runs user code");

}  // namespace umach::platform
