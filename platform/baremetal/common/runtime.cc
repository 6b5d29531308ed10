// platform/baremetal/common/runtime.cc: the few C and C++ runtime pieces a
// freestanding kernel image needs: the memory primitives the compiler may
// call, and the C++ ABI hooks. Shared by both ISAs.
#include <stddef.h>
#include <stdint.h>

#include "core/kassert.h"

// no_builtin keeps the compiler from turning these loops back into calls
// to themselves.
extern "C" {

__attribute__((no_builtin("memcpy"))) void* memcpy(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  while (n--) *d++ = *s++;
  return dst;
}

__attribute__((no_builtin("memmove"))) void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

__attribute__((no_builtin("memset"))) void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  while (n--) *d++ = static_cast<unsigned char>(c);
  return dst;
}

__attribute__((no_builtin("memcmp"))) int memcmp(const void* a, const void* b, size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (; n; --n, ++x, ++y)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

__attribute__((no_builtin("strlen"))) size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}

// The kernel never exits, so destructors of globals never run.
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }

[[noreturn]] void __cxa_pure_virtual() { umach::panic("pure virtual function called"); }

}  // extern "C"

// Kernel objects come from zones, never from operator new/delete; these
// exist only because a virtual destructor's deleting variant names them.
void operator delete(void*) noexcept { umach::panic("operator delete called in the kernel"); }
void operator delete(void*, size_t) noexcept { umach::panic("operator delete called in the kernel"); }
