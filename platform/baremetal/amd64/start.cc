// platform/baremetal/amd64/start.cc: the amd64 boot sequence in C++, from
// boot.S's long-mode jump to the common kernel_main. Order matters: the
// console first (every later step may panic, and panic prints), then the
// IDT (so a fault in the remaining steps is reported, not a triple fault),
// the GDT, TSS and syscall MSRs user mode runs on, then the clock, the interrupt controllers and the timer (calibrated
// against the clock), the memory map that kernel_main's contract requires,
// and the pmaps' boot state (EFER.NXE, the kernel's root). Interrupts are
// enabled last: nothing raises one until the core arms the timer, which it
// does only after cpu_init has set the per-CPU register the handler reads.
// The per-CPU register needs no setup here: kernel_bootstrap's cpu_init(0)
// sets it through Backend::set_current_cpu.
#include <stdint.h>

#include "core/log.h"
#include "platform/baremetal/amd64/boot_memory.h"
#include "platform/baremetal/amd64/clock.h"
#include "platform/baremetal/amd64/gdt.h"
#include "platform/baremetal/amd64/interrupt.h"
#include "platform/baremetal/amd64/pmap.h"
#include "platform/baremetal/amd64/trap.h"
#include "platform/baremetal/amd64/uart.h"
#include "platform/baremetal/common/kmain.h"

// Called once by boot.S on the boot stack; `start_info` is the physical
// address of the PVH struct hvm_start_info.
extern "C" [[noreturn]] void amd64_start(uint32_t start_info) {
  using namespace umach::amd64;
  uart_init();
  idt_init();
  user_mode_init();
  clock_init();
  interrupts_init();
  boot_memory_init(start_info);
  pmap_init();
  umach::klog("amd64: PVH boot, TSC %lu kHz\n", tsc_hz() / 1000);
  enable_interrupts();
  umach::baremetal::kernel_main("amd64");
}
