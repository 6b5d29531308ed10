/* tests/abi/abi_c.h: what abi_c.c (compiled as C) exports to the C++ test,
 * so the test can check that C lays messages out exactly as C++ does. */
#ifndef UMACH_TESTS_ABI_C_H
#define UMACH_TESTS_ABI_C_H

#ifdef __cplusplus
extern "C" {
#endif

/* The first word of a mach_msg_type_t with these fields, built in C. */
unsigned int umach_abi_c_type_word(unsigned int name, unsigned int size, unsigned int is_inline,
                                   unsigned int longform, unsigned int deallocate);

/* ABI.md's mach_port_allocate request (task 0x3, reply 0x77, right 1),
 * built in C into out[48]; padding bytes are zero. */
void umach_abi_c_port_allocate_request(unsigned char out[48]);

/* time_value_add of {1 s, 600000 us} and {2 s, 500000 us}, built in C:
 * stores the result's seconds and microseconds. */
void umach_abi_c_time_value_sum(long *seconds, int *microseconds);

#ifdef __cplusplus
}
#endif

#endif /* UMACH_TESTS_ABI_C_H */
