// tests/unit/vm_stress_test.cc: the VM under many kernel threads on 4 vCPUs
// (TSan runs it): the property test of vm/selftests on several threads at
// once (each its own maps; zones, page queues and the VM lock shared), and
// threads faulting, copying and forking one shared map.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include "core/page_alloc.h"
#include "core/sched/sched.h"
#include "core/selftest.h"
#include "core/zone.h"
#include <umach/backend.h>
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/swap.h"
#include "vm/vm_user.h"

namespace {

using umach::RefPtr;
namespace vm = umach::vm;

constexpr int kWorkers = 4;
constexpr uint64_t P = vm::kPageSize;

struct Shared {
  vm::VmMap* map = nullptr;
  uint64_t base = 0;
  std::atomic<int> failures{0};
};

struct Worker {
  Shared* s;
  int index;
};

struct PropertyCounts {
  std::atomic<int> runs{0};
  std::atomic<int> failures{0};
};

void property_worker(void* arg) {
  auto* counts = static_cast<PropertyCounts*>(arg);
  for (const umach::SelfTest& t : umach::selftests()) {
    if (std::strcmp(t.name, "vm_property_random_operations_match_a_model") != 0) continue;
    umach::SelfTestContext ctx(t.name);
    t.run(ctx);
    counts->runs.fetch_add(1);
    counts->failures.fetch_add(static_cast<int>(ctx.failures()));
  }
}

// Each worker owns one word in each of 16 shared pages: it writes its
// words, copies the region (vm_read + copyout), forks the map, and checks
// that its words survive in the copies and that the copies never change.
void shared_worker(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  Shared& s = *w->s;
  for (int round = 0; round < 40; ++round) {
    for (uint64_t pg = 0; pg < 16; ++pg) {
      uint64_t v = (static_cast<uint64_t>(w->index) << 32) | static_cast<uint64_t>(round);
      if (vm::map_write(*s.map, s.base + pg * P + 8 * static_cast<uint64_t>(w->index), &v, 8) != KERN_SUCCESS)
        s.failures.fetch_add(1);
    }
    vm::VmMapCopy* c = nullptr;
    if (vm::read(*s.map, s.base, 16 * P, &c) != KERN_SUCCESS) {
      s.failures.fetch_add(1);
      continue;
    }
    auto at = vm::copyout(*s.map, c);
    if (!at.ok()) {
      vm::discard(c);
      s.failures.fetch_add(1);
      continue;
    }
    vm::VmMap* child = (round % 4 == 0) ? vm::map_fork(*s.map) : nullptr;
    umach::sched::thread_yield();
    for (uint64_t pg = 0; pg < 16; ++pg) {
      uint64_t v = 0;
      uint64_t want = (static_cast<uint64_t>(w->index) << 32) | static_cast<uint64_t>(round);
      uint64_t off = pg * P + 8 * static_cast<uint64_t>(w->index);
      if (vm::map_read(*s.map, at.value() + off, &v, 8) != KERN_SUCCESS || v != want) s.failures.fetch_add(1);
      if (child && (vm::map_read(*child, s.base + off, &v, 8) != KERN_SUCCESS || v != want)) s.failures.fetch_add(1);
    }
    if (child) child->unref();
    if (vm::deallocate(*s.map, at.value(), 16 * P) != KERN_SUCCESS) s.failures.fetch_add(1);
  }
}

struct StressRun {
  Shared* s;
  PropertyCounts* property;
};

void run_workers(void* arg) {
  auto* r = static_cast<StressRun*>(arg);
  Worker workers[kWorkers];
  RefPtr<umach::sched::Thread> threads[2 * kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    workers[i] = Worker{r->s, i};
    auto t = umach::sched::kernel_thread("vm shared", shared_worker, &workers[i], umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads[i] = t.value();
    auto p = umach::sched::kernel_thread("vm property", property_worker, r->property,
                                         umach::sched::kPriorityUser);
    ASSERT_TRUE(p.ok());
    threads[kWorkers + i] = p.value();
  }
  for (auto& t : threads) umach::sched::thread_join(*t);
}

TEST(VmStress, ThreadsFaultCopyAndForkAtOnce) {
  umach::drain_caches();
  umach::ZoneSnapshot before;
  size_t pages = umach::page_allocator().free_pages();
  Shared s;
  s.map = vm::VmMap::create(nullptr);
  ASSERT_NE(s.map, nullptr);
  s.base = s.map->min();
  ASSERT_EQ(vm::allocate(*s.map, &s.base, 16 * P, true), KERN_SUCCESS);
  PropertyCounts property;
  StressRun r{&s, &property};
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_workers, &r, umach::sched::kPriorityKernel));
  EXPECT_EQ(s.failures.load(), 0);
  EXPECT_EQ(property.runs.load(), kWorkers);  // the self-test was found and ran on every thread
  EXPECT_EQ(property.failures.load(), 0);
  {
    umach::SpinlockGuard hold(vm::g_vm_lock);
    s.map->check_invariants();
  }
  s.map->unref();
  umach::drain_caches();
  EXPECT_EQ(before.leaks_since(), 0);
  EXPECT_EQ(umach::page_allocator().free_pages(), pages);
}

// Four threads each touch 20 MiB of their own on a 64 MiB machine: pageout
// runs in all of them at once (the swap and pageout take turns under the
// VM lock), and every page comes back with its bytes.
struct PageoutWorker {
  int index;
  std::atomic<int>* failures;
  std::atomic<int>* written;  // workers done writing a round
};

constexpr uint64_t kPageoutPages = 5000;

uint64_t pageout_word(int worker, uint64_t page, int round) {
  return (static_cast<uint64_t>(worker) << 56) ^ (page * 0x9e3779b97f4a7c15ull) ^ static_cast<uint64_t>(round);
}

void pageout_worker(void* arg) {
  auto* w = static_cast<PageoutWorker*>(arg);
  vm::VmMap* map = vm::VmMap::create(nullptr);
  if (!map) {
    w->failures->fetch_add(1);
    return;
  }
  uint64_t base = map->min();
  if (vm::allocate(*map, &base, kPageoutPages * P, true) != KERN_SUCCESS) w->failures->fetch_add(1);
  for (int round = 0; round < 2; ++round) {
    for (uint64_t pg = 0; pg < kPageoutPages; ++pg) {
      const uint64_t v[2] = {pageout_word(w->index, pg, round), ~pageout_word(w->index, pg, round)};
      if (vm::map_write(*map, base + pg * P, &v[0], 8) != KERN_SUCCESS ||
          vm::map_write(*map, base + pg * P + P - 8, &v[1], 8) != KERN_SUCCESS)
        w->failures->fetch_add(1);
    }
    // Everyone's memory is in use before anyone reads: more than there is.
    w->written->fetch_add(1);
    while (w->written->load() < kWorkers * (round + 1)) umach::sched::thread_yield();
    for (uint64_t pg = 0; pg < kPageoutPages; ++pg) {
      uint64_t v[2] = {0, 0};
      if (vm::map_read(*map, base + pg * P, &v[0], 8) != KERN_SUCCESS ||
          vm::map_read(*map, base + pg * P + P - 8, &v[1], 8) != KERN_SUCCESS ||
          v[0] != pageout_word(w->index, pg, round) || v[1] != ~pageout_word(w->index, pg, round))
        w->failures->fetch_add(1);
    }
  }
  map->unref();
}

void run_pageout_workers(void* arg) {
  auto* failures = static_cast<std::atomic<int>*>(arg);
  std::atomic<int> written{0};
  PageoutWorker workers[kWorkers];
  RefPtr<umach::sched::Thread> threads[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    workers[i] = PageoutWorker{i, failures, &written};
    auto t = umach::sched::kernel_thread("vm pageout", pageout_worker, &workers[i], umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads[i] = t.value();
  }
  for (auto& t : threads) umach::sched::thread_join(*t);
}

TEST(VmStress, ThreadsTouchingMoreThanMemoryGetEveryByteBack) {
  umach::drain_caches();
  umach::ZoneSnapshot before;
  const size_t pages = umach::page_allocator().free_pages();
  ASSERT_GT(kWorkers * kPageoutPages, umach::page_allocator().total_pages());  // more than there is
  const uint64_t pageouts = [] {
    umach::SpinlockGuard hold(vm::g_vm_lock);
    return vm::g_counters.pageouts;
  }();
  const size_t slots = vm::swap_counts().used;
  std::atomic<int> failures{0};
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_pageout_workers, &failures, umach::sched::kPriorityKernel));
  EXPECT_EQ(failures.load(), 0);
  {
    umach::SpinlockGuard hold(vm::g_vm_lock);
    EXPECT_GT(vm::g_counters.pageouts, pageouts + kPageoutPages);
  }
  EXPECT_EQ(vm::swap_counts().used, slots);  // every slot went with its page
  umach::drain_caches();
  EXPECT_EQ(before.leaks_since(), 0);
  EXPECT_EQ(umach::page_allocator().free_pages(), pages);
}

}  // namespace
