/* mach/machine.h: CPU types and the per-slot machine description that
 * host_info and processor_info report. C and C++. */
#ifndef _MACH_MACHINE_H_
#define _MACH_MACHINE_H_

#include <mach/machine/vm_types.h>

typedef integer_t cpu_type_t;
typedef integer_t cpu_subtype_t;

struct machine_info {
  integer_t major_version;
  integer_t minor_version;
  integer_t max_cpus;   /* CPUs the kernel supports */
  integer_t avail_cpus; /* CPUs running */
  vm_size_t memory_size; /* bytes */
};
typedef struct machine_info *machine_info_t;
typedef struct machine_info machine_info_data_t;

#define CPU_STATE_MAX 3
#define CPU_STATE_USER 0
#define CPU_STATE_SYSTEM 1
#define CPU_STATE_IDLE 2

struct machine_slot {
  integer_t is_cpu;
  cpu_type_t cpu_type;
  cpu_subtype_t cpu_subtype;
  integer_t running;
  integer_t cpu_ticks[CPU_STATE_MAX];
  integer_t clock_freq;
};
typedef struct machine_slot *machine_slot_t;
typedef struct machine_slot machine_slot_data_t;

#define CPU_TYPE_VAX ((cpu_type_t)1)
#define CPU_TYPE_ROMP ((cpu_type_t)2)
#define CPU_TYPE_MC68020 ((cpu_type_t)3)
#define CPU_TYPE_NS32032 ((cpu_type_t)4)
#define CPU_TYPE_NS32332 ((cpu_type_t)5)
#define CPU_TYPE_NS32532 ((cpu_type_t)6)
#define CPU_TYPE_I386 ((cpu_type_t)7)
#define CPU_TYPE_MIPS ((cpu_type_t)8)
#define CPU_TYPE_MC68030 ((cpu_type_t)9)
#define CPU_TYPE_MC68040 ((cpu_type_t)10)
#define CPU_TYPE_HPPA ((cpu_type_t)11)
#define CPU_TYPE_ARM ((cpu_type_t)12)
#define CPU_TYPE_MC88000 ((cpu_type_t)13)
#define CPU_TYPE_SPARC ((cpu_type_t)14)
#define CPU_TYPE_I860 ((cpu_type_t)15)
#define CPU_TYPE_ALPHA ((cpu_type_t)16)
#define CPU_TYPE_I486 ((cpu_type_t)17)
#define CPU_TYPE_PENTIUM ((cpu_type_t)18)
#define CPU_TYPE_PENTIUMPRO ((cpu_type_t)19)
#define CPU_TYPE_POWERPC ((cpu_type_t)20)
#define CPU_TYPE_X86_64 ((cpu_type_t)21)
#define CPU_TYPE_RISCV64 ((cpu_type_t)22) /* umach's own number */

#define CPU_SUBTYPE_AT386 ((cpu_subtype_t)1)

#endif /* _MACH_MACHINE_H_ */
