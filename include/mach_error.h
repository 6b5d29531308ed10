/* mach_error.h: printing mach_error_t values (libmach implements these).
 * C and C++. */
#ifndef _MACH_ERROR_H_USER_
#define _MACH_ERROR_H_USER_

#include <mach/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A fixed description of the code, e.g. "(os/kern) invalid argument". */
const char *mach_error_string(mach_error_t error_value);
/* Prints str, the description and the code on the console. */
void mach_error(const char *str, mach_error_t error_value);
/* The system/subsystem the code belongs to, e.g. "(os/kern)". */
const char *mach_error_type(mach_error_t error_value);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_ERROR_H_USER_ */
