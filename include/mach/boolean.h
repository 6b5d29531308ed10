/* mach/boolean.h: boolean_t, Mach's int-sized truth value, and TRUE/FALSE
 * (unless NOBOOL is defined or the includer already has them). */
#ifndef _MACH_BOOLEAN_H_
#define _MACH_BOOLEAN_H_

#ifndef __ASSEMBLER__
typedef int boolean_t;
#endif

#ifndef NOBOOL
#ifndef TRUE
#define TRUE ((boolean_t)1)
#endif
#ifndef FALSE
#define FALSE ((boolean_t)0)
#endif
#endif

#endif /* _MACH_BOOLEAN_H_ */
