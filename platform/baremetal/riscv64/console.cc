// platform/baremetal/riscv64/console.cc: the console, on the virt machine's
// 16550 UART at 0x10000000 (identity mapped), polled.
//
// OpenSBI has already programmed the UART (it prints its banner there), so
// the kernel only waits for room in the transmitter and writes. No lock: a
// line is written in one call (core/log.h), and with one hart today lines
// cannot interleave; polling also keeps this safe inside panic and traps.
// The base is fixed rather than read from the device tree so that the
// console works before the tree is parsed and when parsing it fails.
#include <stddef.h>
#include <stdint.h>

#include "core/platform/platform.h"

namespace umach::platform {
namespace {

constexpr uintptr_t kUartBase = 0x10000000;
constexpr uintptr_t kTransmitHolding = 0;  // THR, write side of register 0
constexpr uintptr_t kLineStatus = 5;       // LSR
constexpr uint8_t kTransmitHoldingEmpty = 1 << 5;
constexpr uintptr_t kReceiveBuffer = 0;  // RBR, read side of register 0
constexpr uint8_t kDataReady = 1 << 0;

volatile uint8_t* uart_register(uintptr_t offset) { return reinterpret_cast<volatile uint8_t*>(kUartBase + offset); }

void uart_put(char c) {
  while ((*uart_register(kLineStatus) & kTransmitHoldingEmpty) == 0) {
  }
  *uart_register(kTransmitHolding) = static_cast<uint8_t>(c);
}

}  // namespace

// A serial terminal wants CR LF; the boot script strips the CR.
void Backend::console_write(const char* s, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') uart_put('\r');
    uart_put(s[i]);
  }
}

// What the receiver holds; a serial line never ends, so never -1.
long Backend::console_read(char* buf, size_t n) {
  size_t got = 0;
  while (got < n && (*uart_register(kLineStatus) & kDataReady))
    buf[got++] = static_cast<char>(*uart_register(kReceiveBuffer));
  return static_cast<long>(got);
}

}  // namespace umach::platform
