// platform/hosted/user/user_frame.h: the saved user state of a Mach thread
// on hosted (Backend::UserFrame) and the per-CPU slots of the user-mode
// entry (Backend::CpuMachine::user).
//
// Both are read and written by the assembly in user_entry.cc through
// offsets (offsetof, passed as immediates), so their layouts are part of
// that code: the first sixteen words of UserFrame are in the order the
// restore stub pops them; keep them so.
//
// FP state has two forms, named by `fp_full`:
//   true:  `xsave` holds a complete standard-format XSAVE image (what a
//          signal, a preemption, frame_init and --precise-fp trap calls
//          save); the return to user XRSTORs it.
//   false: only `mxcsr` and `fcw` are saved (a trap call without
//          --precise-fp: the SysV contract keeps those two and nothing else
//          of the FP state across a call); the return loads just them, and
//          the vector registers are whatever the kernel left in them.
// The XSAVE area has a fixed capacity so the core can embed a frame by
// value; the bytes used (and the features saved) come from CPUID leaf 0xD
// at boot (user_mode_init), and boot fails if they do not fit.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/platform/user_mode.h"

namespace umach::platform::hosted {

inline constexpr size_t kXsaveCapacity = 4096;  // AVX-512 + PKRU need 2696

struct alignas(64) UserFrame {
  // Popped in this order by the restore stub.
  uint64_t r15 = 0, r14 = 0, r13 = 0, r12 = 0, r11 = 0, r10 = 0, r9 = 0, r8 = 0;
  uint64_t rbp = 0, rdi = 0, rsi = 0, rdx = 0, rcx = 0, rbx = 0, rax = 0;
  uint64_t rflags = 0x202;
  uint64_t rsp = 0;
  uint64_t rip = 0;
  // 0: the thread has no FS of its own and runs with the vCPU's (it must not
  // use it). Otherwise installed (one system call each way, no FSGSBASE
  // here) on every return to user.
  uint64_t fs_base = 0;
  // Recorded for thread_get_state only: GS belongs to the platform on
  // hosted (it is the per-CPU pointer), so user code never gets its own.
  uint64_t gs_base = 0;
  uint32_t mxcsr = 0x1f80;  // fp_full == false only
  uint16_t fcw = 0x037f;    // fp_full == false only
  uint8_t fp_full = 0;
  alignas(64) uint8_t xsave[kXsaveCapacity] = {};
};

// The calling vCPU's user-mode slots, reached %gs-relative by the entry
// assembly: GS is the Cpu pointer and user code never changes it (task
// programs make no host system calls), so it is the one register that is
// always the kernel's at the boundary. Only the owning vCPU touches them,
// from its kernel thread or its signal handler.
struct UserCpu {
  UserFrame* frame = nullptr;  // the frame run_user is running (null: none)
  void* kernel_sp = nullptr;   // run_user's kernel stack, callee-saved registers on top
  uint64_t resume_rip = 0;     // frame->rip / rsp, copied where the stub's last
  uint64_t resume_rsp = 0;     //   two instructions reach them with every GPR loaded
  uint64_t scratch = 0;        // the trap entry's spill slot (user r11)
  uint64_t kernel_fs = 0;      // this host thread's FS base (its TLS), while user FS is live
  uint64_t user_fs = 0;        // FS base to install on return (0: keep the kernel's)
  uint8_t in_user = 0;         // between the restore stub's start and the kernel re-entry
  uint8_t user_fs_live = 0;    // FS holds user_fs, not kernel_fs
  TrapInfo trap{TrapKind::kTrapCall};  // why run_user returns
  TrapCallHook* hook = nullptr;        // run_user's: serves trap calls from the trap entry
};

}  // namespace umach::platform::hosted
