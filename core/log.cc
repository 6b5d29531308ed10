// core/log.cc: the kernel log and panic (see log.h, kassert.h).
#include "core/log.h"

#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/platform/platform.h"

namespace umach {

void kvlog(const char* fmt, va_list ap) {
  char line[kLogLineMax];
  size_t n = kvsnprintf(line, sizeof line, fmt, ap);
  if (n >= sizeof line) n = sizeof line - 1;
  Platform::console_write(line, n);
}

void klog(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kvlog(fmt, ap);
  va_end(ap);
}

namespace {
// A panic during a panic (a fault in the report) stops at once.
kstd::Atomic<int> g_panicking{0};
}  // namespace

void panic(const char* fmt, ...) {
  if (g_panicking.fetch_add(1) == 0) {
    char line[kLogLineMax];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    klog("\npanic: %s\n", line);
  }
  Platform::panic_stop();
  __builtin_unreachable();
}

void kassert_failed(const char* expr, const char* file, int line) {
  panic("assertion failed: %s (%s:%d)", expr, file, line);
}

}  // namespace umach
