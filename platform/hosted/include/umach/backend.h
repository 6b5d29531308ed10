// platform/hosted/include/umach/backend.h: the hosted platform (umach as a
// Linux process), as the core sees it through core/platform/contract.h.
//
// Physical memory is a memfd; the kernel's direct map is one shared mapping
// of it, aligned to 2 MiB so zones' slabs (aligned to their size) stay
// aligned in the direct map. Per-CPU data hangs off the GS base of the host
// thread that simulates the CPU (arch_prctl(ARCH_SET_GS)): glibc and the
// sanitizers use FS, never GS, and a `mov %gs:0` the compiler must redo each
// time is exactly the uncacheable accessor the core needs.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/contract.h"
#include "platform/hosted/user/user_frame.h"

namespace umach::hosted {
class Pmap;  // platform/hosted/memory/pmap.h
}

// Which sanitizer the build uses. CMake defines both for every hosted
// translation unit (platform/hosted/CMakeLists.txt), because the ones
// compiled without sanitizers (context.cc, signal_entry.cc) must still know
// which runtime they annotate for, and `__has_feature` there says "none".
// The fallback serves syntax-only compiles (tests/compile_fail).
#ifndef UMACH_HOSTED_ASAN
#if defined(__has_feature) && __has_feature(address_sanitizer)
#define UMACH_HOSTED_ASAN 1
#else
#define UMACH_HOSTED_ASAN 0
#endif
#endif
#ifndef UMACH_HOSTED_TSAN
#if defined(__has_feature) && __has_feature(thread_sanitizer)
#define UMACH_HOSTED_TSAN 1
#else
#define UMACH_HOSTED_TSAN 0
#endif
#endif

// The hosted trap entry (platform/hosted/user/user_entry.cc): the address
// the commpage's trap stubs jump to. Not a C function: entered by a jump
// from user code, with the register convention in Backend (user mode), so
// declared as a label (the spelling platform/hosted/memory/commpage.h uses).
extern "C" char umach_hosted_trap_entry[];

namespace umach::platform {

namespace hosted {
extern char* g_direct_map;  // the memfd's mapping; set once at boot
extern int g_physmem_fd;    // the memfd itself (task windows map it too)
inline constexpr paddr_t kPhysBase = 0x100000;  // physical address 0 is never RAM
}  // namespace hosted

struct Backend {
  static constexpr size_t kPageSize = 4096;
  static constexpr bool kRamZeroAtBoot = true;  // a new memfd reads as zeros
  static constexpr unsigned kMaxCpus = 64;
  static constexpr bool kMemoryChecker = UMACH_HOSTED_ASAN;

  static void console_write(const char* s, size_t n);
  static long console_read(char* buf, size_t n);

  static kstd::Span<const PhysRange> phys_ranges();
  // The swap memfd (BootOptions::swap_bytes), mapped; sparse until used.
  static constexpr size_t kSwapFromRam = 0;
  static void* swap_area(size_t* bytes);
  static void* phys_to_virt(paddr_t pa) { return hosted::g_direct_map + (pa - hosted::kPhysBase); }
  static paddr_t virt_to_phys(const void* va) {
    return static_cast<paddr_t>(static_cast<const char*>(va) - hosted::g_direct_map) + hosted::kPhysBase;
  }

  static Cpu* current_cpu() {
    Cpu* cpu;
    __asm__ __volatile__("mov %%gs:0, %0" : "=r"(cpu));
    return cpu;
  }
  static void set_current_cpu(Cpu* cpu);

  static uint64_t clock_ns();
  static uint64_t wall_clock_ns();  // the host's CLOCK_REALTIME

  static void cpu_relax() { __builtin_ia32_pause(); }
  static void spin_yield();
  [[noreturn]] static void poweroff(int status);
  [[noreturn]] static void panic_stop();

  static void poison(const void* p, size_t n);
  static void unpoison(const void* p, size_t n);

  // 64 KiB: Mach's kernel paths are shallow, but ASan roughly doubles frame
  // sizes (redzones) and a GoogleTest assertion failing on a kernel stack
  // formats its message there; a smaller stack would only overflow in the
  // builds that test the most.
  static constexpr size_t kKernelStackSize = size_t{64} << 10;

  // A switched-out kernel stack (context.cc). `fctx` is Boost.Context's
  // handle, the stack pointer of the suspended stack, whose top holds the
  // callee-saved registers. The side that resumes after a switch stores it
  // (the suspended side cannot: it is not running), so it is valid exactly
  // while the context is switched out and null while it runs.
  struct Context {
    void* fctx = nullptr;
    // [stack_bottom, +stack_size): for ASan's fiber switch. A boot context
    // (never context_init'ed) learns its host thread's stack when first left.
    const void* stack_bottom = nullptr;
    size_t stack_size = 0;
    void* tsan_fiber = nullptr;  // a boot context borrows its host thread's
    bool owns_fiber = false;     // created by context_init, destroyed by context_destroy
    void (*entry)(void*) = nullptr;
    void* arg = nullptr;
  };
  static void context_init(Context& c, void* stack, size_t size, void (*entry)(void*), void* arg);
  static void context_switch(Context& from, Context& to);
  // [[noreturn]] also makes ASan's instrumented caller unpoison the dying
  // stack (__asan_handle_no_return), so its memory can be freed and reused.
  [[noreturn]] static void context_exit(Context& to);
  static void context_destroy(Context& c);

  // A vCPU's own state, touched only by the host thread that simulates it
  // (vcpu.cc, timer.cc). Constant-initialised: Cpu objects are constinit.
  struct CpuMachine {
    int host_tid = 0;            // the host thread simulating this CPU; 0 while none does
    bool timer_live = false;     // `timer` exists (glibc's timer_t may be 0)
    void* timer = nullptr;       // glibc's timer_t, aimed at host_tid
    void* signal_stack = nullptr;  // mmapped once, reused by later host threads
    size_t signal_stack_size = 0;
    // The host thread's own sigaltstack (ASan's), restored by vcpu_leave:
    // ASan unmaps whatever stack is installed when a thread ends.
    void* host_altstack = nullptr;
    size_t host_altstack_size = 0;
    int host_altstack_flags = 0;
    hosted::UserCpu user{};  // the user-mode entry's slots (platform/hosted/user/)
  };
  static void timer_arm(uint64_t deadline_ns);
  static void timer_disarm();
  static void cpu_idle_wait(Cpu& cpu, uint32_t seen);
  static void cpu_kick(Cpu& cpu);

  // User mode (platform/hosted/user/; contract.h, UserMode). A trap call
  // enters through the commpage: `mov %rcx,%r10; mov $-N,%eax; jmp *entry`
  // to umach_hosted_trap_entry, arguments in rdi, rsi, rdx, r10, r8, r9.
  // The frame of a trap call is the state after the commpage stub returned:
  // rip is the return address, rsp points just above it, so the seventh
  // argument (8(%rsp) at the stub's entry) is at frame rsp + 0.
  using UserFrame = hosted::UserFrame;
  static constexpr unsigned kTrapRegisterArgs = 6;
  static TrapInfo run_user(UserFrame& f, TrapCallHook* hook = nullptr);
  static bool copyin(void* dst, uint64_t user_src, size_t n);
  static bool copyout(uint64_t user_dst, const void* src, size_t n);
  static uint64_t frame_pc(const UserFrame& f) { return f.rip; }
  static void frame_set_pc(UserFrame& f, uint64_t pc) { f.rip = pc; }
  static uint64_t frame_sp(const UserFrame& f) { return f.rsp; }
  static void frame_set_sp(UserFrame& f, uint64_t sp) { f.rsp = sp; }
  // The commpage loads eax (`mov $-N,%eax` zero-extends into rax): the
  // number is the low 32 bits, signed.
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
  static uint64_t frame_trap_stack_args(const UserFrame& f) { return f.rsp; }
  static void frame_set_return(UserFrame& f, uint64_t v) { f.rax = v; }
  static void frame_init(UserFrame& f, uint64_t pc, uint64_t sp, uint64_t a0, uint64_t a1, uint64_t a2);
  static bool frame_sanitise(UserFrame& f);
  // The x86-64 flavors of ABI.md (platform/hosted/task/thread_flavors.cc).
  // i386_THREAD_STATE (1) and i386_REGS_SEGS_STATE (5), 42 words.
  static bool is_general_state(int flavor) { return flavor == 1 || flavor == 5; }
  static constexpr unsigned kGeneralStateCount = 42;
  static constexpr int kBadTrapCode = 1;          // EXC_I386_INVOP
  static int frame_get_state(const UserFrame& f, int flavor, unsigned* state, unsigned* count);
  static int frame_set_state(UserFrame& f, int flavor, const unsigned* state, unsigned count, uint64_t min,
                             uint64_t max);

  // Machine mappings (platform/hosted/memory/pmap_backend.cc): the hosted
  // Pmap of an address range (pmap.h); a new one gets a fresh window, or
  // its parent's range when it inherits memory (address_window.h).
  using Pmap = ::umach::hosted::Pmap;
  static Pmap* pmap_create(Pmap* parent);
  static void pmap_destroy(Pmap* p);
  static uint64_t pmap_min(const Pmap& p);
  static uint64_t pmap_max(const Pmap& p);
  static bool pmap_enter(Pmap& p, uint64_t va, paddr_t pa, unsigned prot, unsigned access);
  static void pmap_protect(Pmap& p, uint64_t va, size_t size, unsigned prot);
  static void pmap_remove(Pmap& p, uint64_t va, size_t size);
  static paddr_t pmap_extract(const Pmap& p, uint64_t va);
  static bool pmap_test_and_clear_referenced(Pmap& p, uint64_t va);
  // Every task's memory is mapped at once, each in its own window (ranges
  // shared by tasks have their own protocol: TestTask).
  static void pmap_activate(const Pmap*) {}
};

static_assert(Contract<Backend>, "the hosted backend must meet the platform contract");
static_assert(UserMode<Backend>, "the hosted backend runs user code");

}  // namespace umach::platform

namespace umach::hosted {

struct BootOptions {
  size_t memory_bytes = size_t{256} << 20;
  size_t swap_bytes = size_t{1} << 30;  // the default pager's swap memfd (--swap)
  unsigned vcpus = 1;  // simulated CPUs, 1 to Backend::kMaxCpus (--vcpus)
  // Save the full XSAVE image at every trap call (--precise-fp), not only
  // what the SysV call contract keeps (MXCSR, x87 control word).
  bool precise_fp = false;
};

// Creates physical memory and the console; the core's kernel_bootstrap()
// may run after it. Exits with a message on a host error.
void boot(const BootOptions& options);

// Where the console writes (default: standard output). Test programs use
// standard error, where GoogleTest's death tests read a panic's message.
void set_console_fd(int fd);
// Where the console reads (default: standard input); tests give a pipe.
void set_console_input_fd(int fd);

// Boots once, for test programs: memory as given, CPU 0 on the caller.
void boot_for_tests(size_t memory_bytes);

// Starts host threads for CPUs 1..count-1 (count <= kMaxCpus); each binds
// itself (umach::cpu_init(id)) and then calls entry(id). Returns once every
// one is bound, so the caller may kick them. The caller stays the CPU it is
// (CPU 0 after kernel_bootstrap). The kernel's entry never returns; if one
// does (tests), its thread leaves its CPU (vcpu_leave) and ends. Threads
// start with the timer signal blocked and unblock it once their signal
// stack is in place.
void start_vcpus(unsigned count, void (*entry)(unsigned id));

// Unbinds the calling host thread from its CPU: timer deleted, timer signal
// blocked, its own sigaltstack back, and current_cpu() reads nullptr.
// Another host thread may then become that CPU (tests do), or this one may end.
void vcpu_leave();

// For test programs, after boot_for_tests(): the calling thread leaves CPU
// 0, and the scheduler runs on `vcpus` new host threads (CPUs 0..vcpus-1).
// The caller stays outside the machine and drives it with run_in_kernel().
void start_machine_for_tests(unsigned vcpus);

// Runs fn(arg) in a new kernel thread at `priority` and waits (on the host)
// until that thread has exited and been reaped. False if no thread could be
// made. From a host thread that is not a CPU.
bool run_in_kernel(void (*fn)(void*), void* arg, int priority);

// Task-program code: a signal whose interrupted PC lies in a registered
// range enters the kernel as that thread's trap (or preemption); anywhere
// else it is the kernel's. The loader registers each program's text (or a
// task's whole window); a small lock-free table that signal handlers read.
// False if the table (64 ranges) is full. Unregister before the memory goes.
bool register_user_range(uint64_t base, uint64_t size);
void unregister_user_range(uint64_t base);

// The --precise-fp switch (BootOptions::precise_fp); boot() applies it.
// Tests flip it between runs; never while a thread is in user mode.
void set_precise_fp(bool on);

}  // namespace umach::hosted
