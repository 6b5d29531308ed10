// lib/tests/libc_host.h: the host build of lib/libc as the tests call it:
// every function under its umach_libc_ name (libc_host_names.h), so the
// test program's own libc is untouched.
#pragma once

#include <stdarg.h>
#include <stddef.h>

extern "C" {
void* umach_libc_memcpy(void* dst, const void* src, size_t n);
void* umach_libc_memmove(void* dst, const void* src, size_t n);
void* umach_libc_memset(void* dst, int c, size_t n);
int umach_libc_memcmp(const void* a, const void* b, size_t n);
void* umach_libc_memchr(const void* s, int c, size_t n);
size_t umach_libc_strlen(const char* s);
size_t umach_libc_strnlen(const char* s, size_t max);
int umach_libc_strcmp(const char* a, const char* b);
int umach_libc_strncmp(const char* a, const char* b, size_t n);
char* umach_libc_strcpy(char* dst, const char* src);
char* umach_libc_strncpy(char* dst, const char* src, size_t n);
char* umach_libc_stpncpy(char* dst, const char* src, size_t n);
char* umach_libc_strcat(char* dst, const char* src);
char* umach_libc_strchr(const char* s, int c);
char* umach_libc_strrchr(const char* s, int c);
char* umach_libc_strstr(const char* haystack, const char* needle);
int umach_libc_printf(const char* format, ...);
int umach_libc_snprintf(char* buf, size_t size, const char* format, ...);
int umach_libc_vsnprintf(char* buf, size_t size, const char* format, va_list ap);
int umach_libc_puts(const char* s);
int umach_libc_putchar(int c);
int umach_libc_atoi(const char* s);
long umach_libc_strtol(const char* s, char** end, int base);
unsigned long umach_libc_strtoul(const char* s, char** end, int base);
long long umach_libc_strtoll(const char* s, char** end, int base);
unsigned long long umach_libc_strtoull(const char* s, char** end, int base);
}
