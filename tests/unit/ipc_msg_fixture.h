// tests/unit/ipc_msg_fixture.h: what the mach_msg tests share: messages
// as a sender writes them, a receive buffer, and two spaces with a port
// (the receiver's) and a send right to it (the sender's).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <mach/notify.h>
#include <umach/backend.h>

#include "core/sched/sched.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"

namespace umach_test {

using umach::RefPtr;
using umach::ipc::IpcSpace;
using umach::ipc::TransitRight;

inline RefPtr<IpcSpace> new_space() { return IpcSpace::create().value(); }

// A message as a sender writes it.
struct Msg {
  std::vector<uint8_t> m;
  Msg(mach_port_name_t dest, mach_msg_type_name_t dest_disp, mach_port_name_t reply = MACH_PORT_NULL,
      mach_msg_type_name_t reply_disp = 0, mach_msg_id_t id = 1000) {
    mach_msg_header_t h{};
    h.msgh_bits = MACH_MSGH_BITS(dest_disp, reply_disp);
    h.msgh_remote_port = dest;
    h.msgh_local_port = reply;
    h.msgh_id = id;
    m.assign(reinterpret_cast<uint8_t*>(&h), reinterpret_cast<uint8_t*>(&h) + sizeof h);
  }
  Msg& item(unsigned name, unsigned bits, uint32_t number, const void* data, size_t n, bool inl = true) {
    const uint32_t d[2] = {name | (bits << 8) | (uint32_t{inl} << 29), number};
    append(d, 8);
    append(data, n);
    if (name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE) complex();
    return *this;
  }
  Msg& port(mach_msg_type_name_t disp, mach_port_name_t name) {
    const uint64_t slot = name;
    return item(disp, 64, 1, &slot, 8);
  }
  Msg& complex() {
    reinterpret_cast<mach_msg_header_t*>(m.data())->msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    return *this;
  }
  void append(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    m.insert(m.end(), b, b + n);
    m.resize((m.size() + 7) & ~size_t{7}, 0);
  }
  mach_msg_header_t* head() { return reinterpret_cast<mach_msg_header_t*>(m.data()); }
  mach_msg_size_t size() const { return static_cast<mach_msg_size_t>(m.size()); }
};

struct Received {
  alignas(8) uint8_t bytes[1024];
  mach_msg_header_t* head() { return reinterpret_cast<mach_msg_header_t*>(bytes); }
  mach_port_name_t slot(size_t at) {
    mach_port_name_t n;
    std::memcpy(&n, bytes + at, 4);
    return n;
  }
  unsigned type_name(size_t at) { return bytes[at]; }
};

class IpcMsgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(receiver->allocate(MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
    send_right = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND, *sender);
  }
  void TearDown() override {
    sender->check_invariants();
    receiver->check_invariants();
  }
  mach_port_name_t give(IpcSpace& from, mach_port_name_t name, mach_msg_type_name_t disp, IpcSpace& to) {
    TransitRight r;
    EXPECT_EQ(from.copyin_right(name, disp, &r), KERN_SUCCESS);
    mach_port_name_t out = MACH_PORT_NULL;
    EXPECT_EQ(to.copyout_right(r, &out), KERN_SUCCESS);
    return out;
  }
  mach_msg_return_t send(Msg& msg, mach_msg_option_t option = MACH_SEND_MSG | MACH_SEND_TIMEOUT) {
    return umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), option, 0);
  }
  mach_msg_return_t receive(Received& r, mach_msg_option_t option = MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                            mach_msg_size_t size = sizeof(Received::bytes)) {
    return umach::ipc::mach_msg_receive(*receiver, r.head(), size, port, option, 0);
  }
  mach_port_type_t type(IpcSpace& s, mach_port_name_t n) {
    mach_port_type_t t = 0;
    return s.type(n, &t) == KERN_SUCCESS ? t : MACH_PORT_TYPE_NONE;
  }
  mach_port_urefs_t refs(IpcSpace& s, mach_port_name_t n, mach_port_right_t right) {
    mach_port_urefs_t r = 0;
    EXPECT_EQ(s.get_refs(n, right, &r), KERN_SUCCESS);
    return r;
  }
  mach_port_status_t status() {
    mach_port_status_t st{};
    EXPECT_EQ(receiver->get_receive_status(port, &st), KERN_SUCCESS);
    return st;
  }

  RefPtr<IpcSpace> sender = new_space();
  RefPtr<IpcSpace> receiver = new_space();
  mach_port_name_t port = MACH_PORT_NULL, send_right = MACH_PORT_NULL;
};

class IpcNotifyTest : public IpcMsgTest {
 protected:
  void SetUp() override {
    IpcMsgTest::SetUp();
    ASSERT_EQ(receiver->allocate(MACH_PORT_RIGHT_RECEIVE, &notify_port), KERN_SUCCESS);
  }
  // A notification waiting on notify_port (or `on`, in `space`): its id, or 0.
  mach_msg_id_t next_notification(Received& r, IpcSpace* space = nullptr, mach_port_name_t on = MACH_PORT_NULL) {
    if (!space) space = receiver.get();
    if (on == MACH_PORT_NULL) on = notify_port;
    if (umach::ipc::mach_msg_receive(*space, r.head(), sizeof r.bytes, on, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0) !=
        MACH_MSG_SUCCESS)
      return 0;
    return r.head()->msgh_id;
  }
  TransitRight send_once_to_notify_port() {
    TransitRight r;
    EXPECT_EQ(receiver->copyin_right(notify_port, MACH_MSG_TYPE_MAKE_SEND_ONCE, &r), KERN_SUCCESS);
    return r;
  }
  mach_port_name_t notify_port = MACH_PORT_NULL;
};

}  // namespace umach_test
