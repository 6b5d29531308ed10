// core/platform/user_mode.h: running user code, as the core sees it.
//
// A kernel thread that carries a Mach thread runs its user code with
// Platform::run_user(frame): the machine resumes the user state in `frame`
// and returns to the kernel, on the same kernel stack, when the user code
// traps (a Mach trap call, a fault, a timer tick). `frame` then holds the
// complete user state at the trap, and the returned TrapInfo says why.
// The core changes the frame (return values, a new pc) and calls run_user
// again. This is GNU Mach's thread_syscall_return/exception path turned into
// a loop the kernel thread owns.
//
// The platform contract's UserMode concept (contract.h) lists the calls;
// every backend has them (hosted: platform/hosted/user; amd64: syscall and
// iretq; riscv64: ecall and sret). core/task/user_task.h is the loop.
#pragma once

#include <stdint.h>

namespace umach {

enum class TrapKind : uint8_t {
  kTrapCall,            // a Mach trap through the commpage (or syscall/ecall)
  kPageFault,           // address, access: a user access the pmap does not allow
  kIllegalInstruction,  // EXC_BAD_INSTRUCTION; code EXC_I386_INVOP / EXC_RISCV64_ILLEGAL
  kArithmetic,          // EXC_ARITHMETIC: division by zero, x87/SSE errors (code EXC_I386_DIV, _EXTERR)
  kBreakpoint,          // EXC_BREAKPOINT: int3 / ebreak (EXC_I386_BPT), single step (EXC_I386_SGL)
  kGeneralProtection,   // EXC_BAD_INSTRUCTION, EXC_I386_GPFLT: a privileged or otherwise faulting instruction
  kPreempted,           // a timer tick arrived while in user mode
  kBadAccess,           // EXC_BAD_ACCESS that no page fault resolves: code the platform's
                        // (EXC_RISCV64_MISALIGNED), subcode the address
  kServed,              // trap calls the hook served (TrapCallHook), the last one
                        // without going straight back: the loop goes on from its top
};

// A platform may serve trap calls without returning from run_user: it
// calls serve(hook) on the same kernel thread, in kernel mode, which does
// what the core's loop does between two runs (handles the call, then
// prepares the way back) and says whether user code goes on at once with
// the frame as it is; if not, run_user returns kServed. serve may block,
// and the thread may come back on another CPU. (Hosted does this from its
// trap entry, so a trap returns to user code without unwinding into the
// loop and calling back down; bare metal does not use it.)
struct TrapCallHook {
  bool (*serve)(TrapCallHook* self);
};

enum class Access : uint8_t { kRead, kWrite, kExecute };

struct TrapInfo {
  TrapKind kind;
  Access access = Access::kRead;  // kPageFault only
  uint64_t address = 0;           // kPageFault: the faulting address
  // kPageFault: the platform's detail (the error code). The other faults:
  // the machine-dependent Mach code and subcode of their exception
  // (<mach/exception.h>), as GNU Mach's user_trap gives them: e.g.
  // EXC_I386_GPFLT with the error code, EXC_I386_EXTERR with the x87
  // status word or the MXCSR.
  uint64_t code = 0;
  uint64_t subcode = 0;
};

}  // namespace umach
