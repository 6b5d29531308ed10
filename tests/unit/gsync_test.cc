// tests/unit/gsync_test.cc: gsync_wait/wake/requeue (core/task/gsync.h)
// on kernel threads (umach_ipc_msg_tests has two vCPUs): a sleeper sleeps
// only while its word holds the value, a wake ends exactly the sleeps it
// names, requeue moves them, GSYNC_SHARED meets across maps.
#include <gtest/gtest.h>

#include <mach/gsync.h>
#include <umach/backend.h>

#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/task/gsync.h"
#include "vm/fault.h"
#include "vm/map.h"
#include "vm/object.h"
#include "vm/vm_user.h"

namespace {

using umach::RefPtr;
namespace vm = umach::vm;
namespace gsync = umach::gsync;

struct Sleeper {
  Sleeper(vm::VmMap* m, uint64_t a, uint32_t v, int f = 0, uint32_t ms = 0)
      : map(m), addr(a), value(v), flags(f), msec(ms) {}
  vm::VmMap* map;
  uint64_t addr;
  uint32_t value;
  int flags;
  uint32_t msec;
  kern_return_t result = KERN_FAILURE;
  RefPtr<umach::sched::Thread> thread;
};

void sleep_body(void* arg) {
  auto* s = static_cast<Sleeper*>(arg);
  s->result = gsync::wait(*s->map, s->addr, s->value, 0, s->msec, s->flags);
}

void start(Sleeper& s) {
  auto t = umach::sched::kernel_thread("gsync", sleep_body, &s, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  s.thread = std::move(t).take();
}

// Until `n` sleepers are queued (they start on other threads).
void until_waiting(size_t n) {
  while (gsync::waiters() < n) umach::sched::sleep_ns(100'000);
}

class GsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    map = RefPtr<vm::VmMap>::adopt(vm::VmMap::create(nullptr));
    ASSERT_TRUE(map);
    ASSERT_EQ(vm::allocate(*map, &word, 4096, true), KERN_SUCCESS);
    ASSERT_EQ(vm::map_write(*map, word, &one, 4), KERN_SUCCESS);
  }
  uint32_t read(vm::VmMap& m, uint64_t at) {
    uint32_t v = 0;
    EXPECT_EQ(vm::map_read(m, at, &v, 4), KERN_SUCCESS);
    return v;
  }
  // Runs fn on a kernel thread (blocking calls need one).
  template <class F>
  void in_kernel(F fn) {
    ASSERT_TRUE(umach::hosted::run_in_kernel([](void* f) { (*static_cast<F*>(f))(); }, &fn,
                                             umach::sched::kPriorityKernel));
  }

  RefPtr<vm::VmMap> map;
  uint64_t word = 0;
  const uint32_t one = 1;
};

TEST_F(GsyncTest, AWaitReturnsAtOnceUnlessTheWordHoldsTheValue) {
  EXPECT_EQ(gsync::wait(*map, word, 2, 0, 0, 0), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(gsync::wait(*map, word, 1, 5, 0, GSYNC_QUAD), KERN_INVALID_ARGUMENT);  // the next word is 0
  EXPECT_EQ(gsync::wait(*map, word + 2, 1, 0, 0, 0), KERN_INVALID_ADDRESS);        // unaligned
  EXPECT_EQ(gsync::wait(*map, word + 4, 0, 0, 0, GSYNC_QUAD), KERN_INVALID_ADDRESS);
  EXPECT_EQ(gsync::wait(*map, word + 8192, 0, 0, 0, 0), KERN_INVALID_ADDRESS);  // nothing mapped
  EXPECT_EQ(gsync::wake(*map, word + 8192, 0, GSYNC_MUTATE), KERN_INVALID_ADDRESS);
  EXPECT_EQ(gsync::waiters(), 0u);
}

TEST_F(GsyncTest, ATimedWaitTimesOut) {
  in_kernel([&] {
    EXPECT_EQ(gsync::wait(*map, word, 1, 0, 20, GSYNC_TIMED), KERN_TIMEDOUT);
  });
  EXPECT_EQ(gsync::waiters(), 0u);
}

TEST_F(GsyncTest, AWakeEndsOneSleepAndBroadcastEndsThemAll) {
  Sleeper s[3] = {{map.get(), word, 1}, {map.get(), word, 1}, {map.get(), word, 1}};
  in_kernel([&] {
    for (Sleeper& x : s) start(x);
    until_waiting(3);
    EXPECT_EQ(gsync::wake(*map, word, 0, 0), KERN_SUCCESS);
    while (gsync::waiters() != 2) umach::sched::sleep_ns(100'000);
    EXPECT_EQ(gsync::wake(*map, word, 7, GSYNC_BROADCAST | GSYNC_MUTATE), KERN_SUCCESS);
    for (Sleeper& x : s) umach::sched::thread_join(*x.thread);
  });
  for (Sleeper& x : s) EXPECT_EQ(x.result, KERN_SUCCESS);
  EXPECT_EQ(read(*map, word), 7u) << "GSYNC_MUTATE stored the value";
  EXPECT_EQ(gsync::waiters(), 0u);
}

TEST_F(GsyncTest, AWakeOnAnotherWordEndsNothing) {
  Sleeper s{map.get(), word, 1, GSYNC_TIMED, 50};
  in_kernel([&] {
    start(s);
    until_waiting(1);
    // GNU Mach's answer when nobody sleeps there.
    EXPECT_EQ(gsync::wake(*map, word + 4, 0, GSYNC_BROADCAST), KERN_INVALID_ARGUMENT);
    umach::sched::thread_join(*s.thread);
  });
  EXPECT_EQ(s.result, KERN_TIMEDOUT);
}

TEST_F(GsyncTest, RequeueMovesSleepersToAnotherWord) {
  Sleeper s[2] = {{map.get(), word, 1}, {map.get(), word, 1}};
  in_kernel([&] {
    for (Sleeper& x : s) start(x);
    until_waiting(2);
    // One woken, the other moved: a wake on the old word finds nobody.
    EXPECT_EQ(gsync::requeue(*map, word, word + 64, true, 0), KERN_SUCCESS);
    while (gsync::waiters() != 1) umach::sched::sleep_ns(100'000);
    EXPECT_EQ(gsync::wake(*map, word, 0, GSYNC_BROADCAST), KERN_INVALID_ARGUMENT);
    EXPECT_EQ(gsync::requeue(*map, word, word + 64, false, 0), KERN_INVALID_ARGUMENT) << "nobody on the old word";
    umach::sched::sleep_ns(2'000'000);
    EXPECT_EQ(gsync::waiters(), 1u);
    EXPECT_EQ(gsync::wake(*map, word + 64, 0, 0), KERN_SUCCESS);
    for (Sleeper& x : s) umach::sched::thread_join(*x.thread);
  });
  for (Sleeper& x : s) EXPECT_EQ(x.result, KERN_SUCCESS);
}

TEST_F(GsyncTest, SharedWordsMeetAcrossMapsAtDifferentAddresses) {
  RefPtr<vm::VmMap> other = RefPtr<vm::VmMap>::adopt(vm::VmMap::create(nullptr));
  ASSERT_TRUE(other);
  vm::VmObject* o;
  {
    umach::SpinlockGuard hold(vm::g_vm_lock);
    o = vm::VmObject::create(4096);
  }
  uint64_t here = 0, there = 0;
  ASSERT_EQ(vm::map_object(*map, &here, 4096, 0, true, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_SHARE),
            KERN_SUCCESS);
  ASSERT_EQ(vm::allocate(*other, &there, 3 * 4096, true), KERN_SUCCESS);  // a different address there
  there += 2 * 4096;
  ASSERT_EQ(vm::deallocate(*other, there, 4096), KERN_SUCCESS);
  ASSERT_EQ(vm::map_object(*other, &there, 4096, 0, false, o, 0, false, VM_PROT_DEFAULT, VM_PROT_ALL,
                           VM_INHERIT_SHARE),
            KERN_SUCCESS);
  {
    umach::SpinlockGuard hold(vm::g_vm_lock);
    vm::VmObject::deallocate(o);  // the maps hold it
  }
  ASSERT_EQ(vm::map_write(*map, here + 16, &one, 4), KERN_SUCCESS);
  Sleeper s{map.get(), here + 16, 1, GSYNC_SHARED};
  in_kernel([&] {
    start(s);
    until_waiting(1);
    EXPECT_EQ(gsync::wake(*other, there + 16, 3, GSYNC_SHARED | GSYNC_MUTATE), KERN_SUCCESS);
    umach::sched::thread_join(*s.thread);
  });
  EXPECT_EQ(s.result, KERN_SUCCESS);
  EXPECT_EQ(read(*map, here + 16), 3u);
}

TEST_F(GsyncTest, AnAbortedSleepIsInterrupted) {
  Sleeper s{map.get(), word, 1};
  in_kernel([&] {
    start(s);
    until_waiting(1);
    umach::sched::clear_wait(*s.thread, umach::sched::WaitResult::kInterrupted);
    umach::sched::thread_join(*s.thread);
  });
  EXPECT_EQ(s.result, KERN_INTERRUPTED);
  EXPECT_EQ(gsync::waiters(), 0u);
}

}  // namespace
