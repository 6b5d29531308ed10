// platform/baremetal/amd64/uart.cc: the console, a 16550 UART on COM1,
// polled (no interrupts): it must work from the first instruction of C++
// and from panic, so it needs no allocation and no interrupt.
//
// console_write() writes one klog line at a time; a small lock keeps lines
// from several CPUs whole. The lock gives up after a bounded wait, so a
// CPU that faulted while holding it (a trap inside console_write) cannot
// silence the panic report that follows: a garbled line beats none.
#include "platform/baremetal/amd64/uart.h"

#include "core/kstd/atomic.h"
#include "core/platform/platform.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {
namespace {

constexpr uint16_t kCom1 = 0x3F8;
// Register offsets from the base port.
constexpr uint16_t kData = 0;         // THR on write, RBR on read (DLAB = 0)
constexpr uint16_t kIntEnable = 1;    // IER (DLAB = 0); divisor high byte (DLAB = 1)
constexpr uint16_t kFifoControl = 2;  // FCR
constexpr uint16_t kLineControl = 3;  // LCR
constexpr uint16_t kModemControl = 4; // MCR
constexpr uint16_t kLineStatus = 5;   // LSR
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kLcr8N1 = 0x03;
constexpr uint8_t kLsrThrEmpty = 0x20;
constexpr uint8_t kLsrDataReady = 0x01;
constexpr unsigned kLockSpins = 1u << 20;

kstd::Atomic<bool> g_console_busy{false};

void put_byte(char c) {
  while ((inb(kCom1 + kLineStatus) & kLsrThrEmpty) == 0) Platform::cpu_relax();
  outb(kCom1 + kData, static_cast<uint8_t>(c));
}

void write_locked_if_possible(const char* s, size_t n) {
  bool locked = false;
  for (unsigned spins = 0; spins < kLockSpins; ++spins) {
    bool expected = false;
    if (g_console_busy.compare_exchange(expected, true)) {
      locked = true;
      break;
    }
    Platform::cpu_relax();
  }
  // Serial terminals want CR LF; the core writes LF.
  for (size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') put_byte('\r');
    put_byte(s[i]);
  }
  if (locked) g_console_busy.store(false);
}

}  // namespace

void uart_init() {
  outb(kCom1 + kIntEnable, 0);           // polled: no UART interrupts
  outb(kCom1 + kLineControl, kLcrDlab);  // divisor 1: 115200 baud
  outb(kCom1 + kData, 1);
  outb(kCom1 + kIntEnable, 0);
  outb(kCom1 + kLineControl, kLcr8N1);
  outb(kCom1 + kFifoControl, 0xC7);      // FIFOs on and cleared, 14-byte trigger
  outb(kCom1 + kModemControl, 0x03);     // DTR, RTS
}

}  // namespace umach::amd64

namespace umach::platform {

void Backend::console_write(const char* s, size_t n) { amd64::write_locked_if_possible(s, n); }

// What the receiver holds (the 16550 has a 16-byte FIFO); a serial line
// never ends, so never -1.
long Backend::console_read(char* buf, size_t n) {
  size_t got = 0;
  while (got < n && (amd64::inb(amd64::kCom1 + amd64::kLineStatus) & amd64::kLsrDataReady))
    buf[got++] = static_cast<char>(amd64::inb(amd64::kCom1 + amd64::kData));
  return static_cast<long>(got);
}

}  // namespace umach::platform
