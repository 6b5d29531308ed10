// bench/plain_gs.h: host peers measured as a plain Linux process's threads.
//
// Every host thread the benchmark binary starts inherits a non-zero GS
// base (the hosted kernel's per-CPU pointer, set on the thread that
// booted it). On a CPU without FSGSBASE, Linux then writes the GS base MSR
// on every switch into such a thread, which on this kind of VM roughly
// doubles a pipe, socket or futex round trip. A peer stands for what a
// Linux process pays, so its threads run with GS base 0 for the
// measurement and get the old one back after.
#pragma once

#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

class PlainGsBase {
 public:
  PlainGsBase() {
    if (syscall(SYS_arch_prctl, ARCH_GET_GS, &saved_) != 0) saved_ = 0;
    if (saved_ != 0) syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
  }
  ~PlainGsBase() {
    if (saved_ != 0) syscall(SYS_arch_prctl, ARCH_SET_GS, saved_);
  }
  PlainGsBase(const PlainGsBase&) = delete;
  PlainGsBase& operator=(const PlainGsBase&) = delete;

 private:
  unsigned long saved_ = 0;
};
