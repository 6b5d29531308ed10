/* stdio.h: umach's task-program libc (lib/libc). There are no files: output
 * goes to the kernel console through the mach_print trap. printf formats
 * into a buffer and prints it with one trap per call (a line longer than
 * the buffer takes several), so lines from concurrent threads do not
 * interleave mid-call. Conversions: %d %i %u %x %X %o %p %s %c %%, with the
 * flags - and 0, a field width and precision (numbers or *), and the length
 * modifiers hh h l ll z. Task programs only. C and C++. */
#ifndef _UMACH_LIBC_STDIO_H_
#define _UMACH_LIBC_STDIO_H_

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EOF (-1)

/* Return the number of characters written (or, for snprintf, that would
 * have been written with room enough), or a negative number on error. */
int printf(const char *__restrict format, ...) __attribute__((__format__(__printf__, 1, 2)));
int vprintf(const char *__restrict format, va_list ap) __attribute__((__format__(__printf__, 1, 0)));
int snprintf(char *__restrict buf, size_t size, const char *__restrict format, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int vsnprintf(char *__restrict buf, size_t size, const char *__restrict format, va_list ap)
    __attribute__((__format__(__printf__, 3, 0)));

/* s and a newline, in one trap. */
int puts(const char *s);
int putchar(int c);

#ifdef __cplusplus
}
#endif

#endif /* _UMACH_LIBC_STDIO_H_ */
