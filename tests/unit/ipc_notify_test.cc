// tests/unit/ipc_notify_test.cc: dead-name requests and the notifications
// that answer them (dead-name, port-deleted), MACH_SEND_CANCEL,
// MACH_SEND_NOTIFY with msg-accepted, and the pseudo-receive that hands a
// timed-out or interrupted message back to its sender (GNU Mach manual,
// "Message Send" and "Request Notifications").
#include "ipc_msg_fixture.h"

#include "core/fault_inject.h"
#include "core/task/host.h"

namespace {
using namespace umach_test;

// The sender asks about its own rights: notifications come to a port of its own.
class DeadNameTest : public IpcNotifyTest {
 protected:
  void SetUp() override {
    IpcNotifyTest::SetUp();
    ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &watch), KERN_SUCCESS);
  }
  TransitRight send_once_to_watch() {
    TransitRight r;
    EXPECT_EQ(sender->copyin_right(watch, MACH_MSG_TYPE_MAKE_SEND_ONCE, &r), KERN_SUCCESS);
    return r;
  }
  kern_return_t request(mach_port_name_t name, mach_port_mscount_t sync = 0) {
    TransitRight notify = send_once_to_watch(), previous;
    kern_return_t kr = sender->request_notification(name, MACH_NOTIFY_DEAD_NAME, sync, notify, &previous);
    umach::ipc::release_transit_right(notify);  // left with us on failure
    EXPECT_EQ(previous.port, nullptr);
    umach::ipc::release_transit_right(previous);
    return kr;
  }
  // The next notification on `watch`: its id (0 for none) and the name it carries.
  mach_msg_id_t heard(mach_port_name_t* name = nullptr) {
    Received r;
    const mach_msg_id_t id = next_notification(r, sender.get(), watch);
    if (id != 0 && name) *name = r.slot(40);
    if (id != 0 && id != MACH_NOTIFY_SEND_ONCE) EXPECT_EQ(r.type_name(32), unsigned{MACH_MSG_TYPE_PORT_NAME});
    return id;
  }
  mach_port_status_t sender_status(mach_port_name_t name) {
    mach_port_status_t st{};
    EXPECT_EQ(sender->get_receive_status(name, &st), KERN_SUCCESS);
    return st;
  }
  mach_port_name_t watch = MACH_PORT_NULL;
};

TEST_F(DeadNameTest, DeadNameFiresWhenThePortDiesAndTheNameGainsAReference) {
  ASSERT_EQ(sender->mod_refs(send_right, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);  // two references
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  EXPECT_EQ(heard(), 0);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_DEAD_NAME);
  EXPECT_EQ(name, send_right);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_DEAD_NAME);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 3u);  // two, and the notification's
}

TEST_F(DeadNameTest, ADeadNameWithSyncIsNotifiedAtOnce) {
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_DEAD_NAME);
  ASSERT_EQ(request(send_right, 1), KERN_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  EXPECT_EQ(heard(&name), MACH_NOTIFY_DEAD_NAME);
  EXPECT_EQ(name, send_right);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 2u);
}

TEST_F(DeadNameTest, ADeadNameWithoutSyncOrNotifyIsAnInvalidArgument) {
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(request(send_right, 0), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);  // the refused right died unused
  TransitRight none, previous;
  EXPECT_EQ(sender->request_notification(send_right, MACH_NOTIFY_DEAD_NAME, 1, none, &previous),
            KERN_INVALID_ARGUMENT);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 1u);  // unchanged
}

TEST_F(DeadNameTest, AnImmediateNotificationMustNotOverflowTheReferences) {
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  ASSERT_EQ(sender->mod_refs(send_right, MACH_PORT_RIGHT_DEAD_NAME, umach::ipc::kUrefsMax - 1), KERN_SUCCESS);
  EXPECT_EQ(request(send_right, 1), KERN_UREFS_OVERFLOW);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);
}

TEST_F(DeadNameTest, RequestErrors) {
  EXPECT_EQ(request(0x4242), KERN_INVALID_NAME);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);
  mach_port_name_t set;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  EXPECT_EQ(request(set), KERN_INVALID_RIGHT);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 3u);  // nothing hangs on to a refused right
}

TEST_F(DeadNameTest, DeallocatingTheNameSendsPortDeleted) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  ASSERT_EQ(sender->deallocate(send_right), KERN_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_PORT_DELETED);
  EXPECT_EQ(name, send_right);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(heard(), 0);  // the request went with the name
}

TEST_F(DeadNameTest, ASendOnceRightUsedForAMessageSendsPortDeleted) {
  mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  ASSERT_EQ(request(once), KERN_SUCCESS);
  Msg msg(once, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_PORT_DELETED);
  EXPECT_EQ(name, once);
}

TEST_F(DeadNameTest, MovingTheLastSendReferenceAwaySendsPortDeleted) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(heard(), MACH_NOTIFY_PORT_DELETED);
}

TEST_F(DeadNameTest, MachSendCancelSilencesTheRequestOfAConsumedDestination) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND);
  ASSERT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_CANCEL, 0, watch),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(heard(), 0);
  EXPECT_EQ(sender_status(watch).mps_sorights, 0u);  // the request's right is gone, not leaked
}

// One name as destination and reply, both move-sends of its two
// references: the destination's copyin takes the name's right with it (as
// Mach's ipc_right_copyin_two), so MACH_SEND_CANCEL silences the request.
TEST_F(DeadNameTest, MachSendCancelSilencesARequestWhenTwoMoveSendsTakeTheName) {
  ASSERT_EQ(sender->mod_refs(send_right, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);  // two references
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND, send_right, MACH_MSG_TYPE_MOVE_SEND);
  ASSERT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_CANCEL, 0, watch),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_NONE);
  EXPECT_EQ(heard(), 0);
  EXPECT_EQ(sender_status(watch).mps_sorights, 0u);  // the request's right is gone, not leaked
}

TEST_F(DeadNameTest, MachSendCancelWithAnotherNotifyPortStillSendsPortDeleted) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  mach_port_name_t other;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &other), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND);
  ASSERT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_CANCEL, 0, other),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(heard(), MACH_NOTIFY_PORT_DELETED);
}

TEST_F(DeadNameTest, MachSendCancelNeedsAReceiveRightAndThenChangesNothing) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND);
  EXPECT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_CANCEL, 0,
                                      send_right),
            MACH_SEND_INVALID_NOTIFY);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(status().mps_msgcount, 0u);
  EXPECT_EQ(heard(), 0);
}

TEST_F(DeadNameTest, ARequestFollowsARename) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  ASSERT_EQ(sender->rename(send_right, 0x5000), KERN_SUCCESS);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_DEAD_NAME);
  EXPECT_EQ(name, 0x5000u);
  EXPECT_EQ(refs(*sender, 0x5000, MACH_PORT_RIGHT_DEAD_NAME), 2u);
}

TEST_F(DeadNameTest, ANullNotifyCancelsAndHandsThePreviousRequestBack) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  TransitRight none, previous;
  ASSERT_EQ(sender->request_notification(send_right, MACH_NOTIFY_DEAD_NAME, 0, none, &previous), KERN_SUCCESS);
  ASSERT_NE(previous.port, nullptr);
  umach::ipc::release_transit_right(previous);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(heard(), 0);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 1u);
}

TEST_F(DeadNameTest, DestroyingAWatchedReceiveRightSendsPortDeletedNotDeadName) {
  mach_port_name_t own;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &own), KERN_SUCCESS);
  ASSERT_EQ(request(own), KERN_SUCCESS);
  ASSERT_EQ(sender->destroy(own), KERN_SUCCESS);
  EXPECT_EQ(heard(), MACH_NOTIFY_PORT_DELETED);
  EXPECT_EQ(heard(), 0);
}

TEST_F(DeadNameTest, ASpaceThatDiesWithAWatchedNameSendsPortDeleted) {
  // The watcher is the receiver's space; the watched name dies with the sender's.
  TransitRight notify = send_once_to_notify_port(), previous;
  ASSERT_EQ(sender->request_notification(send_right, MACH_NOTIFY_DEAD_NAME, 0, notify, &previous), KERN_SUCCESS);
  sender->terminate();
  Received r;
  ASSERT_EQ(next_notification(r), MACH_NOTIFY_PORT_DELETED);
  EXPECT_EQ(r.slot(40), send_right);
}

// MACH_RCV_NOTIFY: a reply right that arrives under a new name is watched.
TEST_F(DeadNameTest, MachRcvNotifyWatchesANewlyNamedReplyRight) {
  // The receiver (the sender space here) gets a request whose reply right
  // is a send right to a port of the other space.
  mach_port_name_t own, server_port;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &own), KERN_SUCCESS);
  ASSERT_EQ(receiver->allocate(MACH_PORT_RIGHT_RECEIVE, &server_port), KERN_SUCCESS);
  const mach_port_name_t to_own = give(*sender, own, MACH_MSG_TYPE_MAKE_SEND, *receiver);
  Msg msg(to_own, MACH_MSG_TYPE_COPY_SEND, server_port, MACH_MSG_TYPE_MAKE_SEND);
  ASSERT_EQ(umach::ipc::mach_msg_send(*receiver, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0),
            MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(umach::ipc::mach_msg_receive(*sender, r.head(), sizeof r.bytes, own,
                                         MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_NOTIFY, 0, watch),
            MACH_MSG_SUCCESS);
  const mach_port_name_t reply = r.head()->msgh_remote_port;
  EXPECT_EQ(type(*sender, reply), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(sender_status(watch).mps_sorights, 1u);  // the request's right
  ASSERT_EQ(receiver->destroy(server_port), KERN_SUCCESS);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_DEAD_NAME);
  EXPECT_EQ(name, reply);
}

TEST_F(DeadNameTest, MachRcvNotifyNeedsAReceiveRightAndLeavesTheMessageQueued) {
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  Received r;
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(umach::ipc::mach_msg_receive(*receiver, r.head(), sizeof r.bytes, port,
                                         MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_NOTIFY, 0, 0x4242),
            MACH_RCV_INVALID_NOTIFY);
  EXPECT_EQ(status().mps_msgcount, 1u);
}

// Pseudo-receive: what the sender gets back when a send cannot be queued.
TEST_F(IpcNotifyTest, ATimedOutSendHandsTheMessageBackWithEveryRight) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  mach_port_name_t reply, carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  const uint32_t value = 99;
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, carried).item(MACH_MSG_TYPE_INTEGER_32, 32, 1, &value, 4);
  ASSERT_EQ(send(msg), MACH_SEND_TIMED_OUT);
  // Every right is back under a name, the header not turned around.
  mach_msg_header_t* h = msg.head();
  EXPECT_EQ(MACH_MSGH_BITS_REMOTE(h->msgh_bits), unsigned{MACH_MSG_TYPE_PORT_SEND});
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(h->msgh_bits), unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE});
  // Its last reference had left with the message, so it has a new name.
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_NONE);
  EXPECT_EQ(refs(*sender, h->msgh_remote_port, MACH_PORT_RIGHT_SEND), 1u);
  EXPECT_EQ(type(*sender, h->msgh_local_port), MACH_PORT_TYPE_SEND_ONCE);
  EXPECT_EQ(msg.m[32], MACH_MSG_TYPE_PORT_RECEIVE);
  mach_port_name_t back;
  std::memcpy(&back, msg.m.data() + 40, 4);
  EXPECT_EQ(type(*sender, back), MACH_PORT_TYPE_RECEIVE);
  // As it is, the message can be sent again once there is room.
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, h->msgh_remote_port), MACH_PORT_TYPE_NONE);  // moved for real this time
  EXPECT_EQ(type(*receiver, r.slot(40)), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(r.slot(56), value);
}

struct BlockedSend {
  IpcSpace* sender;
  mach_port_name_t send_right;
  mach_port_name_t carried;
  mach_msg_return_t result = 0;
  std::vector<uint8_t> back;
};

void interruptible_sender(void* arg) {
  auto* run = static_cast<BlockedSend*>(arg);
  Msg msg(run->send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, run->carried);
  run->result = umach::ipc::mach_msg_send(*run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0);
  run->back = msg.m;
}

void interrupt_a_sender(void* arg) {
  auto t = umach::sched::kernel_thread("sender", interruptible_sender, arg, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  umach::sched::clear_wait(*t.value(), umach::sched::WaitResult::kInterrupted);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcNotifyTest, AnInterruptedSendHandsTheMessageBack) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  BlockedSend run{sender.get(), send_right, carried, 0, {}};
  ASSERT_TRUE(umach::hosted::run_in_kernel(interrupt_a_sender, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.result, MACH_SEND_INTERRUPTED);
  mach_port_name_t back;
  std::memcpy(&back, run.back.data() + 40, 4);
  EXPECT_EQ(type(*sender, back), MACH_PORT_TYPE_RECEIVE);  // the receive right did not die
  EXPECT_EQ(status().mps_msgcount, 1u);
}

// MACH_SEND_NOTIFY: one message at a time forced past the queue limit.
class SendNotifyTest : public DeadNameTest {
 protected:
  void SetUp() override {
    DeadNameTest::SetUp();
    ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
    Msg first(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1);
    ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  }
  mach_msg_return_t force(mach_msg_id_t id, mach_port_name_t notify, mach_msg_option_t extra = 0) {
    Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, id);
    return umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_NOTIFY | extra, 0,
                                     notify);
  }
};

TEST_F(SendNotifyTest, AForcedMessageIsQueuedAndAcceptedWhenReceived) {
  ASSERT_EQ(force(2, watch), MACH_SEND_WILL_NOTIFY);
  EXPECT_EQ(status().mps_msgcount, 2u);
  EXPECT_EQ(force(3, watch), MACH_SEND_NOTIFY_IN_PROGRESS);  // one at a time
  EXPECT_EQ(status().mps_msgcount, 2u);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 1);
  EXPECT_EQ(heard(), 0);
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 2);
  mach_port_name_t name = MACH_PORT_NULL;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_MSG_ACCEPTED);
  EXPECT_EQ(name, send_right);
  // Accepted: the right may force again.
  Msg fill(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(fill), MACH_MSG_SUCCESS);
  EXPECT_EQ(force(4, watch), MACH_SEND_WILL_NOTIFY);
}

TEST_F(SendNotifyTest, WithATimeoutTheMessageIsForcedWhenItExpires) {
  EXPECT_EQ(force(2, watch, MACH_SEND_TIMEOUT), MACH_SEND_WILL_NOTIFY);
  EXPECT_EQ(status().mps_msgcount, 2u);
}

TEST_F(SendNotifyTest, TheNotifyPortMustBeAReceiveRight) {
  EXPECT_EQ(force(2, send_right), MACH_SEND_INVALID_NOTIFY);
  EXPECT_EQ(force(2, 0x4242), MACH_SEND_INVALID_NOTIFY);
  EXPECT_EQ(status().mps_msgcount, 1u);
  // Each handed-back message brought back the send right its COPY_SEND had made.
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 3u);
}

TEST_F(SendNotifyTest, ADeallocatedSendRightIsAcceptedAsNull) {
  ASSERT_EQ(force(2, watch), MACH_SEND_WILL_NOTIFY);
  ASSERT_EQ(sender->deallocate(send_right), KERN_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  mach_port_name_t name = 1;
  ASSERT_EQ(heard(&name), MACH_NOTIFY_MSG_ACCEPTED);
  EXPECT_EQ(name, unsigned{MACH_PORT_NULL});
}

TEST_F(SendNotifyTest, AForcedMessageThatDiesUnreceivedSendsASendOnceNotification) {
  ASSERT_EQ(force(2, watch), MACH_SEND_WILL_NOTIFY);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_DEAD_NAME);
}

TEST_F(SendNotifyTest, ASendOnceDestinationIsNeverForced) {
  mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  Msg msg(once, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  EXPECT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_NOTIFY, 0, watch),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(heard(), 0);
}

// Allocator fault injection through the notification paths: each failure
// is an error the manual names, or a notification quietly lost with its
// right released; the leak audit after each test checks nothing stays.
TEST_F(DeadNameTest, AFailedRequestAllocationIsAResourceShortage) {
  umach::fault_inject::fail_nth(1);
  EXPECT_EQ(request(send_right), KERN_RESOURCE_SHORTAGE);
  umach::fault_inject::fail_nth(0);
  EXPECT_EQ(heard(), MACH_NOTIFY_SEND_ONCE);  // the refused notify right died unused
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(heard(), 0);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 1u);
}

TEST_F(DeadNameTest, ADeadNameNotificationWithoutMemoryIsLostButItsRightGoes) {
  ASSERT_EQ(request(send_right), KERN_SUCCESS);
  umach::fault_inject::fail_nth(1);  // the notification's message
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  umach::fault_inject::fail_nth(0);
  EXPECT_EQ(heard(), 0);
  EXPECT_EQ(sender_status(watch).mps_sorights, 0u);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_DEAD_NAME), 2u);  // the name still counts it
}

TEST_F(SendNotifyTest, NoMemoryForTheRequestIsNoNotifyAndTheMessageComesBack) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 2);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, carried);
  umach::fault_inject::fail_nth(2);  // the message buffer first, then the request
  EXPECT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_NOTIFY, 0, watch),
            MACH_SEND_NO_NOTIFY);
  umach::fault_inject::fail_nth(0);
  mach_port_name_t back;
  std::memcpy(&back, msg.m.data() + 40, 4);
  EXPECT_EQ(type(*sender, back), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(status().mps_msgcount, 1u);
  EXPECT_EQ(heard(), 0);
}

TEST_F(IpcNotifyTest, EverySendUnderFaultInjectionSucceedsOrFailsCleanly) {
  mach_port_name_t reply;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
  for (uint64_t nth = 1; nth < 8; ++nth) {
    mach_port_name_t carried;
    ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
    Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, carried).port(MACH_MSG_TYPE_MAKE_SEND, reply);
    umach::fault_inject::fail_nth(nth);
    const mach_msg_return_t mr = send(msg);
    umach::fault_inject::fail_nth(0);
    if (mr == MACH_MSG_SUCCESS) {
      Received r;
      umach::fault_inject::fail_nth(nth);
      const mach_msg_return_t rr = receive(r);
      umach::fault_inject::fail_nth(0);
      // A right that found no room in the receiver's space arrives dead.
      const mach_msg_return_t error = rr & ~MACH_MSG_MASK;
      EXPECT_TRUE(rr == MACH_MSG_SUCCESS || error == MACH_RCV_BODY_ERROR || error == MACH_RCV_HEADER_ERROR) << rr;
      if (rr != MACH_MSG_SUCCESS) EXPECT_EQ(rr & MACH_MSG_MASK, MACH_MSG_IPC_KERNEL) << rr;  // the injected shortage
      if (MACH_PORT_VALID(r.slot(40))) EXPECT_EQ(receiver->destroy(r.slot(40)), KERN_SUCCESS);
      if (MACH_PORT_VALID(r.slot(56))) EXPECT_EQ(receiver->deallocate(r.slot(56)), KERN_SUCCESS);
      if (MACH_PORT_VALID(r.head()->msgh_remote_port))
        EXPECT_EQ(receiver->deallocate(r.head()->msgh_remote_port), KERN_SUCCESS);
    } else {
      EXPECT_EQ(mr, MACH_SEND_NO_BUFFER);
      EXPECT_EQ(type(*sender, carried), MACH_PORT_TYPE_RECEIVE);  // nothing was taken
      EXPECT_EQ(sender->destroy(carried), KERN_SUCCESS);
    }
    sender->check_invariants();
    receiver->check_invariants();
  }
}

}  // namespace
