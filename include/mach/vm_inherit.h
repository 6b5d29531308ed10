/* mach/vm_inherit.h: what a child task created with inherit_memory gets
 * of each region. C and C++. */
#ifndef _MACH_VM_INHERIT_H_
#define _MACH_VM_INHERIT_H_

typedef int vm_inherit_t;

#define VM_INHERIT_SHARE ((vm_inherit_t)0) /* child shares the memory */
#define VM_INHERIT_COPY ((vm_inherit_t)1)  /* child gets a copy-on-write copy */
#define VM_INHERIT_NONE ((vm_inherit_t)2)  /* child gets nothing there */

#define VM_INHERIT_DEFAULT VM_INHERIT_COPY

#endif /* _MACH_VM_INHERIT_H_ */
