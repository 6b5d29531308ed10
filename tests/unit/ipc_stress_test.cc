// tests/unit/ipc_stress_test.cc: many kernel threads on several vCPUs
// sending, receiving, creating and destroying ports of one space at
// random (the TSan preset runs it, label "concurrency"). Every call may
// fail (a name another thread just destroyed); none may crash, race or
// leak: at the end nothing is left.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

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

}  // namespace
