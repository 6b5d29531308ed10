/* mach/vm_param.h: page size and page arithmetic.
 *
 * Both umach targets use 4 KiB pages. round_page/trunc_page here use that
 * constant; <mach_init.h> replaces them with versions that use the run-time
 * vm_page_size, as glibc's do (whichever header comes last, the mach_init.h
 * ones win). C and C++, also assembly for the constants. */
#ifndef _MACH_VM_PARAM_H_
#define _MACH_VM_PARAM_H_

#include <mach/machine/vm_types.h>

#define BYTE_SIZE 8 /* bits per byte */

#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12
#endif
#ifndef PAGE_SIZE
#define PAGE_SIZE (1 << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK (PAGE_SIZE - 1)
#endif

#define atop(x) (((vm_size_t)(x)) >> PAGE_SHIFT)
#define ptoa(x) ((vm_offset_t)((x) << PAGE_SHIFT))

#ifndef _MACH_INIT_H_
#define round_page(x) ((vm_offset_t)((((vm_offset_t)(x)) + PAGE_MASK) & ~(vm_offset_t)PAGE_MASK))
#define trunc_page(x) ((vm_offset_t)(((vm_offset_t)(x)) & ~(vm_offset_t)PAGE_MASK))
#endif

#define round_phys(x) ((phys_addr_t)((((phys_addr_t)(x)) + PAGE_MASK) & ~(phys_addr_t)PAGE_MASK))
#define trunc_phys(x) ((phys_addr_t)(((phys_addr_t)(x)) & ~(phys_addr_t)PAGE_MASK))

#define page_aligned(x) ((((vm_offset_t)(x)) & PAGE_MASK) == 0)
#define phys_aligned(x) ((((phys_addr_t)(x)) & PAGE_MASK) == 0)

#define VM_MIN_ADDRESS (0)

#endif /* _MACH_VM_PARAM_H_ */
