/* mach/thread_status.h: thread_get_state/thread_set_state flavors.
 *
 * A thread state travels as an array of natural_t words; each flavor's
 * *_COUNT is its structure's size in those 32-bit words. The flavors are
 * the target's own: x86-64 uses GNU Mach's i386_* flavors with the 64-bit
 * register layout (shared/ABI.md); RISC-V64, which GNU Mach lacks, has
 * umach's riscv64_* flavors. Both targets are little-endian LP64.
 * C and C++. */
#ifndef _MACH_THREAD_STATUS_H_
#define _MACH_THREAD_STATUS_H_

#include <mach/machine/vm_types.h>

typedef natural_t *thread_state_t;
typedef const natural_t *const_thread_state_t;
#define THREAD_STATE_MAX (1024)
typedef natural_t thread_state_data_t[THREAD_STATE_MAX];

/* Flavor 0 of every target: the list of flavors the kernel supports. */
#define THREAD_STATE_FLAVOR_LIST 0

#if defined(__x86_64__)

#define i386_THREAD_STATE 1
#define i386_FLOAT_STATE 2
#define i386_ISA_PORT_MAP_STATE 3
#define i386_V86_ASSIST_STATE 4
#define i386_REGS_SEGS_STATE 5
#define i386_DEBUG_STATE 6
#define i386_FSGS_BASE_STATE 7
#define i386_XFLOAT_STATE 8

/* i386_THREAD_STATE and i386_REGS_SEGS_STATE: 168 bytes, count 42. rsp is
 * the value in the register file; ursp is the user stack pointer the
 * thread resumes with (the one to set). */
struct i386_thread_state {
  uint64_t r8;
  uint64_t r9;
  uint64_t r10;
  uint64_t r11;
  uint64_t r12;
  uint64_t r13;
  uint64_t r14;
  uint64_t r15;
  uint64_t rdi;
  uint64_t rsi;
  uint64_t rbp;
  uint64_t rsp;
  uint64_t rbx;
  uint64_t rdx;
  uint64_t rcx;
  uint64_t rax;
  uint64_t rip;
  unsigned int cs;
  uint64_t rfl;
  uint64_t ursp;
  unsigned int ss;
};
#define i386_THREAD_STATE_COUNT (sizeof(struct i386_thread_state) / sizeof(unsigned int))

/* How a thread's floating point is supported (fpkind). */
#define FP_NO 0    /* none */
#define FP_SOFT 1  /* software emulation */
#define FP_287 2
#define FP_387 3   /* FSAVE/FRSTOR */
#define FP_387FX 4 /* FXSAVE/FXRSTOR */
#define FP_387X 5  /* XSAVE/XRSTOR */

/* The x87 FSAVE image: environment, then the eight 80-bit registers from
 * top of stack down. */
struct i386_fp_save {
  unsigned short fp_control;
  unsigned short fp_unused_1;
  unsigned short fp_status;
  unsigned short fp_unused_2;
  unsigned short fp_tag;
  unsigned short fp_unused_3;
  unsigned int fp_eip;
  unsigned short fp_cs;
  unsigned short fp_opcode;
  unsigned int fp_dp;
  unsigned short fp_ds;
  unsigned short fp_unused_4;
};
struct i386_fp_regs {
  unsigned short fp_reg_word[8][5];
};
#define FP_STATE_BYTES (sizeof(struct i386_fp_save) + sizeof(struct i386_fp_regs))

/* i386_FLOAT_STATE: 120 bytes, count 30. hw_state is an i386_fp_save
 * followed by i386_fp_regs. exc_status is the x87 status word of a pending
 * FP exception (read-only). initialized = 0 resets the FPU on set. */
struct i386_float_state {
  int fpkind; /* FP_* (read-only) */
  int initialized;
  unsigned char hw_state[FP_STATE_BYTES];
  int exc_status;
};
#define i386_FLOAT_STATE_COUNT (sizeof(struct i386_float_state) / sizeof(unsigned int))

/* The XSAVE area: the 512-byte legacy FXSAVE region, then its header. */
struct i386_xfp_xstate_header {
  unsigned long long xfp_features;
  unsigned long long xcomp_bv;
  unsigned long long reserved[6];
} __attribute__((packed, aligned(64)));
#define XSAVE_XCOMP_BV_COMPACT (((unsigned long long)1) << 63)

struct i386_xfp_save {
  unsigned short fp_control;
  unsigned short fp_status;
  unsigned short fp_tag;
  unsigned short fp_opcode;
  unsigned int fp_eip;
  unsigned short fp_cs;
  unsigned short fp_eip3;
  unsigned int fp_dp;
  unsigned short fp_ds;
  unsigned short fp_dp3;
  unsigned int fp_mxcsr;
  unsigned int fp_mxcsr_mask;
  unsigned char fp_reg_word[8][16];
  unsigned char fp_xreg_word[16][16];
  unsigned int padding[24];
  struct i386_xfp_xstate_header header;
  /* the extended components follow, sized by i386_get_xstate_size */
} __attribute__((packed, aligned(64)));

/* i386_XFLOAT_STATE: a 16-byte head, then the XSAVE image whose size
 * i386_get_xstate_size reports; the count covers both. */
struct i386_xfloat_state {
  int fpkind; /* FP_* (read-only) */
  int initialized;
  int exc_status;   /* read-only */
  int fp_save_kind; /* FP_387X etc.: the format of hw_state */
  unsigned char hw_state[];
};
#define i386_XFLOAT_STATE_HEAD_COUNT (sizeof(struct i386_xfloat_state) / sizeof(unsigned int))

/* i386_ISA_PORT_MAP_STATE: one bit per I/O port below 0x400. */
#define PORT_MAP_BITS 0x400
struct i386_isa_port_map_state {
  unsigned char pm[PORT_MAP_BITS >> 3];
};
#define i386_ISA_PORT_MAP_STATE_COUNT \
  (sizeof(struct i386_isa_port_map_state) / sizeof(unsigned int))

/* i386_V86_ASSIST_STATE (not supported by umach; kept for the numbering). */
struct i386_v86_assist_state {
  unsigned int int_table;
  int int_count;
};
struct v86_interrupt_table {
  unsigned int count;
  unsigned short mask;
  unsigned short vec;
};
#define i386_V86_ASSIST_STATE_COUNT \
  (sizeof(struct i386_v86_assist_state) / sizeof(unsigned int))

/* i386_DEBUG_STATE: the debug registers DR0..DR7. */
struct i386_debug_state {
  unsigned int dr[8];
};
#define i386_DEBUG_STATE_COUNT (sizeof(struct i386_debug_state) / sizeof(unsigned int))

/* i386_FSGS_BASE_STATE: 16 bytes, count 4. */
struct i386_fsgs_base_state {
  unsigned long fs_base;
  unsigned long gs_base;
};
#define i386_FSGS_BASE_STATE_COUNT (sizeof(struct i386_fsgs_base_state) / sizeof(unsigned int))

#elif defined(__riscv) && __riscv_xlen == 64

#define riscv64_THREAD_STATE 1
#define riscv64_FLOAT_STATE 2

/* riscv64_THREAD_STATE: 256 bytes, count 64. The integer registers x1..x31
 * (x0 is always zero and has no slot), then the pc the thread resumes at. */
struct riscv64_thread_state {
  uint64_t x1; /* ra */
  uint64_t x2; /* sp */
  uint64_t x3; /* gp */
  uint64_t x4; /* tp */
  uint64_t x5;
  uint64_t x6;
  uint64_t x7;
  uint64_t x8; /* s0/fp */
  uint64_t x9;
  uint64_t x10; /* a0 */
  uint64_t x11;
  uint64_t x12;
  uint64_t x13;
  uint64_t x14;
  uint64_t x15;
  uint64_t x16;
  uint64_t x17; /* a7 */
  uint64_t x18;
  uint64_t x19;
  uint64_t x20;
  uint64_t x21;
  uint64_t x22;
  uint64_t x23;
  uint64_t x24;
  uint64_t x25;
  uint64_t x26;
  uint64_t x27;
  uint64_t x28;
  uint64_t x29;
  uint64_t x30;
  uint64_t x31;
  uint64_t pc;
};
#define riscv64_THREAD_STATE_COUNT (sizeof(struct riscv64_thread_state) / sizeof(natural_t))

/* riscv64_FLOAT_STATE: 264 bytes, count 66. f0..f31 as 64-bit (D extension)
 * values, then fcsr in a 64-bit slot (bits above 7 read as zero). */
struct riscv64_float_state {
  uint64_t f[32];
  uint64_t fcsr;
};
#define riscv64_FLOAT_STATE_COUNT (sizeof(struct riscv64_float_state) / sizeof(natural_t))

#else
#error "umach's thread states exist for x86-64 and RISC-V64 only"
#endif

#endif /* _MACH_THREAD_STATUS_H_ */
