// tests/hosted/context_test.cc: kernel-thread contexts on one host thread
// (Backend::context_*): switching both ways, between two kernel contexts,
// and exiting from a context whose stack is then reused.
#include <stdint.h>
#include <string.h>

#include "tests/hosted/support.h"

namespace umach::test {
namespace {

constexpr int kRounds = 10000;

struct PingPong {
  Context boot;
  Context a;
  Context b;
  int a_runs = 0;
  int b_runs = 0;
  bool alternated = true;
};

void ping_boot_entry(void* p) {
  auto* s = static_cast<PingPong*>(p);
  for (int i = 0; i < kRounds; ++i) {
    s->a_runs++;
    Platform::context_switch(s->a, s->boot);
  }
  Platform::context_exit(s->boot);
}

TEST(ContextSwitch, BootContextAndKernelContextPingPong) {
  KernelStack stack;
  PingPong s;
  Platform::context_init(s.a, stack.base(), stack.size(), ping_boot_entry, &s);
  for (int i = 0; i < kRounds; ++i) {
    Platform::context_switch(s.boot, s.a);
    ASSERT_EQ(s.a_runs, i + 1);
  }
  Platform::context_switch(s.boot, s.a);  // its loop ends; it exits back here
  EXPECT_EQ(s.a_runs, kRounds);
  Platform::context_destroy(s.a);
}

void ping_entry(void* p) {
  auto* s = static_cast<PingPong*>(p);
  for (int i = 0; i < kRounds; ++i) {
    if (s->a_runs != s->b_runs) s->alternated = false;
    s->a_runs++;
    Platform::context_switch(s->a, s->b);
  }
  Platform::context_exit(s->boot);
}

void pong_entry(void* p) {
  auto* s = static_cast<PingPong*>(p);
  for (int i = 0; i < kRounds; ++i) {
    if (s->a_runs != s->b_runs + 1) s->alternated = false;
    s->b_runs++;
    Platform::context_switch(s->b, s->a);
  }
  Platform::context_exit(s->boot);
}

TEST(ContextSwitch, TwoKernelContextsPingPong) {
  KernelStack stack_a, stack_b;
  PingPong s;
  Platform::context_init(s.a, stack_a.base(), stack_a.size(), ping_entry, &s);
  Platform::context_init(s.b, stack_b.base(), stack_b.size(), pong_entry, &s);
  Platform::context_switch(s.boot, s.a);  // a ends its loop and exits, leaving b suspended
  EXPECT_EQ(s.a_runs, kRounds);
  EXPECT_EQ(s.b_runs, kRounds);
  Platform::context_switch(s.boot, s.b);  // b ends its loop and exits
  EXPECT_TRUE(s.alternated);
  Platform::context_destroy(s.a);
  Platform::context_destroy(s.b);
}

struct EntryArgument {
  Context boot;
  Context c;
  void* seen = nullptr;
};

void record_argument(void* p) {
  auto* s = static_cast<EntryArgument*>(p);
  s->seen = p;
  Platform::context_exit(s->boot);
}

TEST(ContextSwitch, EntryReceivesItsArgument) {
  KernelStack stack;
  EntryArgument s;
  Platform::context_init(s.c, stack.base(), stack.size(), record_argument, &s);
  Platform::context_switch(s.boot, s.c);
  EXPECT_EQ(s.seen, &s);
  Platform::context_destroy(s.c);
}

// Exiting deep inside instrumented frames: each frame's locals have
// redzones that ASan poisons on entry and would unpoison on a return that
// never comes.
struct Deep {
  Context boot;
  Context c;
  int depth = 0;
};

void escape(void* p) { __asm__ __volatile__("" : : "r"(p) : "memory"); }

[[gnu::noinline]] int descend_and_exit(Deep* s, int n) {
  char frame[200];
  memset(frame, n, sizeof frame);
  escape(frame);
  s->depth++;
  if (n == 0) Platform::context_exit(s->boot);
  return descend_and_exit(s, n - 1) + frame[7];
}

void deep_entry(void* p) { descend_and_exit(static_cast<Deep*>(p), 40); }

void run_deep_context(void* stack, size_t size) {
  Deep s;
  Platform::context_init(s.c, stack, size, deep_entry, &s);
  Platform::context_switch(s.boot, s.c);
  EXPECT_EQ(s.depth, 41);
  Platform::context_destroy(s.c);
}

TEST(ContextSwitch, ExitedContextsStackIsReusable) {
  KernelStack stack;
  run_deep_context(stack.base(), stack.size());
#if UMACH_HOSTED_ASAN
  EXPECT_EQ(__asan_region_is_poisoned(stack.base(), stack.size()), nullptr);
#endif
  memset(stack.base(), 0xa5, stack.size());  // the kernel reusing the freed stack: ASan must stay quiet
  run_deep_context(stack.base(), stack.size());
  memset(stack.base(), 0x5a, stack.size());
}

TEST(ContextSwitch, ExitedContextsHeapStackCanBeFreed) {
  for (int i = 0; i < 4; ++i) {
    void* stack = malloc(Platform::kKernelStackSize);
    run_deep_context(stack, Platform::kKernelStackSize);
    free(stack);
  }
}

}  // namespace
}  // namespace umach::test
