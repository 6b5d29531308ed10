// platform/hosted/user/user_internal.h: what the user-mode files share
// (never included by the core or by tests).
//
//   user_entry.cc    the entry/exit glue (assembly), run_user, copyin/out  (no sanitizers)
//   user_signals.cc  the signal handler: user traps, recovery, kernel faults (no sanitizers)
//   user_ranges.cc   the table of task-program code ranges                (no sanitizers)
//   fp_state.cc      XSAVE geometry from CPUID, frame_init, frame_sanitise
//
// The glue reads the per-CPU slots (UserCpu) %gs-relative and the frame
// (UserFrame) through offsets it cannot compute itself (top-level assembly
// takes no operands): those of our own types are spelled out here and
// checked against offsetof in user_entry.cc, so a layout change fails to
// compile; the core's Cpu offsets come from offsetof directly.
#pragma once

#include <stddef.h>
#include <stdint.h>

// UserFrame offsets (user_frame.h).
#define UMACH_UF_R15 0
#define UMACH_UF_R14 8
#define UMACH_UF_R13 16
#define UMACH_UF_R12 24
#define UMACH_UF_R11 32
#define UMACH_UF_R10 40
#define UMACH_UF_R9 48
#define UMACH_UF_R8 56
#define UMACH_UF_RBP 64
#define UMACH_UF_RDI 72
#define UMACH_UF_RSI 80
#define UMACH_UF_RDX 88
#define UMACH_UF_RCX 96
#define UMACH_UF_RBX 104
#define UMACH_UF_RAX 112
#define UMACH_UF_RFLAGS 120
#define UMACH_UF_RSP 128
#define UMACH_UF_RIP 136
#define UMACH_UF_FS_BASE 144
#define UMACH_UF_MXCSR 160
#define UMACH_UF_FCW 164
#define UMACH_UF_FP_FULL 166
#define UMACH_UF_XSAVE 192

// Offsets from the Cpu (the GS base): Cpu::timer_fired, and the UserCpu
// slots at Cpu::machine.user. Cpu belongs to the core and changes, so its
// two offsets are assembler symbols that user_entry.cc defines from
// offsetof (".set"); the UserCpu offsets are ours. No parentheses: these
// expand inside AT&T memory operands.
#define UMACH_CPU_TIMER_FIRED umach_hosted_cpu_timer_fired_offset
#define UMACH_CPU_USER umach_hosted_cpu_user_offset
#define UMACH_UC_FRAME UMACH_CPU_USER+0
#define UMACH_UC_KERNEL_SP UMACH_CPU_USER+8
#define UMACH_UC_RESUME_RIP UMACH_CPU_USER+16
#define UMACH_UC_RESUME_RSP UMACH_CPU_USER+24
#define UMACH_UC_SCRATCH UMACH_CPU_USER+32
#define UMACH_UC_KERNEL_FS UMACH_CPU_USER+40
#define UMACH_UC_USER_FS UMACH_CPU_USER+48
#define UMACH_UC_IN_USER UMACH_CPU_USER+56
#define UMACH_UC_USER_FS_LIVE UMACH_CPU_USER+57
#define UMACH_UC_TRAP_KIND UMACH_CPU_USER+64
#define UMACH_UC_HOOK UMACH_CPU_USER+96

// TrapKind values the glue stores (checked in user_entry.cc).
#define UMACH_TRAP_CALL 0
#define UMACH_TRAP_PREEMPTED 6
#define UMACH_TRAP_SERVED 8

#ifndef __ASSEMBLER__

namespace umach::platform::hosted {
struct UserFrame;
}

// Labels in the glue, and the globals it reads RIP-relative (plain C names:
// the assembly spells them).
extern "C" {
void umach_hosted_enter_user();             // run_user's jump to user mode; returns at the trap
void umach_hosted_kernel_reentry();         // where a redirected signal returns to
bool umach_hosted_copy_user(void* dst, const void* src, size_t n);  // false on a fault
void umach_hosted_signal_entry(int, void*, void*);  // the handler's prologue (user_signals.cc)
extern const char umach_hosted_user_glue_begin[], umach_hosted_user_glue_end[];
extern const char umach_hosted_user_restore_begin[], umach_hosted_user_restore_end[];
extern const char umach_hosted_trap_entry_read_ret[];
extern const char umach_hosted_copy_user_fault_begin[], umach_hosted_copy_user_fault_end[];
extern const char umach_hosted_copy_user_fixup[];

extern uint64_t umach_hosted_xsave_mask;    // features saved and restored (XCR0 minus AMX)
extern uint32_t umach_hosted_xsave_size;    // bytes of a standard-format image with them
extern uint32_t umach_hosted_mxcsr_mask;    // MXCSR bits the CPU accepts
extern uint8_t umach_hosted_precise_fp;     // --precise-fp
extern uint8_t umach_hosted_has_avx;        // vzeroupper at kernel entry
extern uint8_t umach_hosted_user_fs_ever;   // some frame ran with its own FS: the signal prologue checks
extern const uint32_t umach_hosted_kernel_mxcsr;
}

namespace umach::platform::hosted {

// fp_state.cc: the XSAVE geometry and the CPU's FP facts, once at boot.
void user_mode_init();
// Whether XRSTOR takes a standard-format image (umach_hosted_xsave_size
// bytes): MXCSR within the CPU's mask, no feature outside the saved ones,
// not compacted, the rest of the header zero.
bool xsave_image_valid(const uint8_t* image);

// user_ranges.cc: is `pc` in registered task-program code? Lock-free; from
// a signal handler.
bool user_range_contains(uint64_t pc);

}  // namespace umach::platform::hosted

#endif
