// core/selftest.cc: the self-test runner (see selftest.h).
#include "core/selftest.h"

#include "vm/page.h"

#include "core/log.h"
#include "core/page_alloc.h"
#include "core/sched/kstack.h"
#include "core/sched/sched.h"
#include "core/zone.h"

// Bounds of the linker section, defined by the linker (or the bare-metal
// linker scripts) because the section's name is a C identifier.
extern "C" const umach::SelfTest __start_umach_selftests[];
extern "C" const umach::SelfTest __stop_umach_selftests[];

namespace umach {

static_assert(sizeof(SelfTest) == 16, "entries are packed back to back in the section");

bool SelfTestContext::check(bool ok, const char* expr, const char* file, int line) {
  if (!ok) {
    ++failures_;
    klog("  FAILED %s: %s (%s:%d)\n", test_, expr, file, line);
  }
  return ok;
}

kstd::Span<const SelfTest> selftests() {
  return {__start_umach_selftests, static_cast<size_t>(__stop_umach_selftests - __start_umach_selftests)};
}

namespace {
bool contains(const char* s, const char* part) {
  for (; *s; ++s) {
    const char* a = s;
    const char* b = part;
    while (*a && *b && *a == *b) ++a, ++b;
    if (!*b) return true;
  }
  return !*part;
}
}  // namespace

// Caches hold memory that is free in all but name; empty them before counting.
void drain_caches() {
  sched::kstack_drain();
  vm::drain();  // the VM's free-page queue (before the zones: it frees VmPages)
  ZoneRegistry::drain_all();
}

bool run_selftest(const SelfTest& test, bool verbose) {
  drain_caches();
  ZoneSnapshot before;
  size_t free_pages = page_allocator().free_pages();
  SelfTestContext ctx(test.name);
  test.run(ctx);
  drain_caches();
  sched::check_invariants();
  long leaked = before.leaks_since();
  size_t pages_now = page_allocator().free_pages();
  ctx.check(leaked == 0, "no kernel object leaked", __FILE__, __LINE__);
  ctx.check(pages_now == free_pages, "no physical page leaked", __FILE__, __LINE__);
  if (verbose || ctx.failed()) klog("[%s] %s\n", ctx.failed() ? "FAIL" : " ok ", test.name);
  return !ctx.failed();
}

SelfTestSummary run_selftests(bool verbose, const char* filter) {
  SelfTestSummary sum;
  for (const SelfTest& test : selftests()) {
    if (filter && !contains(test.name, filter)) continue;
    if (run_selftest(test, verbose))
      ++sum.passed;
    else
      ++sum.failed;
  }
  klog("%u passed, %u failed\n", sum.passed, sum.failed);
  return sum;
}

}  // namespace umach
