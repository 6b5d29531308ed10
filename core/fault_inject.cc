// core/fault_inject.cc: see fault_inject.h.
#include "core/fault_inject.h"

#include "core/kstd/atomic.h"

namespace umach::fault_inject {
namespace {
kstd::Atomic<uint64_t> g_countdown{0};  // 0: disarmed
kstd::Atomic<uint64_t> g_injected{0};
}  // namespace

void fail_nth(uint64_t n) { g_countdown.store(n); }

bool should_fail() {
  uint64_t c = g_countdown.load(kstd::MemoryOrder::relaxed);
  while (c != 0) {
    if (g_countdown.compare_exchange(c, c - 1)) {
      if (c != 1) return false;
      g_injected.fetch_add(1);
      return true;
    }
  }
  return false;
}

uint64_t injected_count() { return g_injected.load(); }

}  // namespace umach::fault_inject
