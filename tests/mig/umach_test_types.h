/* tests/mig/umach_test_types.h: C types of defs/umach_test.defs. */
#pragma once

#include <mach/std_types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef char name_t[32];
typedef char vname_t[32];
typedef int *ints_t;
typedef int fixed_t[4];
typedef struct { int64_t first, second; } pair_t;
typedef vm_offset_t bytes_t;

/* Translated values: the tests count every translation and release. */
typedef struct counted *counted_t;
typedef struct counted_port *counted_port_t;
counted_t counted_in(int value);
int counted_out(counted_t c);
void counted_release(counted_t c);
counted_port_t counted_port_in(mach_port_t name);
void counted_port_release(counted_port_t p);

#ifdef __cplusplus
}
#endif
