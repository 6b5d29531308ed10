// platform/baremetal/amd64/machine.cc: per-CPU register and power.
//
// Power off goes through QEMU's isa-debug-exit device (iobase 0xf4, given
// by scripts/boot-qemu.sh): writing v makes QEMU exit with status
// (v << 1) | 1, so success (v = 0x10, QEMU status 33) and failure (v = 0x11,
// status 35) stay distinct from each other and from QEMU's own errors.
// Without the device the write is ignored and the CPU halts for good.
#include "core/platform/platform.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::platform {
namespace {
constexpr uint16_t kDebugExitPort = 0xf4;
constexpr uint8_t kDebugExitSuccess = 0x10;
constexpr uint8_t kDebugExitFailure = 0x11;
}  // namespace

// GS base, not the GS selector: in long mode the base is a full 64-bit MSR.
void Backend::set_current_cpu(Cpu* cpu) { amd64::wrmsr(amd64::kMsrGsBase, reinterpret_cast<uint64_t>(cpu)); }

void Backend::poweroff(int status) {
  amd64::outb(kDebugExitPort, status == 0 ? kDebugExitSuccess : kDebugExitFailure);
  amd64::halt_forever();
}

// The state stays in QEMU only as long as QEMU runs; the report on the
// console is what CI keeps, so stop the machine with a failure status.
void Backend::panic_stop() { poweroff(1); }

}  // namespace umach::platform
