// core/sched/kstack.cc: see kstack.h.
#include "core/sched/kstack.h"

#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/spinlock.h"

namespace umach::sched {
namespace {

constexpr size_t kPages = (Platform::kKernelStackSize + Platform::kPageSize - 1) / Platform::kPageSize;

struct FreeStack {
  FreeStack* next;
};

constinit Spinlock g_lock{LockRank::kKernelStacks};
FreeStack* g_pool UMACH_GUARDED_BY(g_lock) = nullptr;
size_t g_pooled UMACH_GUARDED_BY(g_lock) = 0;

}  // namespace

void* kstack_alloc() {
  {
    SpinlockGuard guard(g_lock);
    if (FreeStack* s = g_pool) {
      g_pool = s->next;
      --g_pooled;
      return s;
    }
  }
  auto pa = page_allocator().alloc(kPages);
  return pa.ok() ? Platform::phys_to_virt(pa.value()) : nullptr;
}

void kstack_free(void* stack) {
  {
    SpinlockGuard guard(g_lock);
    if (g_pooled < kStackPoolMax) {
      // A dead thread's frames may still be poisoned by the memory checker.
      Platform::unpoison(stack, kPages * Platform::kPageSize);
      auto* s = static_cast<FreeStack*>(stack);
      s->next = g_pool;
      g_pool = s;
      ++g_pooled;
      return;
    }
  }
  Platform::unpoison(stack, kPages * Platform::kPageSize);
  page_allocator().free(Platform::virt_to_phys(stack), kPages);
}

void kstack_drain() {
  for (;;) {
    FreeStack* s;
    {
      SpinlockGuard guard(g_lock);
      s = g_pool;
      if (!s) return;
      g_pool = s->next;
      --g_pooled;
    }
    Platform::unpoison(s, kPages * Platform::kPageSize);
    page_allocator().free(Platform::virt_to_phys(s), kPages);
  }
}


}  // namespace umach::sched
