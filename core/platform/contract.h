// core/platform/contract.h: what the core needs from a machine.
//
// The core reaches the machine only through `umach::Platform`, a struct of
// static functions that each backend (platform/hosted, platform/baremetal/*)
// defines in its own `umach/backend.h`. The build picks the backend by its
// include directory and sources; the core never tests which one it has.
// Each backend header ends in `static_assert(platform::Contract<Backend>)`,
// so a backend that drifts from this contract fails to compile.
//
// The contract grows with the issues that need it, on every backend at once.
// Now: console, physical memory ranges at boot, per-CPU data, clock, the
// machine's power and spin hints, the memory checker hooks (ASan on hosted),
// kernel-thread contexts, the per-CPU one-shot timer, idling, the
// machine mappings of address spaces (pmaps), and running user code.
// Running user code (UserMode: the user frame, traps, copyin/copyout and
// the thread-state flavors) is part of it on every backend.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/kstd/span.h"
#include "core/kstd/type_traits.h"
#include "core/platform/user_mode.h"

namespace umach {

using paddr_t = uint64_t;  // a physical address: an offset into the machine's RAM
inline constexpr paddr_t kNoPhys = ~paddr_t{0};  // "no page" (pmap_extract)

// A range of RAM the kernel may use, reported once at boot. After boot the
// core's page allocator owns every page in these ranges.
struct PhysRange {
  paddr_t base;
  uint64_t size;
};

struct Cpu;  // core/cpu.h

namespace platform {

// Writes bytes to the console, unbuffered; safe before the allocator is up
// and from panic. console_read takes what input has arrived, never
// waiting: at most n bytes, 0 if none has, -1 once no more ever will (a
// hosted run's standard input at its end).
template <class P>
concept Console = requires(const char* s, char* buf, size_t n) {
  { P::console_write(s, n) } -> kstd::same_as<void>;
  { P::console_read(buf, n) } -> kstd::same_as<long>;
};

// Physical memory: the usable ranges (page aligned, not overlapping, none
// holding the kernel image or boot data), and the kernel's direct map.
// kRamZeroAtBoot: every reported page reads as zero until first written
// (a fresh memfd on hosted); the page allocator then skips zeroing them.
//
// Swap: the backing store of the kernel's default pager (vm/swap.h), apart
// from the physical pool. swap_area(&bytes) is its kernel address and size
// (page multiples), null where the machine has none of its own: the core
// then takes kSwapFromRam bytes off the top of the reported RAM at boot
// (bare metal), before the page allocator owns it. Hosted: a memfd of its
// own (--swap=MiB), mapped into the kernel.
template <class P>
concept BootMemory = requires(paddr_t pa, const void* va, size_t* bytes) {
  { P::kPageSize } -> kstd::convertible_to<size_t>;
  { P::kRamZeroAtBoot } -> kstd::convertible_to<bool>;
  { P::kSwapFromRam } -> kstd::convertible_to<size_t>;
  { P::swap_area(bytes) } -> kstd::same_as<void*>;
  { P::phys_ranges() } -> kstd::same_as<kstd::Span<const PhysRange>>;
  { P::phys_to_virt(pa) } -> kstd::same_as<void*>;
  { P::virt_to_phys(va) } -> kstd::same_as<paddr_t>;
};

// Per-CPU data. `current_cpu()` must not be cached by the compiler across a
// context switch (a Mach thread may resume on another CPU): backends read it
// with a volatile access to a CPU register (GS base on x86-64, tp on RISC-V),
// never from host thread-local storage.
template <class P>
concept PerCpu = requires(Cpu* cpu) {
  { P::current_cpu() } -> kstd::same_as<Cpu*>;
  { P::set_current_cpu(cpu) } -> kstd::same_as<void>;
  { P::kMaxCpus } -> kstd::convertible_to<unsigned>;
};

// Monotonic time since boot, in nanoseconds; and the machine's real-time
// clock, in nanoseconds since 1970-01-01 UTC (0 if it has none), which the
// kernel reads once at boot for the time of day (host_get_time).
template <class P>
concept Clock = requires {
  { P::clock_ns() } -> kstd::same_as<uint64_t>;
  { P::wall_clock_ns() } -> kstd::same_as<uint64_t>;
};

// Spinning and stopping. `spin_yield()` is called after a bounded spin: on
// hosted a vCPU is a host thread that may be descheduled, so it yields the
// host CPU. `poweroff(status)` ends the machine (status 0 = success);
// `panic_stop()` ends it after a panic, leaving the state for a debugger.
template <class P>
concept Machine = requires(int status) {
  { P::cpu_relax() } -> kstd::same_as<void>;
  { P::spin_yield() } -> kstd::same_as<void>;
  { P::poweroff(status) } -> kstd::same_as<void>;
  { P::panic_stop() } -> kstd::same_as<void>;
};

// Memory checker hooks: with kMemoryChecker true (hosted ASan builds), the
// kernel allocators poison free memory and redzones so that a stray access is
// reported at the faulting instruction. Elsewhere they do nothing.
template <class P>
concept MemoryChecker = requires(const void* p, size_t n) {
  { P::kMemoryChecker } -> kstd::convertible_to<bool>;
  { P::poison(p, n) } -> kstd::same_as<void>;
  { P::unpoison(p, n) } -> kstd::same_as<void>;
};

// Kernel-thread contexts: the saved machine state of a switched-out kernel
// stack. `Context` is default-constructible and lives inside the core's
// Thread; it is only touched through these calls, always by the CPU that
// runs or resumes it.
//   context_init(c, stack, size, entry, arg): prepares c to start entry(arg)
//     on [stack, stack + size) (the lowest address and the size; stacks grow
//     down) the first time something switches to it. entry must not return.
//   context_switch(from, to): saves the running context into `from` and
//     resumes `to`; returns when some CPU switches back to `from`.
//   context_exit(to): resumes `to`; the running context is never resumed, and
//     its stack may be freed once `to` runs.
//   context_destroy(c): releases what context_init took (a sanitizer fiber);
//     c is not running.
// `kKernelStackSize` is the stack size the core gives each kernel thread.
// A context that was never initialised (the boot thread of a CPU) can be a
// `from` of context_switch: its state is saved the first time.
template <class P>
concept ContextSwitch = requires(typename P::Context& a, typename P::Context& b, void* stack, size_t size,
                                 void (*entry)(void*), void* arg) {
  { P::kKernelStackSize } -> kstd::convertible_to<size_t>;
  { P::context_init(a, stack, size, entry, arg) } -> kstd::same_as<void>;
  { P::context_switch(a, b) } -> kstd::same_as<void>;
  { P::context_exit(b) } -> kstd::same_as<void>;
  { P::context_destroy(a) } -> kstd::same_as<void>;
};

// The per-CPU one-shot timer and idling.
//   timer_arm(deadline_ns): on the calling CPU, at clock_ns() >= deadline_ns
//     (at once if it has passed), call umach::cpu_timer_interrupt(cpu) from
//     interrupt context (core/cpu.h: it only touches atomics). Replaces any
//     earlier deadline of this CPU.
//   timer_disarm(): cancels the calling CPU's deadline.
//   cpu_idle_wait(cpu, seen): sleeps the calling CPU until cpu.wake_seq differs
//     from `seen` or an interrupt (the timer) arrives; may return early.
//   cpu_kick(cpu): wakes `cpu` from cpu_idle_wait after the caller bumped its
//     wake_seq; from any CPU.
// `CpuMachine` is the backend's own per-CPU state, embedded in Cpu.
template <class P>
concept TimerAndIdle = requires(uint64_t deadline, Cpu& cpu, uint32_t seen) {
  typename P::CpuMachine;
  { P::timer_arm(deadline) } -> kstd::same_as<void>;
  { P::timer_disarm() } -> kstd::same_as<void>;
  { P::cpu_idle_wait(cpu, seen) } -> kstd::same_as<void>;
  { P::cpu_kick(cpu) } -> kstd::same_as<void>;
};

// Running user code (core/platform/user_mode.h). `UserFrame` is the saved
// user state of one Mach thread; the core owns it (inside its Thread) and
// touches it only through these calls:
//   run_user(f, hook): resumes user code with state f on the calling kernel
//     thread; returns when the code traps, f holding the complete user state
//     at the trap. The core processes pending ticks before calling it again.
//     `hook` (may be null) may serve trap calls meanwhile (user_mode.h).
//   copyin(dst, user_src, n) / copyout(user_dst, src, n): false if the user
//     range cannot be read (written); never faults the kernel. The caller has
//     checked that the range lies in the task's address space.
//   frame_pc/sp and their setters; frame_trap_number(f): N of the trap call
//     `rax = -N`; frame_trap_arg(f, i): argument i < kTrapRegisterArgs of a
//     trap call; frame_trap_stack_args(f): the user address where argument
//     kTrapRegisterArgs starts (each 8 bytes, read with copyin);
//     frame_set_return(f, v): the trap call's return value.
//   frame_init(f, pc, sp, a0, a1, a2): a fresh frame that starts at pc with
//     stack sp and its first three arguments, clean flags and FP state.
//   frame_sanitise(f): false if f (given by a user, e.g. thread_set_state)
//     holds state that a restore could fault on; normalises harmless bits.
//   frame_get_state(cf, flavor, state, count) / frame_set_state(f, flavor,
//     state, count, min, max): thread_get_state / thread_set_state of the
//     machine's flavors (ABI.md), on a frame that is not running. State is
//     in 32-bit words (natural_t), count in and out as Mach counts it.
//     set checks everything before it installs anything: a pc or stack
//     outside [min, max) (the task's user range), privileged or reserved
//     bits, a short count or an unknown flavor give KERN_INVALID_ARGUMENT
//     (4) and leave the frame as it was. is_general_state(flavor): a flavor
//     of the general registers (what thread_set_self_state takes);
//     kGeneralStateCount: their count.
//   kBadTrapCode: the code of the EXC_BAD_INSTRUCTION a trap number outside
//     the table raises (EXC_I386_INVOP, EXC_RISCV64_ILLEGAL).
template <class P>
concept UserMode = requires(typename P::UserFrame& f, const typename P::UserFrame& cf, void* dst, const void* src,
                            uint64_t v, size_t n, unsigned i, int flavor, unsigned* state, const unsigned* cstate,
                            unsigned count, TrapCallHook* hook) {
  { P::is_general_state(flavor) } -> kstd::same_as<bool>;
  { P::kGeneralStateCount } -> kstd::convertible_to<unsigned>;
  { P::kBadTrapCode } -> kstd::convertible_to<int>;
  { P::frame_get_state(cf, flavor, state, &count) } -> kstd::same_as<int>;
  { P::frame_set_state(f, flavor, cstate, count, v, v) } -> kstd::same_as<int>;
  { P::kTrapRegisterArgs } -> kstd::convertible_to<unsigned>;
  { P::run_user(f, hook) } -> kstd::same_as<TrapInfo>;
  { P::copyin(dst, v, n) } -> kstd::same_as<bool>;
  { P::copyout(v, src, n) } -> kstd::same_as<bool>;
  { P::frame_pc(cf) } -> kstd::same_as<uint64_t>;
  { P::frame_set_pc(f, v) } -> kstd::same_as<void>;
  { P::frame_sp(cf) } -> kstd::same_as<uint64_t>;
  { P::frame_set_sp(f, v) } -> kstd::same_as<void>;
  { P::frame_trap_number(cf) } -> kstd::same_as<int64_t>;
  { P::frame_trap_arg(cf, i) } -> kstd::same_as<uint64_t>;
  { P::frame_trap_stack_args(cf) } -> kstd::same_as<uint64_t>;
  { P::frame_set_return(f, v) } -> kstd::same_as<void>;
  { P::frame_init(f, v, v, v, v, v) } -> kstd::same_as<void>;
  { P::frame_sanitise(f) } -> kstd::same_as<bool>;
};

// Machine mappings of address spaces. `Pmap` is the backend's state for one
// address space; the VM (vm/) owns one per map and touches it only through
// these calls, always under the VM lock (vm/vm_lock.h), so a backend needs no
// locking of its own against the VM (hosted has its own lock, for the fault
// path). The VM keeps its own record of which pages it entered where (the
// pv lists of vm/page.h), so backends need no reverse maps. Protections are
// VM_PROT_* bits (read 1, write 2, execute 4).
//   pmap_create(parent): a new, empty pmap, or null when memory is short.
//     `parent` (may be null) is the pmap of the address space the new one
//     inherits memory from: hosted places the child in its parent's address
//     range (DESIGN.md); bare metal ignores it.
//   pmap_destroy(p): removes every mapping and frees p.
//   pmap_min(p), pmap_max(p): the user addresses [min, max) p may map,
//     page aligned.
//   pmap_enter(p, va, pa, prot, access): maps the page at va to the physical
//     page pa with prot (not VM_PROT_NONE), replacing any mapping there.
//     `access` is the access that faulted (a hint: the page starts
//     referenced, and modified for a write; hosted emulates both bits from
//     it). False when out of memory.
//   pmap_protect(p, va, size, prot): sets the protection of the pages
//     mapped in [va, va + size) to prot (the VM only lowers it);
//     VM_PROT_NONE removes them.
//   pmap_remove(p, va, size): removes the mappings in [va, va + size).
//   pmap_extract(p, va): the physical page mapped at va, or kNoPhys.
//   pmap_test_and_clear_referenced(p, va): whether the page mapped at va
//     was accessed (read, written or executed, by the task or through
//     copyin/copyout) since it was entered or since this call last cleared
//     its bit; clears the bit. False if nothing is mapped at va. A page
//     entered for an access (`access` not VM_PROT_NONE) starts referenced
//     (one entered for none may too). The mapping and its protection stay.
//     It is pageout's referenced bit (vm/pageout.h). Bare metal reads and
//     clears the page-table entry's accessed bit and drops the calling
//     CPU's translation of va, so the next access sets it again (or, where
//     the hardware does not set it, faults into vm_fault, which enters the
//     page again); hosted emulates it: the page's host mapping goes, and
//     the fault of its next access restores it in the pmap alone.
//   pmap_activate(p): the calling CPU translates user addresses through p
//     from now on (null: through no user mappings). The scheduler calls it
//     when it switches to a thread that has an address space
//     (sched::Thread::address_space); hosted, where every task's memory is
//     mapped at once in its own window, does nothing. pmap_destroy of the
//     pmap the calling CPU translates through switches it away first.

template <class P>
concept PhysicalMaps = requires(typename P::Pmap* pp, typename P::Pmap& p, const typename P::Pmap& cp, uint64_t va,
                                paddr_t pa, size_t size, unsigned prot) {
  { P::pmap_create(pp) } -> kstd::same_as<typename P::Pmap*>;
  { P::pmap_destroy(pp) } -> kstd::same_as<void>;
  { P::pmap_min(cp) } -> kstd::same_as<uint64_t>;
  { P::pmap_max(cp) } -> kstd::same_as<uint64_t>;
  { P::pmap_enter(p, va, pa, prot, prot) } -> kstd::same_as<bool>;
  { P::pmap_protect(p, va, size, prot) } -> kstd::same_as<void>;
  { P::pmap_remove(p, va, size) } -> kstd::same_as<void>;
  { P::pmap_extract(cp, va) } -> kstd::same_as<paddr_t>;
  { P::pmap_test_and_clear_referenced(p, va) } -> kstd::same_as<bool>;
  { P::pmap_activate(&cp) } -> kstd::same_as<void>;
};

template <class P>
concept Contract = Console<P> && BootMemory<P> && PerCpu<P> && Clock<P> && Machine<P> &&
                   MemoryChecker<P> && ContextSwitch<P> && TimerAndIdle<P> &&
                   PhysicalMaps<P> && UserMode<P>;

}  // namespace platform
}  // namespace umach
