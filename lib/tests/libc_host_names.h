/* lib/tests/libc_host_names.h: force-included (-include) into the host build
 * of lib/libc and into its test: renames every libc function to
 * umach_libc_NAME, so the test program keeps the host's own libc (and the
 * sanitizers' interceptors) while it tests umach's. */
#pragma once

#define memcpy umach_libc_memcpy
#define memmove umach_libc_memmove
#define memset umach_libc_memset
#define memcmp umach_libc_memcmp
#define memchr umach_libc_memchr
#define strlen umach_libc_strlen
#define strnlen umach_libc_strnlen
#define strcmp umach_libc_strcmp
#define strncmp umach_libc_strncmp
#define strcpy umach_libc_strcpy
#define strncpy umach_libc_strncpy
#define stpncpy umach_libc_stpncpy
#define strcat umach_libc_strcat
#define strchr umach_libc_strchr
#define strrchr umach_libc_strrchr
#define strstr umach_libc_strstr
#define printf umach_libc_printf
#define vprintf umach_libc_vprintf
#define snprintf umach_libc_snprintf
#define vsnprintf umach_libc_vsnprintf
#define puts umach_libc_puts
#define putchar umach_libc_putchar
#define atoi umach_libc_atoi
#define atol umach_libc_atol
#define strtol umach_libc_strtol
#define strtoul umach_libc_strtoul
#define strtoll umach_libc_strtoll
#define strtoull umach_libc_strtoull
#define abs umach_libc_abs
#define labs umach_libc_labs
