/* mach/machine/vm_types.h: the scalar types every other Mach header builds on.
 *
 * umach runs LP64 only (x86-64 and RISC-V64): natural_t and integer_t are 32
 * bits, addresses, sizes and the RPC "long" and pointer slots are 64. The rpc_*
 * names are the types as they travel in messages; on LP64 they equal the
 * in-memory types, so user code and the kernel see one layout. C and C++. */
#ifndef _MACH_MACHINE_VM_TYPES_H_
#define _MACH_MACHINE_VM_TYPES_H_

#ifndef __ASSEMBLER__
#include <stdint.h>

typedef unsigned int natural_t;
typedef int integer_t;

/* Register-sized counters (64 bits on LP64). */
typedef unsigned long long_natural_t;
typedef long long_integer_t;

typedef uintptr_t vm_offset_t;
typedef uintptr_t vm_size_t;
typedef vm_offset_t *vm_offset_array_t;
typedef const vm_offset_t *const_vm_offset_array_t;
typedef vm_size_t *vm_size_array_t;
typedef const vm_size_t *const_vm_size_array_t;

typedef unsigned long long phys_addr_t;

/* Wire types: what a message carries for each of the above. */
typedef vm_offset_t rpc_vm_address_t;
typedef vm_offset_t rpc_vm_offset_t;
typedef vm_size_t rpc_vm_size_t;
typedef long_natural_t rpc_long_natural_t;
typedef long_integer_t rpc_long_integer_t;
typedef uintptr_t rpc_uintptr_t;
typedef intptr_t rpc_intptr_t;
typedef unsigned long long rpc_phys_addr_t;
typedef rpc_vm_offset_t *rpc_vm_offset_array_t;
typedef const rpc_vm_offset_t *const_rpc_vm_offset_array_t;
typedef rpc_vm_size_t *rpc_vm_size_array_t;
typedef const rpc_vm_size_t *const_rpc_vm_size_array_t;
typedef rpc_phys_addr_t *rpc_phys_addr_array_t;
typedef const rpc_phys_addr_t *const_rpc_phys_addr_array_t;
#endif /* __ASSEMBLER__ */

/* The message type a natural_t/integer_t travels as. */
#define MACH_MSG_TYPE_INTEGER_T 2 /* MACH_MSG_TYPE_INTEGER_32 */

#endif /* _MACH_MACHINE_VM_TYPES_H_ */
