// core/sched/kstack.h: kernel stacks, pooled.
//
// Each kernel thread gets Platform::kKernelStackSize bytes of physical pages
// (through the direct map). Freed stacks wait in a small pool for the next
// thread, since threads come and go in bursts; drain() returns them, so leak
// audits count only stacks that are really in use.
#pragma once

#include <stddef.h>

namespace umach::sched {

inline constexpr size_t kStackPoolMax = 16;

void* kstack_alloc();  // nullptr when out of memory (or fault injected)
void kstack_free(void* stack);
void kstack_drain();

}  // namespace umach::sched
