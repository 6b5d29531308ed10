/* mach_debug/mach_debug_types.h: the debugging-interface types the GNU Mach
 * interfaces umach implements name (task and thread names, symbol names).
 * The rest of mach_debug is not part of umach. C and C++. */
#ifndef _MACH_DEBUG_MACH_DEBUG_TYPES_H_
#define _MACH_DEBUG_MACH_DEBUG_TYPES_H_

typedef char symtab_name_t[32];
typedef const char *const_symtab_name_t;

/* A task's or thread's name (task_set_name, thread_set_name). */
#define KERNEL_DEBUG_NAME_MAX (64)
typedef char kernel_debug_name_t[KERNEL_DEBUG_NAME_MAX];
typedef const char *const_kernel_debug_name_t;

#endif /* _MACH_DEBUG_MACH_DEBUG_TYPES_H_ */
