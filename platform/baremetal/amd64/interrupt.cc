// platform/baremetal/amd64/interrupt.cc: the PICs' retirement and the
// interrupt dispatcher (see interrupt.h).
//
// The 8259 initialisation sequence (ICW1..ICW4) is the only way to move the
// PICs' vectors; once remapped, every IRQ line is masked (OCW1) and the
// PICs stay silent except for a possible spurious IRQ 7 or 15, which needs
// no EOI.
#include "platform/baremetal/amd64/interrupt.h"

#include "core/kassert.h"
#include "platform/baremetal/amd64/lapic.h"
#include "platform/baremetal/amd64/timer.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

constexpr uint16_t kPic1Command = 0x20, kPic1Data = 0x21;
constexpr uint16_t kPic2Command = 0xA0, kPic2Data = 0xA1;
constexpr uint8_t kIcw1Init = 0x11;        // initialise, edge triggered, cascade, ICW4 follows
constexpr uint8_t kIcw3MasterCascade = 4;  // the slave hangs off the master's IRQ 2 (bit mask)
constexpr uint8_t kIcw3SlaveId = 2;        // ... and knows its cascade identity as 2
constexpr uint8_t kIcw48086 = 0x01;        // 8086 mode, normal EOI
constexpr uint8_t kMaskAll = 0xFF;

// Spurious interrupts since boot (the APIC's vector, or a PIC IRQ that
// slipped through the mask), for a debugger. Written by the interrupted
// CPU with interrupts disabled.
constinit uint64_t g_spurious = 0;

void pic_remap_and_mask() {
  outb(kPic1Command, kIcw1Init);
  outb(kPic2Command, kIcw1Init);
  outb(kPic1Data, kVectorPicBase);
  outb(kPic2Data, kVectorPicBase + 8);
  outb(kPic1Data, kIcw3MasterCascade);
  outb(kPic2Data, kIcw3SlaveId);
  outb(kPic1Data, kIcw48086);
  outb(kPic2Data, kIcw48086);
  outb(kPic1Data, kMaskAll);
  outb(kPic2Data, kMaskAll);
}

}  // namespace

void interrupts_init() {
  pic_remap_and_mask();
  lapic_init(kVectorApicSpurious);
  timer_init();
}

void handle_interrupt(unsigned vector) {
  if (vector == kVectorTimer) {
    timer_interrupt();
    lapic_eoi();
    return;
  }
  // Spurious interrupts are not in service anywhere: no EOI (an EOI would
  // retire some other interrupt still in service).
  if (vector == kVectorApicSpurious || (vector >= kVectorPicBase && vector < kVectorPicBase + kPicVectors)) {
    __atomic_store_n(&g_spurious, g_spurious + 1, __ATOMIC_RELAXED);
    return;
  }
  panic("amd64: interrupt on vector %u, which nothing owns", vector);
}

}  // namespace umach::amd64
