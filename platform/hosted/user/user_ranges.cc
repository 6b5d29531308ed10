// platform/hosted/user/user_ranges.cc: which host addresses hold
// task-program code (hosted::register_user_range).
//
// The signal handler asks user_range_contains(pc) on every signal, on any
// host thread, at any moment: so the table is a fixed array of slots, each
// a tiny seqlock (an odd `seq` while a writer changes it). Readers never
// wait and never write; writers (the loader, tests) are rare and serialise
// on a spin flag. A reader that meets a slot mid-change skips it: a range is
// registered before any code in it runs, and unregistered after the last
// thread left it, so a half-written slot never holds the PC being asked
// about. Compiled without sanitizers: the handler reads it.
#include <stdint.h>

#include "core/platform/platform.h"
#include "platform/hosted/user/user_internal.h"

namespace umach::platform::hosted {
namespace {

constexpr unsigned kSlots = 64;

struct Slot {
  uint32_t seq;  // odd while being written
  uint64_t base;
  uint64_t end;  // 0: free
};

Slot g_slots[kSlots];
uint32_t g_writer;  // 1 while a register/unregister runs

void lock_writers() {
  while (__atomic_exchange_n(&g_writer, 1, __ATOMIC_ACQUIRE) != 0) __builtin_ia32_pause();
}
void unlock_writers() { __atomic_store_n(&g_writer, 0, __ATOMIC_RELEASE); }

void write_slot(Slot& s, uint64_t base, uint64_t end) {
  uint32_t seq = __atomic_load_n(&s.seq, __ATOMIC_RELAXED);
  __atomic_store_n(&s.seq, seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  __atomic_store_n(&s.base, base, __ATOMIC_RELAXED);
  __atomic_store_n(&s.end, end, __ATOMIC_RELAXED);
  __atomic_store_n(&s.seq, seq + 2, __ATOMIC_RELEASE);
}

}  // namespace

bool user_range_contains(uint64_t pc) {
  for (Slot& s : g_slots) {
    uint32_t before = __atomic_load_n(&s.seq, __ATOMIC_ACQUIRE);
    if (before & 1) continue;
    uint64_t base = __atomic_load_n(&s.base, __ATOMIC_RELAXED);
    uint64_t end = __atomic_load_n(&s.end, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s.seq, __ATOMIC_RELAXED) != before) continue;
    if (pc >= base && pc < end) return true;
  }
  return false;
}

}  // namespace umach::platform::hosted

namespace umach::hosted {

using platform::hosted::g_slots;

bool register_user_range(uint64_t base, uint64_t size) {
  if (size == 0 || base + size < base) return false;
  platform::hosted::lock_writers();
  bool done = false;
  for (auto& s : g_slots) {
    if (s.end != 0) continue;
    platform::hosted::write_slot(s, base, base + size);
    done = true;
    break;
  }
  platform::hosted::unlock_writers();
  return done;
}

void unregister_user_range(uint64_t base) {
  platform::hosted::lock_writers();
  for (auto& s : g_slots) {
    if (s.end != 0 && s.base == base) {
      platform::hosted::write_slot(s, 0, 0);
      break;
    }
  }
  platform::hosted::unlock_writers();
}

}  // namespace umach::hosted
