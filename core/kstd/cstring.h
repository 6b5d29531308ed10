// kstd/cstring.h: memory and string primitives for the core.
// They lower to the compiler's builtins; on bare metal the platform supplies
// memcpy/memset/memmove/memcmp, on hosted the C library does.
#pragma once

#include <stddef.h>

namespace kstd {

inline void* memcpy(void* d, const void* s, size_t n) { return __builtin_memcpy(d, s, n); }
inline void* memmove(void* d, const void* s, size_t n) { return __builtin_memmove(d, s, n); }
inline void* memset(void* d, int c, size_t n) { return __builtin_memset(d, c, n); }
inline int memcmp(const void* a, const void* b, size_t n) { return __builtin_memcmp(a, b, n); }
inline size_t strlen(const char* s) { return __builtin_strlen(s); }

}  // namespace kstd
