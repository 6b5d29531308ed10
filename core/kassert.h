// core/kassert.h: assertions and panic.
//
// `kassert(cond)` is always on: the kernel's invariants are its safety net,
// and the checks are cheap. `panic()` prints its message and where it came
// from on the console and stops the machine through the platform
// (on hosted: abort(), so gdb and the sanitizers see the stack).
#pragma once

#include <stdarg.h>

namespace umach {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void kassert_failed(const char* expr, const char* file, int line);

}  // namespace umach

#define kassert(cond)                                                   \
  do {                                                                  \
    if (__builtin_expect(!(cond), 0)) ::umach::kassert_failed(#cond, __FILE__, __LINE__); \
  } while (0)
