// tests/unit/ipc_stress_test.cc: many kernel threads on several vCPUs
// sending, receiving, creating and destroying ports of one space at
// random (the TSan preset runs it, label "concurrency"). Every call may
// fail (a name another thread just destroyed); none may crash, race or
// leak: at the end nothing is left.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include <mach/notify.h>
#include <umach/backend.h>

#include "core/sched/sched.h"
#include "core/task/host.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"
#include "ipc/space.h"

namespace {

using umach::RefPtr;
using umach::ipc::IpcSpace;

constexpr int kWorkers = 6;
constexpr int kSlots = 8;
constexpr int kRounds = 5000;

struct Stress {
  IpcSpace* space;
  mach_port_name_t set;
  std::atomic<mach_port_name_t> slots[kSlots];
  std::atomic<int> sent{0}, received{0};
};

struct Worker {
  Stress* s;
  uint32_t seed;
};

uint32_t next(uint32_t& x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

void send_one(Stress& s, uint32_t& rng) {
  const mach_port_name_t dest = s.slots[next(rng) % kSlots].load();
  const mach_port_name_t carried = s.slots[next(rng) % kSlots].load();
  struct {
    mach_msg_header_t head;
    uint32_t type[2];
    uint64_t right;
  } m{};
  m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
  m.head.msgh_remote_port = dest;
  m.head.msgh_id = 7;
  const unsigned disposition = next(rng) % 2 ? MACH_MSG_TYPE_MAKE_SEND : MACH_MSG_TYPE_MAKE_SEND_ONCE;
  m.type[0] = disposition | (64u << 8) | (1u << 29);
  m.type[1] = 1;
  m.right = carried;
  if (umach::ipc::mach_msg_send(*s.space, &m.head, sizeof m, MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0) == MACH_MSG_SUCCESS)
    s.sent.fetch_add(1);
}

void receive_one(Stress& s, uint32_t& rng) {
  alignas(8) uint8_t buf[256];
  const mach_port_name_t from = next(rng) % 4 == 0 ? s.set : s.slots[next(rng) % kSlots].load();
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  if (umach::ipc::mach_msg_receive(*s.space, h, sizeof buf, from, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) !=
      MACH_MSG_SUCCESS)
    return;
  s.received.fetch_add(1);
  // Drop whatever right the message brought.
  if (h->msgh_id == 7) {
    mach_port_name_t name;
    std::memcpy(&name, buf + sizeof(mach_msg_header_t) + 8, 4);
    if (MACH_PORT_VALID(name)) (void)s.space->deallocate(name);
  }
}

void replace_port(Stress& s, uint32_t& rng) {
  const int i = static_cast<int>(next(rng) % kSlots);
  const mach_port_name_t old = s.slots[i].exchange(MACH_PORT_NULL);
  if (old != MACH_PORT_NULL) (void)s.space->destroy(old);
  mach_port_name_t fresh = MACH_PORT_NULL;
  if (s.space->allocate(MACH_PORT_RIGHT_RECEIVE, &fresh) != KERN_SUCCESS) return;
  if (next(rng) % 2) (void)s.space->move_member(fresh, s.set);
  mach_port_name_t expected = MACH_PORT_NULL;
  if (!s.slots[i].compare_exchange_strong(expected, fresh)) (void)s.space->destroy(fresh);
}

void worker(void* arg) {
  auto* w = static_cast<Worker*>(arg);
  uint32_t rng = w->seed;
  for (int round = 0; round < kRounds; ++round) {
    switch (next(rng) % 6) {
      case 0: case 1: case 2: send_one(*w->s, rng); break;
      case 3: case 4: receive_one(*w->s, rng); break;
      default: replace_port(*w->s, rng); break;
    }
    if (round % 64 == 0) umach::sched::thread_yield();
  }
}

void run_workers(void* arg) {
  auto* s = static_cast<Stress*>(arg);
  Worker workers[kWorkers];
  RefPtr<umach::sched::Thread> threads[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    workers[i] = Worker{s, 0x9e3779b9u * static_cast<uint32_t>(i + 1)};
    auto t = umach::sched::kernel_thread("ipc stress", worker, &workers[i], umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads[i] = t.value();
  }
  for (auto& t : threads) umach::sched::thread_join(*t);
}

TEST(IpcStress, ThreadsSendReceiveAndDestroyPortsAtRandom) {
  auto space = IpcSpace::create().value();
  Stress s;
  s.space = space.get();
  ASSERT_EQ(space->allocate(MACH_PORT_RIGHT_PORT_SET, &s.set), KERN_SUCCESS);
  for (auto& slot : s.slots) {
    mach_port_name_t n;
    ASSERT_EQ(space->allocate(MACH_PORT_RIGHT_RECEIVE, &n), KERN_SUCCESS);
    slot.store(n);
  }
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_workers, &s, umach::sched::kPriorityKernel));
  EXPECT_GT(s.sent.load(), 0);
  EXPECT_GT(s.received.load(), 0);
  space->check_invariants();
  space->terminate();
  space.reset();
  EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
  EXPECT_EQ(umach::ipc::live_port_sets(), 0u);
}

// Dead-name requests racing with port death: the owner's ports (space A)
// die and are replaced while the watcher (space B) takes send rights to
// them, asks for dead-name notifications, cancels, renames and drops its
// names, forces messages onto full queues with MACH_SEND_NOTIFY, and
// drains its notifications (dropping the reference each dead-name one
// brings). Nothing may crash, race or leak.
constexpr int kNames = 8;

struct Watch {
  IpcSpace* owner;
  IpcSpace* watcher;
  mach_port_name_t notify;  // the watcher's notification port
  std::atomic<mach_port_name_t> ports[kSlots];   // receive rights in the owner
  std::atomic<mach_port_name_t> names[kNames];   // send rights (or dead names) in the watcher
  std::atomic<int> notifications{0};
  std::atomic<uint32_t> chosen{0x40000};          // names for rename
};

struct WatchWorker {
  Watch* w;
  uint32_t seed;
};

void watch_step(Watch& w, uint32_t& rng) {
  const int slot = static_cast<int>(next(rng) % kNames);
  switch (next(rng) % 9) {
    case 0: {  // a port dies and another takes its place
      const int i = static_cast<int>(next(rng) % kSlots);
      const mach_port_name_t old = w.ports[i].exchange(MACH_PORT_NULL);
      if (old != MACH_PORT_NULL) (void)w.owner->destroy(old);
      mach_port_name_t fresh = MACH_PORT_NULL;
      if (w.owner->allocate(MACH_PORT_RIGHT_RECEIVE, &fresh) != KERN_SUCCESS) return;
      (void)w.owner->set_qlimit(fresh, 1);
      mach_port_name_t expected = MACH_PORT_NULL;
      if (!w.ports[i].compare_exchange_strong(expected, fresh)) (void)w.owner->destroy(fresh);
      return;
    }
    case 1: {  // the watcher gets a send right to one of them
      umach::ipc::TransitRight r;
      if (w.owner->copyin_right(w.ports[next(rng) % kSlots].load(), MACH_MSG_TYPE_MAKE_SEND, &r) != KERN_SUCCESS)
        return;
      mach_port_name_t name = MACH_PORT_NULL;
      if (w.watcher->copyout_right(r, &name) != KERN_SUCCESS || !MACH_PORT_VALID(name)) return;
      const mach_port_name_t old = w.names[slot].exchange(name);
      if (MACH_PORT_VALID(old)) (void)w.watcher->deallocate(old);
      return;
    }
    case 2: case 3: {  // ask for a dead-name notification (sync: a dead name answers at once)
      umach::ipc::TransitRight notify, previous;
      if (w.watcher->copyin_right(w.notify, MACH_MSG_TYPE_MAKE_SEND_ONCE, &notify) != KERN_SUCCESS) return;
      if (w.watcher->request_notification(w.names[slot].load(), MACH_NOTIFY_DEAD_NAME, 1, notify, &previous) !=
          KERN_SUCCESS)
        umach::ipc::release_transit_right(notify);
      umach::ipc::release_transit_right(previous);
      return;
    }
    case 4: {  // cancel it
      umach::ipc::TransitRight none, previous;
      (void)w.watcher->request_notification(w.names[slot].load(), MACH_NOTIFY_DEAD_NAME, 0, none, &previous);
      umach::ipc::release_transit_right(previous);
      return;
    }
    case 5: {  // rename (the request follows)
      const mach_port_name_t old = w.names[slot].load();
      const mach_port_name_t fresh = (w.chosen.fetch_add(1) << 8) | 1;
      if (MACH_PORT_VALID(old) && w.watcher->rename(old, fresh) == KERN_SUCCESS) {
        mach_port_name_t expected = old;
        if (!w.names[slot].compare_exchange_strong(expected, fresh)) (void)w.watcher->deallocate(fresh);
      }
      return;
    }
    case 6: {  // drop the name (port-deleted, or a dead name's reference)
      const mach_port_name_t old = w.names[slot].exchange(MACH_PORT_NULL);
      if (MACH_PORT_VALID(old)) (void)w.watcher->deallocate(old);
      return;
    }
    case 7: {  // force a message onto a full queue
      mach_msg_header_t m{};
      m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
      m.msgh_remote_port = w.names[slot].load();
      m.msgh_id = 9;
      (void)umach::ipc::mach_msg_send(*w.watcher, &m, sizeof m, MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_SEND_NOTIFY,
                                      0, w.notify);
      return;
    }
    default: {  // drain: the owner's queues, the watcher's notifications
      alignas(8) uint8_t buf[256];
      auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
      (void)umach::ipc::mach_msg_receive(*w.owner, h, sizeof buf, w.ports[next(rng) % kSlots].load(),
                                         MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0);
      if (umach::ipc::mach_msg_receive(*w.watcher, h, sizeof buf, w.notify, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) !=
          MACH_MSG_SUCCESS)
        return;
      w.notifications.fetch_add(1);
      if (h->msgh_id == MACH_NOTIFY_DEAD_NAME) {
        mach_port_name_t name;
        std::memcpy(&name, buf + 40, 4);
        (void)w.watcher->mod_refs(name, MACH_PORT_RIGHT_DEAD_NAME, -1);  // the notification's reference
      }
      return;
    }
  }
}

void watch_worker(void* arg) {
  auto* ww = static_cast<WatchWorker*>(arg);
  uint32_t rng = ww->seed;
  for (int round = 0; round < kRounds; ++round) {
    watch_step(*ww->w, rng);
    if (round % 64 == 0) umach::sched::thread_yield();
  }
}

void run_watch_workers(void* arg) {
  auto* w = static_cast<Watch*>(arg);
  WatchWorker workers[kWorkers];
  RefPtr<umach::sched::Thread> threads[kWorkers];
  for (int i = 0; i < kWorkers; ++i) {
    workers[i] = WatchWorker{w, 0x85ebca6bu * static_cast<uint32_t>(i + 1)};
    auto t = umach::sched::kernel_thread("dead-name stress", watch_worker, &workers[i], umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads[i] = t.value();
  }
  for (auto& t : threads) umach::sched::thread_join(*t);
}

TEST(IpcStress, DeadNameRequestsRaceWithPortDeath) {
  auto owner = IpcSpace::create().value();
  auto watcher = IpcSpace::create().value();
  Watch w;
  w.owner = owner.get();
  w.watcher = watcher.get();
  ASSERT_EQ(watcher->allocate(MACH_PORT_RIGHT_RECEIVE, &w.notify), KERN_SUCCESS);
  for (auto& p : w.ports) {
    mach_port_name_t n;
    ASSERT_EQ(owner->allocate(MACH_PORT_RIGHT_RECEIVE, &n), KERN_SUCCESS);
    ASSERT_EQ(owner->set_qlimit(n, 1), KERN_SUCCESS);
    p.store(n);
  }
  for (auto& n : w.names) n.store(MACH_PORT_NULL);
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_watch_workers, &w, umach::sched::kPriorityKernel));
  EXPECT_GT(w.notifications.load(), 0);
  owner->check_invariants();
  watcher->check_invariants();
  owner->terminate();
  watcher->terminate();
  owner.reset();
  watcher.reset();
  EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

}  // namespace
