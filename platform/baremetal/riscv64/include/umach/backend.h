// platform/baremetal/riscv64/include/umach/backend.h: the bare-metal RISC-V64
// platform (QEMU virt, S-mode under OpenSBI), as the core sees it through
// core/platform/contract.h.
//
// The kernel runs on an identity map of the first 128 GiB (Sv39 gigapages
// set up by entry.S), so physical and virtual addresses are equal and zones'
// slab alignment holds for free. Pmaps are Sv39 tables that share the boot
// root's kernel entries; user addresses are [128 GiB, 256 GiB) (pmap.h).
// Usable RAM comes from the device tree (memory_map.cc). The per-CPU
// pointer lives in `tp`: the ABI reserves it for thread pointers, a
// freestanding kernel has no TLS, and the trap entry saves and restores it.
// tp belongs to the hart, not to a kernel thread: context switches leave it
// alone. Contexts (context.cc, context_switch.S) keep the callee-saved
// registers on the switched-out stack; the one-shot timer is the SBI timer
// (timer.cc). User mode (user.cc, user_entry.S) runs task code in U-mode on
// the loaded pmap, the trap ABI being ABI.md's: ecall with a7 = -N.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/baremetal/common/machine_traits.h"
#include "platform/baremetal/riscv64/user_frame.h"

namespace umach::platform {

struct Backend : baremetal::IdentityDirectMap, baremetal::NoMemoryChecker, baremetal::PageTablePmaps {
  static constexpr unsigned kMaxCpus = 64;

  // The virt machine's 16550 UART, polled; works from the first instruction
  // of C++ (before the device tree is read) and from panic.
  static void console_write(const char* s, size_t n);
  static long console_read(char* buf, size_t n);

  static kstd::Span<const PhysRange> phys_ranges();
  // Swap is RAM: the core takes this much off the top of phys_ranges().
  static constexpr size_t kSwapFromRam = size_t{16} << 20;
  static void* swap_area(size_t* bytes) {
    *bytes = 0;
    return nullptr;
  }

  // Volatile, so the compiler rereads tp after anything that may switch
  // threads (and thus CPUs).
  static Cpu* current_cpu() {
    Cpu* cpu;
    __asm__ __volatile__("mv %0, tp" : "=r"(cpu));
    return cpu;
  }
  static void set_current_cpu(Cpu* cpu) { __asm__ __volatile__("mv tp, %0" : : "r"(cpu) : "memory"); }

  // From the `time` CSR, scaled by the device tree's timebase-frequency.
  static uint64_t clock_ns();
  static uint64_t wall_clock_ns();  // the device tree's goldfish RTC, or 0 (clock.cc)

  // A nop: Zihintpause's `pause` is not in rv64imac, and on one hart under
  // QEMU there is nobody to yield to.
  static void cpu_relax() { __asm__ __volatile__("nop"); }
  static void spin_yield() { __asm__ __volatile__("nop"); }
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

  // A switched-out kernel stack: `sp` points at the callee-saved registers
  // context_switch.S pushed there (or context_init built). 0 until the first
  // save: a CPU's boot context is never initialised, only saved into.
  struct Context {
    uint64_t sp = 0;
  };
  static constexpr size_t kKernelStackSize = 16 * 1024;
  static void context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg);
  static void context_switch(Context& from, Context& to);
  [[noreturn]] static void context_exit(Context& to);
  // Nothing to release: the frame lives on the stack the core owns.
  static void context_destroy(Context&) {}

  // What the timer interrupt last did on this hart; timer.cc writes it with
  // interrupts off (it is the interrupt), and self-tests and debuggers read
  // it. Zero-initialised, as Cpu objects are constinit.
  struct CpuMachine {
    uint64_t timer_interrupt_ns = 0;  // clock_ns() when the handler last ran
    riscv64::UserEntry user{};        // the user-mode entry's slots (user_frame.h)
  };
  // Deadlines go to the SBI timer, in `time` ticks; one per hart.
  static void timer_arm(uint64_t deadline_ns);
  static void timer_disarm();
  // Returns with interrupts (sstatus.SIE) enabled, having taken whatever
  // interrupt woke it.
  static void cpu_idle_wait(Cpu& cpu, uint32_t seen);
  static void cpu_kick(Cpu& cpu);

  // User mode (user.cc; contract.h, UserMode). The caller loads the task's
  // pmap (riscv64::pmap_activate) before run_user, which leaves satp alone.
  // A trap call is `ecall` with a7 = -N, arguments in a0-a6, the eighth and
  // later ones at 0(sp), 8(sp), ... of the user stack; the result in a0. After
  // a trap call the frame's pc is past the ecall. Frame layout: user_frame.h.
  using UserFrame = riscv64::UserFrame;
  static constexpr unsigned kTrapRegisterArgs = 7;
  // The hook is never called: every trap returns to the core's loop.
  static TrapInfo run_user(UserFrame& f, TrapCallHook* hook = nullptr);
  static bool copyin(void* dst, uint64_t user_src, size_t n);
  static bool copyout(uint64_t user_dst, const void* src, size_t n);
  static uint64_t frame_pc(const UserFrame& f) { return f.pc; }
  static void frame_set_pc(UserFrame& f, uint64_t pc) { f.pc = pc; }
  static uint64_t frame_sp(const UserFrame& f) { return f.x[2]; }
  static void frame_set_sp(UserFrame& f, uint64_t sp) { f.x[2] = sp; }
  static int64_t frame_trap_number(const UserFrame& f) { return -static_cast<int64_t>(f.x[17]); }  // a7
  static uint64_t frame_trap_arg(const UserFrame& f, unsigned i);  // a0 + i
  static uint64_t frame_trap_stack_args(const UserFrame& f) { return f.x[2]; }
  static void frame_set_return(UserFrame& f, uint64_t v) { f.x[10] = v; }  // a0
  static void frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2);
  static bool frame_sanitise(UserFrame& f);
  // ABI.md's RISC-V64 flavors (thread_state.cc): riscv64_THREAD_STATE (1),
  // 64 words; riscv64_FLOAT_STATE.
  static bool is_general_state(int flavor) { return flavor == 1; }
  static constexpr unsigned kGeneralStateCount = 64;
  static constexpr int kBadTrapCode = 1;  // EXC_RISCV64_ILLEGAL
  static int frame_get_state(const UserFrame& f, int flavor, unsigned* state, unsigned* count);
  static int frame_set_state(UserFrame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max);
};

static_assert(Contract<Backend>, "the riscv64 backend must meet the platform contract");
static_assert(UserMode<Backend>, "the riscv64 backend runs user code");

}  // namespace umach::platform
