// platform/baremetal/amd64/uart.h: the COM1 console (uart.cc).
#pragma once

namespace umach::amd64 {

// Programs COM1 for 115200 8N1, polled. console_write() works without it
// (QEMU's UART accepts bytes at reset), but real hardware needs it.
void uart_init();

}  // namespace umach::amd64
