// tests/unit/concurrency_test.cc: the support library under several host
// threads. Run by the TSan preset (label "concurrency"); also in ASan runs.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/page_alloc.h"
#include "core/refptr.h"
#include "core/spinlock.h"
#include "core/zone.h"

namespace {

using umach::RefCounted;
using umach::RefPtr;
using umach::Spinlock;
using umach::SpinlockGuard;

constexpr int kThreads = 4;

template <class Fn>
void run_threads(Fn fn) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(fn, t);
  for (auto& t : threads) t.join();
}

struct Counter {
  Spinlock lock{umach::LockRank::kTest};
  long value UMACH_GUARDED_BY(lock) = 0;
};

TEST(Concurrency, SpinlockMakesIncrementsAtomic) {
  Counter c;
  run_threads([&](int) {
    for (int i = 0; i < 20000; ++i) {
      SpinlockGuard g(c.lock);
      ++c.value;
    }
  });
  SpinlockGuard g(c.lock);
  EXPECT_EQ(c.value, kThreads * 20000L);
}

struct Shared : RefCounted<Shared> {
  static void last_reference_dropped(Shared* s) { s->deaths.fetch_add(1); }
  std::atomic<int> deaths{0};
};

TEST(Concurrency, LastReferenceIsDroppedExactlyOnce) {
  for (int round = 0; round < 50; ++round) {
    Shared s;
    auto root = RefPtr<Shared>::adopt(&s);
    std::vector<RefPtr<Shared>> copies(kThreads, root);
    root.reset();
    run_threads([&](int t) {
      for (int i = 0; i < 100; ++i) RefPtr<Shared> tmp = copies[t];
      copies[t].reset();
    });
    EXPECT_EQ(s.deaths.load(), 1);
  }
}

struct Obj {
  explicit Obj(int owner) : owner(owner) {}
  int owner;
  long payload[6] = {};
};

TEST(Concurrency, ZoneSurvivesParallelAllocAndFree) {
  umach::TypedZone<Obj> zone("concurrency.obj");
  std::atomic<int> bad{0};
  run_threads([&](int t) {
    std::vector<Obj*> mine;
    for (int round = 0; round < 40; ++round) {
      for (int i = 0; i < 200; ++i) {
        Obj* o = zone.create(t);
        if (!o) {
          bad.fetch_add(1);
          continue;
        }
        o->payload[0] = t;
        mine.push_back(o);
      }
      for (Obj* o : mine) {
        if (o->owner != t || o->payload[0] != t) bad.fetch_add(1);
        zone.destroy(o);
      }
      mine.clear();
    }
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(zone.live(), 0u);
  zone.zone().check_invariants();
  zone.zone().drain();
}

TEST(Concurrency, PageAllocatorHandsEachPageToOneThread) {
  size_t before = umach::page_allocator().free_pages();
  std::vector<std::vector<umach::paddr_t>> got(kThreads);
  run_threads([&](int t) {
    for (int i = 0; i < 500; ++i) {
      auto r = umach::page_allocator().alloc();
      if (r.ok()) got[t].push_back(r.value());
    }
  });
  std::vector<umach::paddr_t> all;
  for (auto& v : got) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), size_t{kThreads} * 500);
  for (auto pa : all) umach::page_allocator().free(pa);
  EXPECT_EQ(umach::page_allocator().free_pages(), before);
  umach::page_allocator().check_invariants();
}

}  // namespace
