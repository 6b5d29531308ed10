// tests/hosted/pageout_mappings_test.cc: the host's mappings of a task stay
// bounded while pageout moves its pages out and in. A task program touches
// more memory than the machine has (tests/programs/touch.c); pageout clears
// the referenced bits of its pages (each clear takes a page out of its run,
// a host mapping of its own) and pages them out, and the program's faults
// bring them back. A host thread watches the task's window in
// /proc/self/maps (the host's own count) and the pmap's runs meanwhile.
//
// The bound comes from the pmap's budget (platform/hosted/memory/pmap.h): at
// most budget() runs, each one host mapping, and between and around them
// reservations, one host mapping per gap: 2 * budget() + 1 in the window.
#include <gtest/gtest.h>

#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "core/page_alloc.h"
#include "platform/hosted/bootstrap_task.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include "vm/page.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

// The host mappings that lie in [base, end), from /proc/self/maps.
size_t host_mappings_in(uint64_t base, uint64_t end) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[512];
  size_t n = 0;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo < end && hi > base) ++n;
  }
  if (f) fclose(f);
  return n;
}

struct Watch {
  std::atomic<bool> done{false};
  size_t samples = 0, most_in_window = 0, most_runs = 0, most_entries = 0;
};

uint64_t pageouts() {
  umach::SpinlockGuard hold(umach::vm::g_vm_lock);
  return umach::vm::g_counters.pageouts;
}

std::unique_ptr<TestTask> load_touch(uint64_t at, uint64_t pages) {
  char addr[32], count[32];
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(at));
  snprintf(count, sizeof count, "%llx", static_cast<unsigned long long>(pages));
  auto t = TestTask::load(UMACH_PROGRAM_TOUCH, {"touch", addr, count, "w"});
  EXPECT_TRUE(t.ok());
  return t.ok() ? std::move(t).take() : nullptr;
}

TEST(PageoutMappings, TheTasksHostMappingsStayWithinTheBudgetWhileItsPagesMove) {
  const uint64_t memory = umach::page_allocator().total_pages();
  const uint64_t pages = memory + memory / 2;  // more than the machine holds
  // The window the program will get (windows are reused in order).
  auto probe = load_touch(0, 1);
  ASSERT_TRUE(probe);
  const uint64_t at = probe->range().vm_min() + (uint64_t{1} << 30);  // far from image and stack
  probe.reset();
  auto task = load_touch(at, pages);
  ASSERT_TRUE(task);
  ASSERT_EQ(task->range().vm_min() + (uint64_t{1} << 30), at);
  umach::hosted::Pmap& pmap = task->pmap();
  const uint64_t base = task->range().base(), end = task->range().end();
  const uint64_t pageouts_before = pageouts();

  Watch watch;
  std::thread watcher([&] {
    while (!watch.done.load()) {
      watch.most_in_window = std::max(watch.most_in_window, host_mappings_in(base, end));
      watch.most_runs = std::max(watch.most_runs, pmap.host_mappings());
      watch.most_entries = std::max(watch.most_entries, pmap.entry_count());
      ++watch.samples;
      usleep(1000);  // leave the host CPUs to the machine
    }
  });
  const std::string reason = umach::testing::run_task_to_end(*task);
  watch.done.store(true);
  watcher.join();

  EXPECT_EQ(reason, "terminated");
  EXPECT_EQ(task->output(), "touch: ok\n");  // every page came back with its value
  EXPECT_GE(pageouts(), pageouts_before + (pages - memory)) << "the pages did move";
  // Watched while more pages were mapped than the budget allows runs.
  EXPECT_GT(watch.most_entries, pmap.budget());
  EXPECT_LE(watch.most_runs, pmap.budget());
  EXPECT_LE(watch.most_in_window, 2 * pmap.budget() + 1);
  printf("%zu samples: at most %zu runs, %zu host mappings in the window, %zu pages mapped\n", watch.samples,
         watch.most_runs, watch.most_in_window, watch.most_entries);
}

}  // namespace
