/* lib/libc/src/format.h: private. The printf engine behind printf and
 * snprintf: it writes into a sink's buffer and, when the buffer is full,
 * either hands the full buffer to the sink's flush (printf: one mach_print)
 * and starts over, or drops the rest (snprintf: flush is NULL). */
#ifndef _UMACH_LIBC_FORMAT_H_
#define _UMACH_LIBC_FORMAT_H_

#include <stdarg.h>
#include <stddef.h>

struct umach_sink {
  char *buf;
  size_t cap;   /* bytes of buf, the NUL included; 0: nothing is stored */
  size_t pos;   /* characters in buf now */
  size_t total; /* characters produced, stored or not */
  /* NULL, or called with buf NUL-terminated when it is full. */
  void (*flush)(struct umach_sink *sink);
};

/* Formats into `sink` and NUL-terminates its buffer (when cap > 0); returns
 * the characters produced, or -1 if that does not fit an int. */
int umach_format(struct umach_sink *sink, const char *format, va_list ap);

#endif /* _UMACH_LIBC_FORMAT_H_ */
