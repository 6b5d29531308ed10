// tests/unit/ipc_concurrency_test.cc: rights to shared ports under several
// host threads (the TSan preset runs these, label "concurrency"): the
// counts a port keeps come out exact, whatever the interleaving.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include <mach/notify.h>

#include "ipc/msg.h"
#include "core/task/host.h"
#include "ipc/space.h"

namespace {

using umach::RefPtr;
using umach::ipc::IpcSpace;
using umach::ipc::TransitRight;

constexpr int kThreads = 4;
constexpr int kRounds = 2000;

RefPtr<IpcSpace> new_space() { return IpcSpace::create().value(); }

template <class Fn>
void run_threads(Fn fn) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(fn, t);
  for (auto& t : threads) t.join();
}

TEST(IpcConcurrency, SendRightsMadeCopiedAndDroppedConcurrentlyBalance) {
  RefPtr<IpcSpace> owner = new_space();
  mach_port_name_t port;
  ASSERT_EQ(owner->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  run_threads([&](int t) {
    RefPtr<IpcSpace> mine = new_space();
    for (int i = 0; i < kRounds; ++i) {
      TransitRight r;
      ASSERT_EQ(owner->copyin_right(port, (i + t) % 3 == 0 ? MACH_MSG_TYPE_MAKE_SEND_ONCE : MACH_MSG_TYPE_MAKE_SEND, &r),
                KERN_SUCCESS);
      mach_port_name_t name;
      ASSERT_EQ(mine->copyout_right(r, &name), KERN_SUCCESS);
      TransitRight copy;
      if ((i + t) % 3 != 0) {
        ASSERT_EQ(mine->copyin_right(name, MACH_MSG_TYPE_COPY_SEND, &copy), KERN_SUCCESS);
        umach::ipc::release_transit_right(copy);
      }
      ASSERT_EQ(mine->deallocate(name), KERN_SUCCESS);
    }
    mine->check_invariants();
  });
  // Each send-once right died unused: each told the port so, on itself.
  const int once_rights = kThreads * ((kRounds + 2) / 3);
  int notifications = 0;
  alignas(8) uint8_t buf[128];
  auto* head = reinterpret_cast<mach_msg_header_t*>(buf);
  while (umach::ipc::mach_msg_receive(*owner, head, sizeof buf, port, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) ==
         MACH_MSG_SUCCESS) {
    EXPECT_EQ(head->msgh_id, MACH_NOTIFY_SEND_ONCE);
    ++notifications;
  }
  EXPECT_NEAR(notifications, once_rights, kThreads);
  mach_port_status_t st;
  ASSERT_EQ(owner->get_receive_status(port, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights);
  EXPECT_EQ(st.mps_sorights, 0u);
  EXPECT_EQ(owner->destroy(port), KERN_SUCCESS);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

TEST(IpcConcurrency, APortDyingWhileItsRightsMoveLeavesOnlyDeadNames) {
  for (int round = 0; round < 20; ++round) {
    RefPtr<IpcSpace> owner = new_space();
    mach_port_name_t port;
    ASSERT_EQ(owner->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
    std::vector<RefPtr<IpcSpace>> spaces;
    for (int t = 0; t < kThreads; ++t) spaces.push_back(new_space());
    std::thread killer([&] { ASSERT_EQ(owner->destroy(port), KERN_SUCCESS); });
    run_threads([&](int t) {
      for (int i = 0; i < 50; ++i) {
        TransitRight r;
        if (owner->copyin_right(port, MACH_MSG_TYPE_MAKE_SEND, &r) != KERN_SUCCESS) return;  // gone
        mach_port_name_t name;
        ASSERT_EQ(spaces[t]->copyout_right(r, &name), KERN_SUCCESS);
      }
    });
    killer.join();
    for (auto& s : spaces) {
      s->check_invariants();
      s->terminate();
    }
    EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
  }
}

}  // namespace
