// platform/baremetal/amd64/trap.cc: the IDT and the kernel's exception
// handler (see trap.h). A trap in ring 0 runs on the stack the CPU was on:
// there are no IST stacks, so a kernel stack overflow ends in a triple fault
// (QEMU resets, -no-reboot stops it) rather than a report. A trap in ring 3
// switches to TSS.RSP0 (gdt.cc) and is user.cc's (amd64_user_trap), never
// this file's amd64_trap.
#include "platform/baremetal/amd64/trap.h"

#include <stddef.h>

#include "core/kassert.h"
#include "core/log.h"
#include "platform/baremetal/amd64/interrupt.h"
#include "platform/baremetal/amd64/x86.h"

extern "C" const uint64_t amd64_trap_stubs[umach::amd64::kIdtVectors];  // trap_entry.S
extern "C" void amd64_trap(umach::amd64::TrapFrame* frame);

namespace umach::amd64 {
namespace {

constexpr uint16_t kKernelCodeSelector = 0x08;  // boot.S's GDT
constexpr uint8_t kInterruptGate = 0x8E;         // present, DPL 0, 64-bit interrupt gate (IF cleared)
// The same with DPL 3, for the one vector user code may raise with an `int`
// instruction: int3 (#BP). Other `int n` from ring 3 are #GP.
constexpr uint8_t kUserInterruptGate = 0xEE;

// A 64-bit IDT gate descriptor (Intel SDM vol. 3, 6.14.1).
struct [[gnu::packed]] IdtGate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;  // 0: stay on the current stack
  uint8_t type_attr;
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] IdtPointer {
  uint16_t limit;
  uint64_t base;
};

alignas(16) constinit IdtGate g_idt[kIdtVectors] = {};

// Only the trapping CPU writes these; the self-test reads them on the same
// CPU right after its int3.
constinit uint64_t g_breakpoints = 0;
constinit TrapFrame g_last_breakpoint = {};

const char* const kVectorNames[kExceptionVectors] = {
    "#DE divide error",     "#DB debug",
    "NMI",                  "#BP breakpoint",
    "#OF overflow",         "#BR bound range exceeded",
    "#UD invalid opcode",   "#NM device not available",
    "#DF double fault",     "coprocessor segment overrun",
    "#TS invalid TSS",      "#NP segment not present",
    "#SS stack-segment fault", "#GP general protection",
    "#PF page fault",       "reserved (15)",
    "#MF x87 floating-point error", "#AC alignment check",
    "#MC machine check",    "#XM SIMD floating-point error",
    "#VE virtualization exception", "#CP control protection",
    "reserved (22)",        "reserved (23)",
    "reserved (24)",        "reserved (25)",
    "reserved (26)",        "reserved (27)",
    "#HV hypervisor injection", "#VC VMM communication",
    "#SX security exception", "reserved (31)",
};

IdtGate make_gate(uint64_t handler, uint8_t type_attr) {
  return IdtGate{
      .offset_low = static_cast<uint16_t>(handler),
      .selector = kKernelCodeSelector,
      .ist = 0,
      .type_attr = type_attr,
      .offset_mid = static_cast<uint16_t>(handler >> 16),
      .offset_high = static_cast<uint32_t>(handler >> 32),
      .reserved = 0,
  };
}

void report(const TrapFrame& f, const char* name) {
  klog("amd64: trap: %s (vector %lu), error code %#lx\n", name, f.vector, f.error_code);
  klog("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx  ss %04lx\n", f.rip, f.cs, f.rflags, f.rsp,
       f.ss);
  if (f.vector == kVectorPageFault) klog("  cr2 %016lx  cr3 %016lx\n", read_cr2(), read_cr3());
  klog("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  klog("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
  klog("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", f.r9, f.r10, f.r11, f.r12);
  klog("  r13 %016lx  r14 %016lx  r15 %016lx\n", f.r13, f.r14, f.r15);
}

}  // namespace

void idt_init() {
  for (unsigned v = 0; v < kIdtVectors; ++v)
    g_idt[v] = make_gate(amd64_trap_stubs[v], v == kVectorBreakpoint ? kUserInterruptGate : kInterruptGate);
  IdtPointer ptr{.limit = sizeof g_idt - 1, .base = reinterpret_cast<uint64_t>(g_idt)};
  __asm__ __volatile__("lidt %0" : : "m"(ptr) : "memory");
}

uint64_t breakpoint_count() { return __atomic_load_n(&g_breakpoints, __ATOMIC_ACQUIRE); }

TrapFrame last_breakpoint_frame() { return g_last_breakpoint; }

void fatal_trap(const TrapFrame& f) {
  const char* name = f.vector < kExceptionVectors ? kVectorNames[f.vector] : "interrupt";
  report(f, name);
  umach::panic("amd64: unhandled %s at rip %#lx", name, f.rip);
}

}  // namespace umach::amd64

// Called by amd64_trap_common with interrupts off (interrupt gates).
extern "C" void amd64_trap(umach::amd64::TrapFrame* frame) {
  using namespace umach::amd64;
  if (frame->vector >= kExceptionVectors) {
    handle_interrupt(static_cast<unsigned>(frame->vector));
    return;
  }
  if (frame->vector == kVectorBreakpoint) {
    // int3 is a trap: RIP already points past it, so returning resumes.
    g_last_breakpoint = *frame;
    __atomic_store_n(&g_breakpoints, g_breakpoints + 1, __ATOMIC_RELEASE);
    return;
  }
  fatal_trap(*frame);
}
