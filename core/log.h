// core/log.h: the kernel log, printf-style, to the platform console.
//
// The core formats with its own small formatter (no C library on bare
// metal); the compiler checks every format string. A line is formatted into
// a local buffer and written with one console call, so lines from several
// CPUs do not interleave mid-line. Longer lines are cut at kLogLineMax.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace umach {

inline constexpr size_t kLogLineMax = 512;

void klog(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void kvlog(const char* fmt, va_list ap);

// snprintf for the core: %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '#',
// width, precision for %s, length modifiers hh h l ll z j t. Always
// NUL-terminates (when size > 0); returns the length it would have written.
size_t ksnprintf(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
size_t kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap);

}  // namespace umach
