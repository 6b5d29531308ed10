// platform/baremetal/riscv64/machine.cc: stopping the machine.
//
// Power off asks the firmware (SBI System Reset, then the legacy shutdown);
// QEMU's virt board turns that into an exit. If both calls come back, the
// hart parks in wfi with interrupts off, which is as stopped as S-mode can
// make it, and leaves the state for a debugger.
#include "core/platform/platform.h"
#include "platform/baremetal/riscv64/sbi.h"

namespace umach::platform {
namespace {

[[noreturn]] void park() {
  __asm__ __volatile__("csrci sstatus, 2" ::: "memory");  // SIE off: nothing wakes us to run
  for (;;) __asm__ __volatile__("wfi");
}

}  // namespace

void Backend::poweroff(int status) {
  namespace sbi = riscv64::sbi;
  uint64_t reason = status == 0 ? sbi::kReasonNone : sbi::kReasonSystemFailure;
  sbi::call(sbi::kSystemReset, 0, sbi::kResetShutdown, reason);
  sbi::call(sbi::kLegacyShutdown, 0);
  park();
}

void Backend::panic_stop() { poweroff(1); }

}  // namespace umach::platform
