/* lib/libc/src/stdio.c: printf and friends over the mach_print trap
 * (stdio.h). Each call formats into a buffer on its stack and prints it with
 * one trap, more only when it overflows the buffer. */
#include <mach/mach_traps.h>
#include <stdio.h>

#include "format.h"

enum { kLineBuffer = 256 };

static void print_buffer(struct umach_sink *s) { (void)mach_print(s->buf); }

int vsnprintf(char *__restrict buf, size_t size, const char *__restrict format, va_list ap) {
  struct umach_sink s = {buf, size, 0, 0, 0};
  return umach_format(&s, format, ap);
}

int snprintf(char *__restrict buf, size_t size, const char *__restrict format, ...) {
  va_list ap;
  va_start(ap, format);
  int n = vsnprintf(buf, size, format, ap);
  va_end(ap);
  return n;
}

int vprintf(const char *__restrict format, va_list ap) {
  char buf[kLineBuffer];
  struct umach_sink s = {buf, sizeof buf, 0, 0, print_buffer};
  int n = umach_format(&s, format, ap);
  if (s.pos) (void)mach_print(buf);
  return n;
}

int printf(const char *__restrict format, ...) {
  va_list ap;
  va_start(ap, format);
  int n = vprintf(format, ap);
  va_end(ap);
  return n;
}

int puts(const char *s) { return printf("%s\n", s) < 0 ? EOF : 1; }

int putchar(int c) {
  char buf[2] = {(char)c, '\0'};
  /* mach_print stops at a NUL: a NUL character prints nothing. */
  (void)mach_print(buf);
  return (unsigned char)c;
}
