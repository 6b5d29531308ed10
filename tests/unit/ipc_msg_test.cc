// tests/unit/ipc_msg_test.cc: mach_msg inside the kernel (ipc/msg.h): what
// a message carries arrives, and every error leaves each right where GNU
// Mach says. Blocking cases run on kernel threads (umach_ipc_msg_tests has
// two vCPUs).
#include "ipc_msg_fixture.h"

#include <atomic>

namespace {
using namespace umach_test;

TEST_F(IpcMsgTest, InlineDataArrivesWithTheHeaderTurnedAround) {
  const uint32_t value = 0x12345678;
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 4242);
  msg.item(MACH_MSG_TYPE_INTEGER_32, 32, 1, &value, 4);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(status().mps_msgcount, 1u);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 4242);
  EXPECT_EQ(r.head()->msgh_size, msg.size());
  EXPECT_EQ(r.head()->msgh_local_port, port);  // the name it was received on
  EXPECT_EQ(r.head()->msgh_remote_port, unsigned{MACH_PORT_NULL});
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(r.head()->msgh_bits), unsigned{MACH_MSG_TYPE_PORT_SEND});
  EXPECT_EQ(r.slot(40), value);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);  // COPY_SEND kept it
}

TEST_F(IpcMsgTest, SequenceNumbersCountReceivedMessages) {
  for (int i = 0; i < 3; ++i) {
    Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
    ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  }
  for (mach_port_seqno_t i = 0; i < 3; ++i) {
    Received r;
    ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
    EXPECT_EQ(r.head()->msgh_seqno, i);
  }
}

TEST_F(IpcMsgTest, TheReplyRightBecomesTheReceiversRemotePort) {
  mach_port_name_t reply_port;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply_port), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, reply_port, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  mach_port_name_t answer = r.head()->msgh_remote_port;
  EXPECT_EQ(MACH_MSGH_BITS_REMOTE(r.head()->msgh_bits), unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE});
  EXPECT_EQ(type(*receiver, answer), MACH_PORT_TYPE_SEND_ONCE);
  // The reply goes back on it, consuming it.
  Msg reply(answer, MACH_MSG_TYPE_MOVE_SEND_ONCE, MACH_PORT_NULL, 0, 1100);
  ASSERT_EQ(umach::ipc::mach_msg_send(*receiver, reply.head(), reply.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*receiver, answer), MACH_PORT_TYPE_NONE);
  Received back;
  ASSERT_EQ(umach::ipc::mach_msg_receive(*sender, back.head(), sizeof back.bytes, reply_port,
                                         MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(back.head()->msgh_id, 1100);
}

TEST_F(IpcMsgTest, PortRightsInTheBodyArriveAsNames) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.port(MACH_MSG_TYPE_MAKE_SEND, carried).port(MACH_MSG_TYPE_MOVE_RECEIVE, carried);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, carried), MACH_PORT_TYPE_NONE);  // the receive right left, the send right too
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_NE(r.head()->msgh_bits & MACH_MSGH_BITS_COMPLEX, 0u);
  EXPECT_EQ(r.type_name(32), unsigned{MACH_MSG_TYPE_PORT_SEND});
  EXPECT_EQ(r.type_name(48), unsigned{MACH_MSG_TYPE_PORT_RECEIVE});
  // Both rights name one port in the receiver: one name, send and receive.
  EXPECT_EQ(r.slot(40), r.slot(56));
  EXPECT_EQ(type(*receiver, r.slot(40)), MACH_PORT_TYPE_SEND_RECEIVE);
}

TEST_F(IpcMsgTest, AnInvalidDestinationChangesNothing) {
  Msg msg(0x4242, MACH_MSG_TYPE_COPY_SEND);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_DEST);
  Msg receive_as_dest(send_right, MACH_MSG_TYPE_MOVE_RECEIVE);
  EXPECT_EQ(send(receive_as_dest), MACH_SEND_INVALID_HEADER);
  Msg null_dest(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
  EXPECT_EQ(send(null_dest), MACH_SEND_INVALID_DEST);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);
}

TEST_F(IpcMsgTest, AnInvalidReplyChangesNothingEvenAMovedDestination) {
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND, 0x4242, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_REPLY);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);  // not moved
  EXPECT_EQ(status().mps_msgcount, 0u);
}

TEST_F(IpcMsgTest, ABodyErrorReleasesEveryRightTheMessageHadTaken) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  mach_port_name_t reply_port;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply_port), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND, reply_port, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, carried).port(MACH_MSG_TYPE_COPY_SEND, 0x4242);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_RIGHT);
  // Taken and released: the moved send right and the moved receive right
  // are gone (the port died with it); the made send-once right died unused,
  // so the reply port hears a send-once notification (on that right).
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_NONE);
  EXPECT_EQ(type(*sender, carried), MACH_PORT_TYPE_NONE);
  EXPECT_EQ(status().mps_msgcount, 0u);
  EXPECT_FALSE(status().mps_srights);
  Received r;
  ASSERT_EQ(umach::ipc::mach_msg_receive(*sender, r.head(), sizeof r.bytes, reply_port, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, MACH_NOTIFY_SEND_ONCE);
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(reply_port, &st), KERN_SUCCESS);
  EXPECT_EQ(st.mps_sorights, 0u);
  EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
}

TEST_F(IpcMsgTest, ATruncatedBodyIsTooSmall) {
  const uint32_t v = 1;
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.item(MACH_MSG_TYPE_INTEGER_32, 32, 5, &v, 4).complex();  // claims 20 bytes, carries 8
  EXPECT_EQ(send(msg), MACH_SEND_MSG_TOO_SMALL);
  EXPECT_EQ(umach::ipc::mach_msg_send(*sender, msg.head(), 16, MACH_SEND_MSG, 0), MACH_SEND_MSG_TOO_SMALL);
}

TEST_F(IpcMsgTest, AFullQueueRefusesAPollingSenderButNotASendOnceRight) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  Msg second(send_right, MACH_MSG_TYPE_COPY_SEND);
  EXPECT_EQ(send(second), MACH_SEND_TIMED_OUT);
  mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  Msg reply(once, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  EXPECT_EQ(send(reply), MACH_MSG_SUCCESS);
  EXPECT_EQ(status().mps_msgcount, 2u);
}

TEST_F(IpcMsgTest, AnEmptyQueuePollsAsTimedOut) {
  Received r;
  EXPECT_EQ(receive(r), MACH_RCV_TIMED_OUT);
  EXPECT_EQ(umach::ipc::mach_msg_receive(*receiver, r.head(), sizeof r.bytes, 0x4242, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
            MACH_RCV_INVALID_NAME);
  EXPECT_EQ(umach::ipc::mach_msg_receive(*sender, r.head(), sizeof r.bytes, send_right, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
            MACH_RCV_INVALID_NAME);
}

TEST_F(IpcMsgTest, RcvLargeLeavesATooLargeMessageQueuedAndSaysItsSize) {
  std::vector<uint8_t> payload(200, 7);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.item(MACH_MSG_TYPE_BYTE, 8, 200, payload.data(), payload.size());
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  EXPECT_EQ(receive(r, MACH_RCV_MSG | MACH_RCV_TIMEOUT | MACH_RCV_LARGE, 64), MACH_RCV_TOO_LARGE);
  EXPECT_EQ(r.head()->msgh_size, msg.size());
  EXPECT_EQ(status().mps_msgcount, 1u);
  EXPECT_EQ(receive(r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 64), MACH_RCV_TOO_LARGE);  // without: it is lost
  EXPECT_EQ(status().mps_msgcount, 0u);
}

TEST_F(IpcMsgTest, APortThatDiesTakesItsQueuedMessagesAndTheirRightsAlong) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, carried);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_DEAD_NAME);
  Msg again(send_right, MACH_MSG_TYPE_COPY_SEND);
  EXPECT_EQ(send(again), MACH_SEND_INVALID_DEST);
}

// Blocking: kernel threads.
struct BlockingRun {
  IpcSpace* sender;
  IpcSpace* receiver;
  mach_port_name_t port, send_right;
  mach_msg_return_t receive_result = 0, send_result = 0;
  mach_msg_id_t received_id = 0;
  // What send_to_a_blocked_receiver sends through send_right.
  mach_msg_type_name_t disposition = MACH_MSG_TYPE_COPY_SEND;
  mach_msg_id_t id = 777;
};

void blocked_receiver(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  alignas(8) uint8_t buf[256];
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  run->receive_result = umach::ipc::mach_msg_receive(*run->receiver, h, sizeof buf, run->port, MACH_RCV_MSG, 0);
  run->received_id = h->msgh_id;
}

void send_to_a_blocked_receiver(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  auto t = umach::sched::kernel_thread("receiver", blocked_receiver, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);  // let it block
  Msg msg(run->send_right, run->disposition, MACH_PORT_NULL, 0, run->id);
  run->send_result = umach::ipc::mach_msg_send(*run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, AReceiverWaitsForTheMessage) {
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  ASSERT_TRUE(umach::hosted::run_in_kernel(send_to_a_blocked_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.send_result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.receive_result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.received_id, 777);
}

void timed_receive(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  alignas(8) uint8_t buf[256];
  run->receive_result = umach::ipc::mach_msg_receive(*run->receiver, reinterpret_cast<mach_msg_header_t*>(buf),
                                                     sizeof buf, run->port, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 5);
}

// Two threads wait on one port, the first with MACH_RCV_LARGE and too
// small a buffer: a message too large for it tells it the size and goes
// to the next waiter (GNU Mach's ipc_mqueue_send), not back to the queue
// until some later send.
struct LargeWaiter {
  IpcSpace* receiver;
  mach_port_name_t port;
  mach_msg_size_t buffer;  // bytes of its buffer it offers
  mach_msg_option_t option;
  mach_msg_timeout_t timeout;
  mach_msg_return_t result = 0;
  mach_msg_header_t header{};
};

void large_waiter(void* arg) {
  auto* w = static_cast<LargeWaiter*>(arg);
  alignas(8) uint8_t buf[256];
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  w->result = umach::ipc::mach_msg_receive(*w->receiver, h, w->buffer, w->port, w->option, w->timeout);
  w->header = *h;
}

struct LargeRun {
  IpcSpace* sender;
  mach_port_name_t send_right;
  LargeWaiter small, big;
};

void send_large_to_two_waiters(void* arg) {
  auto* run = static_cast<LargeRun*>(arg);
  auto small = umach::sched::kernel_thread("small", large_waiter, &run->small, umach::sched::kPriorityUser);
  ASSERT_TRUE(small.ok());
  umach::sched::sleep_ns(2'000'000);  // it waits first
  auto big = umach::sched::kernel_thread("big", large_waiter, &run->big, umach::sched::kPriorityUser);
  ASSERT_TRUE(big.ok());
  umach::sched::sleep_ns(2'000'000);
  const uint32_t words[16] = {};
  Msg msg(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 4242);
  msg.item(MACH_MSG_TYPE_INTEGER_32, 32, 16, words, sizeof words);
  EXPECT_EQ(umach::ipc::mach_msg_send(*run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  umach::sched::thread_join(*small.value());
  umach::sched::thread_join(*big.value());
}

TEST_F(IpcMsgTest, AMessageTooLargeForTheFirstWaiterGoesToTheNext) {
  LargeRun run{sender.get(), send_right,
               {receiver.get(), port, sizeof(mach_msg_header_t), MACH_RCV_MSG | MACH_RCV_LARGE, 0},
               {receiver.get(), port, 256, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 500}};
  ASSERT_TRUE(umach::hosted::run_in_kernel(send_large_to_two_waiters, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.small.result, MACH_RCV_TOO_LARGE);
  EXPECT_EQ(run.small.header.msgh_size, sizeof(mach_msg_header_t) + 8 + 64) << "the size it needs";
  EXPECT_EQ(run.big.result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.big.header.msgh_id, 4242);
}

TEST_F(IpcMsgTest, AReceiveTimesOut) {
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  ASSERT_TRUE(umach::hosted::run_in_kernel(timed_receive, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.receive_result, MACH_RCV_TIMED_OUT);
}

void kill_the_port_under_a_receiver(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  auto t = umach::sched::kernel_thread("receiver", blocked_receiver, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  EXPECT_EQ(run->receiver->destroy(run->port), KERN_SUCCESS);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, AWaitingReceiverLearnsThatThePortDied) {
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  ASSERT_TRUE(umach::hosted::run_in_kernel(kill_the_port_under_a_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.receive_result, MACH_RCV_PORT_DIED);
}

// The receive right moves away while a thread of its old space waits on
// it: the thread goes, with MACH_RCV_PORT_DIED (GNU Mach's
// ipc_port_clear_receiver), and does not
// sleep on, nor take a wakeup meant for the right's new holder.
struct MoveRun {
  IpcSpace* receiver;
  IpcSpace* sender;
  mach_port_name_t port;
  std::atomic<mach_msg_return_t> receive_result{0};
  bool ended_by_the_move = false;
};

void receiver_of_a_moving_right(void* arg) {
  auto* run = static_cast<MoveRun*>(arg);
  alignas(8) uint8_t buf[256];
  run->receive_result.store(umach::ipc::mach_msg_receive(*run->receiver, reinterpret_cast<mach_msg_header_t*>(buf),
                                                         sizeof buf, run->port, MACH_RCV_MSG, 0));
}

void move_the_right_under_a_receiver(void* arg) {
  auto* run = static_cast<MoveRun*>(arg);
  auto t = umach::sched::kernel_thread("receiver", receiver_of_a_moving_right, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);  // let it block
  TransitRight right;
  ASSERT_EQ(run->receiver->copyin_right(run->port, MACH_MSG_TYPE_MOVE_RECEIVE, &right), KERN_SUCCESS);
  mach_port_name_t moved = MACH_PORT_NULL;
  ASSERT_EQ(run->sender->copyout_right(right, &moved), KERN_SUCCESS);
  for (int i = 0; i < 100 && run->receive_result.load() == 0; ++i) umach::sched::sleep_ns(1'000'000);
  run->ended_by_the_move = run->receive_result.load() != 0;
  // (Left asleep, it is let go by the port's death.)
  if (!run->ended_by_the_move) EXPECT_EQ(run->sender->destroy(moved), KERN_SUCCESS);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, AWaitingReceiverLearnsThatTheReceiveRightMoved) {
  MoveRun run{receiver.get(), sender.get(), port};
  ASSERT_TRUE(umach::hosted::run_in_kernel(move_the_right_under_a_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_TRUE(run.ended_by_the_move);
  EXPECT_EQ(run.receive_result.load(), MACH_RCV_PORT_DIED);
}

// The same when the right comes straight back to the waiter's space: it
// moved, so the wait ends all the same (GNU Mach's ipc_mqueue_changed),
// and the receiver must receive again, under the right's new name. Both
// threads on one vCPU, the mover outranking the receiver: the receiver
// runs only once the right is back.
struct MoveBackRun {
  MoveRun run;
  mach_port_name_t back = MACH_PORT_NULL;
};

void move_the_right_out_and_back(void* arg) {
  auto* b = static_cast<MoveBackRun*>(arg);
  MoveRun* run = &b->run;
  auto t = umach::sched::kernel_thread("receiver", receiver_of_a_moving_right, run, umach::sched::kPriorityUser,
                                       /*bound_cpu=*/0);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);  // let it block
  TransitRight right;
  ASSERT_EQ(run->receiver->copyin_right(run->port, MACH_MSG_TYPE_MOVE_RECEIVE, &right), KERN_SUCCESS);
  ASSERT_EQ(run->receiver->copyout_right(right, &b->back), KERN_SUCCESS);
  for (int i = 0; i < 100 && run->receive_result.load() == 0; ++i) umach::sched::sleep_ns(1'000'000);
  run->ended_by_the_move = run->receive_result.load() != 0;
  if (!run->ended_by_the_move) EXPECT_EQ(run->receiver->destroy(b->back), KERN_SUCCESS);
  umach::sched::thread_join(*t.value());
}

void on_cpu0(void* arg) {
  auto* b = static_cast<MoveBackRun*>(arg);
  auto t = umach::sched::kernel_thread("mover", move_the_right_out_and_back, b, umach::sched::kPriorityKernel,
                                       /*bound_cpu=*/0);
  ASSERT_TRUE(t.ok());
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, AWaitingReceiverLearnsThatTheReceiveRightMovedEvenIfItCameBack) {
  MoveBackRun b{{receiver.get(), sender.get(), port}};
  ASSERT_TRUE(umach::hosted::run_in_kernel(on_cpu0, &b, umach::sched::kPriorityKernel));
  EXPECT_TRUE(b.run.ended_by_the_move);
  EXPECT_EQ(b.run.receive_result.load(), MACH_RCV_PORT_DIED);
  mach_port_type_t type = 0;
  ASSERT_EQ(receiver->type(b.back, &type), KERN_SUCCESS);
  EXPECT_EQ(type, MACH_PORT_TYPE_RECEIVE) << "the right is back, under a new name";
}

TEST_F(IpcMsgTest, AMovedReceiveRightStartsItsMakeSendCountAndSequenceNumberAgain) {
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  ASSERT_EQ(status().mps_mscount, 1u);
  ASSERT_EQ(status().mps_seqno, 1u);
  // The manual: the make-send count "is reset to zero when the receive
  // right is carried in a message", the sequence number "whenever the
  // port's receive right moves".
  const mach_port_name_t moved = give(*receiver, port, MACH_MSG_TYPE_MOVE_RECEIVE, *sender);
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(moved, &st), KERN_SUCCESS);
  EXPECT_EQ(st.mps_mscount, 0u);
  EXPECT_EQ(st.mps_seqno, 0u);
  EXPECT_TRUE(st.mps_srights) << "the send right it had lives on";
}

void blocked_sender(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  Msg msg(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 2);
  run->send_result = umach::ipc::mach_msg_send(*run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0);
}

void fill_then_drain(void* arg) {
  auto* run = static_cast<BlockingRun*>(arg);
  Msg first(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1);
  EXPECT_EQ(umach::ipc::mach_msg_send(*run->sender, first.head(), first.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  auto t = umach::sched::kernel_thread("sender", blocked_sender, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);  // the second send waits for room
  EXPECT_EQ(run->send_result, 0);
  alignas(8) uint8_t buf[256];
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  EXPECT_EQ(umach::ipc::mach_msg_receive(*run->receiver, h, sizeof buf, run->port, MACH_RCV_MSG, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(h->msgh_id, 1);
  umach::sched::thread_join(*t.value());
  EXPECT_EQ(umach::ipc::mach_msg_receive(*run->receiver, h, sizeof buf, run->port, MACH_RCV_MSG, 0), MACH_MSG_SUCCESS);
  run->received_id = h->msgh_id;
}

TEST_F(IpcMsgTest, ASenderWaitsForRoomInAFullQueue) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  ASSERT_TRUE(umach::hosted::run_in_kernel(fill_then_drain, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.send_result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.received_id, 2);
}

// Senders waiting on a full queue get its room in the order they came,
// and one arriving meanwhile does not take a waiter's place.
struct OrderRun {
  IpcSpace* sender;
  IpcSpace* receiver;
  mach_port_name_t port, send_right;
  std::vector<mach_msg_id_t> received;
  mach_msg_return_t barging = 0;
};

struct OrderedSender {
  OrderRun* run;
  mach_msg_id_t id;
};

void ordered_sender(void* arg) {
  auto* s = static_cast<OrderedSender*>(arg);
  Msg msg(s->run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, s->id);
  EXPECT_EQ(umach::ipc::mach_msg_send(*s->run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
}

void senders_in_order(void* arg) {
  auto* run = static_cast<OrderRun*>(arg);
  Msg first(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1);
  EXPECT_EQ(umach::ipc::mach_msg_send(*run->sender, first.head(), first.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  OrderedSender senders[3] = {{run, 2}, {run, 3}, {run, 4}};
  std::vector<umach::RefPtr<umach::sched::Thread>> threads;
  for (auto& s : senders) {
    auto t = umach::sched::kernel_thread("sender", ordered_sender, &s, umach::sched::kPriorityUser);
    ASSERT_TRUE(t.ok());
    threads.push_back(t.value());
    umach::sched::sleep_ns(2'000'000);  // it waits before the next one comes
  }
  alignas(8) uint8_t buf[256];
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(umach::ipc::mach_msg_receive(*run->receiver, h, sizeof buf, run->port, MACH_RCV_MSG, 0),
              MACH_MSG_SUCCESS);
    run->received.push_back(h->msgh_id);
    if (i == 0) {
      // The room just made is the first waiter's.
      Msg late(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 99);
      run->barging = umach::ipc::mach_msg_send(*run->sender, late.head(), late.size(),
                                               MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0);
    }
  }
  for (auto& t : threads) umach::sched::thread_join(*t);
}

TEST_F(IpcMsgTest, BlockedSendersAreServedInOrder) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  OrderRun run{sender.get(), receiver.get(), port, send_right, {}, 0};
  ASSERT_TRUE(umach::hosted::run_in_kernel(senders_in_order, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.received, (std::vector<mach_msg_id_t>{1, 2, 3, 4}));
  EXPECT_EQ(run.barging, MACH_SEND_TIMED_OUT);
  EXPECT_EQ(status().mps_msgcount, 0u);
}

void raise_the_limit(void* arg) {
  auto* run = static_cast<OrderRun*>(arg);
  Msg first(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 1);
  EXPECT_EQ(umach::ipc::mach_msg_send(*run->sender, first.head(), first.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  OrderedSender s{run, 2};
  auto t = umach::sched::kernel_thread("sender", ordered_sender, &s, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  EXPECT_EQ(run->receiver->set_qlimit(run->port, 2), KERN_SUCCESS);  // room: the waiter goes in
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, RaisingTheQueueLimitLetsAWaitingSenderIn) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  OrderRun run{sender.get(), receiver.get(), port, send_right, {}, 0};
  ASSERT_TRUE(umach::hosted::run_in_kernel(raise_the_limit, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(status().mps_msgcount, 2u);
}

}  // namespace

namespace {
using namespace umach_test;

class IpcSetTest : public IpcMsgTest {
 protected:
  void SetUp() override {
    IpcMsgTest::SetUp();
    ASSERT_EQ(receiver->allocate(MACH_PORT_RIGHT_RECEIVE, &port2), KERN_SUCCESS);
    send_right2 = give(*receiver, port2, MACH_MSG_TYPE_MAKE_SEND, *sender);
    ASSERT_EQ(receiver->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  }
  mach_msg_return_t send_to(mach_port_name_t right, mach_msg_id_t id) {
    Msg msg(right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, id);
    return send(msg);
  }
  mach_msg_return_t receive_set(Received& r) {
    return umach::ipc::mach_msg_receive(*receiver, r.head(), sizeof r.bytes, set, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0);
  }
  mach_port_name_t port2 = MACH_PORT_NULL, send_right2 = MACH_PORT_NULL, set = MACH_PORT_NULL;
};

TEST_F(IpcSetTest, ReceivingOnASetTakesAMessageOfAnyMemberAndNamesIt) {
  ASSERT_EQ(receiver->move_member(port, set), KERN_SUCCESS);
  ASSERT_EQ(receiver->move_member(port2, set), KERN_SUCCESS);
  ASSERT_EQ(send_to(send_right2, 2), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive_set(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 2);
  EXPECT_EQ(r.head()->msgh_local_port, port2);
  EXPECT_EQ(receive_set(r), MACH_RCV_TIMED_OUT);
}

TEST_F(IpcSetTest, MembersTakeTurns) {
  ASSERT_EQ(receiver->move_member(port, set), KERN_SUCCESS);
  ASSERT_EQ(receiver->move_member(port2, set), KERN_SUCCESS);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(send_to(send_right, 1), MACH_MSG_SUCCESS);
    ASSERT_EQ(send_to(send_right2, 2), MACH_MSG_SUCCESS);
  }
  std::vector<mach_msg_id_t> order;
  Received r;
  while (receive_set(r) == MACH_MSG_SUCCESS) order.push_back(r.head()->msgh_id);
  EXPECT_EQ(order, (std::vector<mach_msg_id_t>{1, 2, 1, 2}));
}

TEST_F(IpcSetTest, AMemberIsNotReceivedFromDirectly) {
  ASSERT_EQ(receiver->move_member(port, set), KERN_SUCCESS);
  Received r;
  EXPECT_EQ(receive(r), MACH_RCV_IN_SET);
}

TEST_F(IpcSetTest, MessagesQueuedBeforeJoiningAreTheSetsToReceive) {
  ASSERT_EQ(send_to(send_right, 7), MACH_MSG_SUCCESS);
  ASSERT_EQ(receiver->move_member(port, set), KERN_SUCCESS);
  Received r;
  ASSERT_EQ(receive_set(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 7);
}

struct SetRun {
  IpcSpace* sender;
  IpcSpace* receiver;
  mach_port_name_t set, send_right;
  mach_msg_return_t receive_result = 0;
  mach_msg_id_t received_id = 0;
};

void set_receiver(void* arg) {
  auto* run = static_cast<SetRun*>(arg);
  alignas(8) uint8_t buf[256];
  auto* h = reinterpret_cast<mach_msg_header_t*>(buf);
  run->receive_result = umach::ipc::mach_msg_receive(*run->receiver, h, sizeof buf, run->set, MACH_RCV_MSG, 0);
  run->received_id = h->msgh_id;
}

void send_to_a_set_receiver(void* arg) {
  auto* run = static_cast<SetRun*>(arg);
  auto t = umach::sched::kernel_thread("set receiver", set_receiver, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  Msg msg(run->send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 99);
  EXPECT_EQ(umach::ipc::mach_msg_send(*run->sender, msg.head(), msg.size(), MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcSetTest, AReceiverWaitingOnASetGetsAMessageSentToAMember) {
  ASSERT_EQ(receiver->move_member(port2, set), KERN_SUCCESS);
  SetRun run{sender.get(), receiver.get(), set, send_right2};
  ASSERT_TRUE(umach::hosted::run_in_kernel(send_to_a_set_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.receive_result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.received_id, 99);
}

void destroy_set_under_receiver(void* arg) {
  auto* run = static_cast<SetRun*>(arg);
  auto t = umach::sched::kernel_thread("set receiver", set_receiver, run, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  EXPECT_EQ(run->receiver->destroy(run->set), KERN_SUCCESS);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcSetTest, AReceiverWaitingOnASetLearnsThatItWasDestroyed) {
  SetRun run{sender.get(), receiver.get(), set, send_right2};
  ASSERT_TRUE(umach::hosted::run_in_kernel(destroy_set_under_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.receive_result, MACH_RCV_PORT_DIED);
}

}  // namespace

namespace {
using namespace umach_test;

// Notifications (ipc/notify.h).
TEST_F(IpcNotifyTest, AnUnusedSendOnceRightThatIsDestroyedSaysSo) {
  mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  ASSERT_EQ(sender->deallocate(once), KERN_SUCCESS);
  Received r;
  EXPECT_EQ(next_notification(r, receiver.get(), port), MACH_NOTIFY_SEND_ONCE);
  EXPECT_EQ(status().mps_sorights, 0u);
}

TEST_F(IpcNotifyTest, ASendOnceRightUsedForAMessageNotifiesNothing) {
  mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  Msg msg(once, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  EXPECT_EQ(next_notification(r, receiver.get(), port), 1000);
  EXPECT_EQ(next_notification(r, receiver.get(), port), 0);
}

TEST_F(IpcNotifyTest, NoSendersFiresWhenTheLastSendRightGoes) {
  TransitRight notify = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 1, notify, &previous), KERN_SUCCESS);
  EXPECT_EQ(previous.port, nullptr);
  Received r;
  EXPECT_EQ(next_notification(r), 0);  // the sender still holds its right
  ASSERT_EQ(sender->deallocate(send_right), KERN_SUCCESS);
  ASSERT_EQ(next_notification(r), MACH_NOTIFY_NO_SENDERS);
  EXPECT_EQ(r.slot(40), 1u);  // the make-send count
}

// A message handed to a thread waiting on its port uses its destination
// right up at once (serve_receiver_locked): the last send right, moved in
// it, still fires the no-senders notification, once the message arrived.
TEST_F(IpcNotifyTest, NoSendersFiresWhenTheLastSendRightBringsAMessageToAWaitingReceiver) {
  TransitRight notify = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 1, notify, &previous), KERN_SUCCESS);
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  run.disposition = MACH_MSG_TYPE_MOVE_SEND;
  run.id = 321;
  ASSERT_TRUE(umach::hosted::run_in_kernel(send_to_a_blocked_receiver, &run, umach::sched::kPriorityKernel));
  ASSERT_EQ(run.send_result, MACH_MSG_SUCCESS);
  ASSERT_EQ(run.receive_result, MACH_MSG_SUCCESS);
  EXPECT_EQ(run.received_id, 321);
  Received r;
  ASSERT_EQ(next_notification(r), MACH_NOTIFY_NO_SENDERS);
  EXPECT_FALSE(status().mps_srights);
}

// And a copied send right, used up the same way, leaves the sender's.
TEST_F(IpcMsgTest, ASendRightThatBringsAMessageToAWaitingReceiverIsCountedOnce) {
  BlockingRun run{sender.get(), receiver.get(), port, send_right};
  ASSERT_TRUE(umach::hosted::run_in_kernel(send_to_a_blocked_receiver, &run, umach::sched::kPriorityKernel));
  ASSERT_EQ(run.receive_result, MACH_MSG_SUCCESS);
  EXPECT_TRUE(status().mps_srights) << "the sender's own right stays";
  ASSERT_EQ(sender->deallocate(send_right), KERN_SUCCESS);
  EXPECT_FALSE(status().mps_srights) << "and was the only one left";
}

TEST_F(IpcNotifyTest, NoSendersFiresAtOnceWhenThereAreNoneAlready) {
  // GNU Mach's ipc_port_nsrequest: no send rights and sync <= make-send
  // count fire at once, with the count; sync 0 is always reached.
  ASSERT_EQ(sender->deallocate(send_right), KERN_SUCCESS);
  for (mach_port_mscount_t sync : {1u, 0u}) {
    TransitRight notify = send_once_to_notify_port(), previous;
    ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, sync, notify, &previous), KERN_SUCCESS);
    Received r;
    ASSERT_EQ(next_notification(r), MACH_NOTIFY_NO_SENDERS) << sync;
    EXPECT_EQ(r.slot(40), 1u) << "the make-send count";
    EXPECT_FALSE(status().mps_nsrequest) << "the request was used";
  }
}

TEST_F(IpcNotifyTest, TheReceiveStatusSaysWhichRequestsAreRegistered) {
  EXPECT_FALSE(status().mps_nsrequest);
  EXPECT_FALSE(status().mps_pdrequest);
  TransitRight ns = send_once_to_notify_port(), pd = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 1, ns, &previous), KERN_SUCCESS);
  EXPECT_TRUE(status().mps_nsrequest);
  EXPECT_FALSE(status().mps_pdrequest);
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_PORT_DESTROYED, 0, pd, &previous), KERN_SUCCESS);
  EXPECT_TRUE(status().mps_pdrequest);
}

TEST_F(IpcNotifyTest, ADeadNotifyPortIsAnInvalidCapabilityAndKeepsTheRequest) {
  TransitRight first = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 1, first, &previous), KERN_SUCCESS);
  for (mach_msg_id_t id : {MACH_NOTIFY_NO_SENDERS, MACH_NOTIFY_PORT_DESTROYED, MACH_NOTIFY_DEAD_NAME}) {
    TransitRight dead{nullptr, MACH_MSG_TYPE_PORT_SEND_ONCE, true};
    EXPECT_EQ(receiver->request_notification(port, id, 0, dead, &previous), KERN_INVALID_CAPABILITY) << id;
    EXPECT_EQ(previous.port, nullptr) << id;
  }
  EXPECT_TRUE(status().mps_nsrequest) << "the earlier request stays";
}

TEST_F(IpcNotifyTest, ANewRequestHandsThePreviousOneBack) {
  TransitRight first = send_once_to_notify_port(), second = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 0, first, &previous), KERN_SUCCESS);
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_NO_SENDERS, 0, second, &previous), KERN_SUCCESS);
  EXPECT_NE(previous.port, nullptr);
  umach::ipc::release_transit_right(previous);  // unused: a send-once notification
  Received r;
  EXPECT_EQ(next_notification(r), MACH_NOTIFY_SEND_ONCE);
}

TEST_F(IpcNotifyTest, RequestsNeedAReceiveRightAndAKnownId) {
  TransitRight notify = send_once_to_notify_port(), previous;
  EXPECT_EQ(sender->request_notification(send_right, MACH_NOTIFY_NO_SENDERS, 0, notify, &previous), KERN_INVALID_RIGHT);
  EXPECT_EQ(receiver->request_notification(port, MACH_NOTIFY_PORT_DESTROYED, 1, notify, &previous), KERN_INVALID_VALUE);
  EXPECT_EQ(receiver->request_notification(port, 4242, 0, notify, &previous), KERN_INVALID_VALUE);
  umach::ipc::release_transit_right(notify);
}

TEST_F(IpcNotifyTest, PortDestroyedHandsTheReceiveRightBackAlive) {
  TransitRight notify = send_once_to_notify_port(), previous;
  ASSERT_EQ(receiver->request_notification(port, MACH_NOTIFY_PORT_DESTROYED, 0, notify, &previous), KERN_SUCCESS);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
  Received r;
  ASSERT_EQ(next_notification(r), MACH_NOTIFY_PORT_DESTROYED);
  const mach_port_name_t back = r.slot(40);
  EXPECT_EQ(type(*receiver, back), MACH_PORT_TYPE_RECEIVE);
  // The senders never noticed: their right still reaches it.
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 5);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(next_notification(r, receiver.get(), back), 5);
}

TEST_F(IpcNotifyTest, AClientLearnsThatTheServerDiedBeforeReplying) {
  mach_port_name_t reply_port;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply_port), KERN_SUCCESS);
  Msg request(send_right, MACH_MSG_TYPE_COPY_SEND, reply_port, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  ASSERT_EQ(send(request), MACH_MSG_SUCCESS);
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);  // the request dies queued
  Received r;
  EXPECT_EQ(next_notification(r, sender.get(), reply_port), MACH_NOTIFY_SEND_ONCE);
}

}  // namespace

namespace {
using namespace umach_test;

// One name as both destination and reply, as Mach's ipc_kmsg_copyin_header
// takes it: a move-send and a copy-send share one user reference (the
// right moves, and is copied for the other), either way round.
TEST_F(IpcMsgTest, OneReferenceServesAMoveSendAndACopySendOfOneName) {
  for (bool move_dest : {true, false}) {
    const mach_port_name_t name = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND, *sender);
    // One reference (the fixture's right joined it the first time round).
    const auto extra = static_cast<mach_port_delta_t>(refs(*sender, name, MACH_PORT_RIGHT_SEND) - 1);
    if (extra) ASSERT_EQ(sender->mod_refs(name, MACH_PORT_RIGHT_SEND, -extra), KERN_SUCCESS);
    ASSERT_EQ(refs(*sender, name, MACH_PORT_RIGHT_SEND), 1u);
    Msg msg(name, move_dest ? MACH_MSG_TYPE_MOVE_SEND : MACH_MSG_TYPE_COPY_SEND, name,
            move_dest ? MACH_MSG_TYPE_COPY_SEND : MACH_MSG_TYPE_MOVE_SEND);
    ASSERT_EQ(send(msg), MACH_MSG_SUCCESS) << move_dest;
    EXPECT_EQ(type(*sender, name), MACH_PORT_TYPE_NONE) << "its one reference went";
    Received r;
    ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
    EXPECT_EQ(r.head()->msgh_remote_port, port) << "the reply right joins the receive right's name";
    EXPECT_EQ(MACH_MSGH_BITS_REMOTE(r.head()->msgh_bits), unsigned{MACH_MSG_TYPE_PORT_SEND});
    ASSERT_EQ(receiver->mod_refs(port, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
  }
}

TEST_F(IpcMsgTest, TwoMoveSendsOfOneNameNeedTwoReferences) {
  Msg msg(send_right, MACH_MSG_TYPE_MOVE_SEND, send_right, MACH_MSG_TYPE_MOVE_SEND);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_DEST);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u) << "a header error changes nothing";
  ASSERT_EQ(sender->mod_refs(send_right, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
  EXPECT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, send_right), MACH_PORT_TYPE_NONE);
}

TEST_F(IpcMsgTest, ASendOnceRightCannotBeBothDestinationAndReply) {
  const mach_port_name_t once = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND_ONCE, *sender);
  Msg msg(once, MACH_MSG_TYPE_MOVE_SEND_ONCE, once, MACH_MSG_TYPE_MOVE_SEND_ONCE);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_DEST);
  EXPECT_EQ(type(*sender, once), MACH_PORT_TYPE_SEND_ONCE) << "a header error changes nothing";
  // The reply is looked at first: a make-send-once needs a receive right.
  Msg other(once, MACH_MSG_TYPE_MOVE_SEND_ONCE, once, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  EXPECT_EQ(send(other), MACH_SEND_INVALID_REPLY);
  EXPECT_EQ(type(*sender, once), MACH_PORT_TYPE_SEND_ONCE);
}

}  // namespace

namespace {
using namespace umach_test;

// What thread_abort does to a thread blocked in mach_msg: its wait ends
// with kInterrupted, and mach_msg answers MACH_RCV_INTERRUPTED (libmach
// retries unless the caller asked for MACH_RCV_INTERRUPT).
struct AbortRun {
  IpcSpace* receiver;
  mach_port_name_t port;
  mach_msg_return_t result = 0;
};

void interruptible_receiver(void* arg) {
  auto* run = static_cast<AbortRun*>(arg);
  alignas(8) uint8_t buf[128];
  run->result = umach::ipc::mach_msg_receive(*run->receiver, reinterpret_cast<mach_msg_header_t*>(buf), sizeof buf,
                                             run->port, MACH_RCV_MSG, 0);
}

void interrupt_a_receiver(void* arg) {
  auto t = umach::sched::kernel_thread("receiver", interruptible_receiver, arg, umach::sched::kPriorityUser);
  ASSERT_TRUE(t.ok());
  umach::sched::sleep_ns(2'000'000);
  umach::sched::clear_wait(*t.value(), umach::sched::WaitResult::kInterrupted);
  umach::sched::thread_join(*t.value());
}

TEST_F(IpcMsgTest, AnInterruptedReceiveSaysSo) {
  AbortRun run{receiver.get(), port};
  ASSERT_TRUE(umach::hosted::run_in_kernel(interrupt_a_receiver, &run, umach::sched::kPriorityKernel));
  EXPECT_EQ(run.result, MACH_RCV_INTERRUPTED);
  EXPECT_EQ(status().mps_msgcount, 0u);
}

}  // namespace

namespace {
using namespace umach_test;

// Found by tests/fuzz: a port's receive right sent to the port itself.
TEST_F(IpcMsgTest, AReceiveRightSentToItsOwnPortIsDestroyedWithIt) {
  mach_port_name_t own;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &own), KERN_SUCCESS);
  Msg msg(own, MACH_MSG_TYPE_MAKE_SEND);
  msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, own);
  EXPECT_EQ(send(msg), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, own), MACH_PORT_TYPE_NONE);
  EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
}

// Receive rights queued in a circle (A's on B, B's on C, C's on A) could
// never be received: the send that would close it destroys its message,
// and with it every port of the circle.
TEST_F(IpcMsgTest, ReceiveRightsQueuedInACircleAreDestroyed) {
  mach_port_name_t p[3], watched[3];
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &p[i]), KERN_SUCCESS);
    watched[i] = give(*sender, p[i], MACH_MSG_TYPE_MAKE_SEND, *receiver);  // someone else's send right
    ASSERT_EQ(give(*sender, p[i], MACH_MSG_TYPE_MAKE_SEND, *sender), p[i]);  // and the sender's own
  }
  const size_t messages = umach::ipc::live_kmsgs();
  for (int i = 0; i < 3; ++i) {
    Msg msg(p[(i + 1) % 3], MACH_MSG_TYPE_COPY_SEND);
    msg.port(MACH_MSG_TYPE_MOVE_RECEIVE, p[i]);
    // The third, C's right to A, closes the circle: A's right is on B, B's on C.
    ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
    if (i < 2) EXPECT_EQ(umach::ipc::live_kmsgs(), messages + i + 1);
  }
  EXPECT_EQ(umach::ipc::live_kmsgs(), messages);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(type(*receiver, watched[i]), MACH_PORT_TYPE_DEAD_NAME) << i;
    EXPECT_EQ(type(*sender, p[i]), MACH_PORT_TYPE_DEAD_NAME) << i;
  }
}

// A chain that is no circle stays: each right arrives where it was sent.
TEST_F(IpcMsgTest, ReceiveRightsQueuedInAChainArrive) {
  mach_port_name_t a, b;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &a), KERN_SUCCESS);
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &b), KERN_SUCCESS);
  Msg first(a, MACH_MSG_TYPE_MAKE_SEND);  // b's right, queued on a
  first.port(MACH_MSG_TYPE_MOVE_RECEIVE, b);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  Msg second(send_right, MACH_MSG_TYPE_COPY_SEND);  // a's right, queued on the receiver's port
  second.port(MACH_MSG_TYPE_MOVE_RECEIVE, a);
  ASSERT_EQ(send(second), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  const mach_port_name_t got_a = r.slot(40);
  EXPECT_EQ(type(*receiver, got_a), MACH_PORT_TYPE_RECEIVE);
  Received r2;
  ASSERT_EQ(umach::ipc::mach_msg_receive(*receiver, r2.head(), sizeof r2.bytes, got_a,
                                         MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*receiver, r2.slot(40)), MACH_PORT_TYPE_RECEIVE);  // b's right
  // Once out of their queues, the two may be queued on each other again.
  Msg again(r2.slot(40), MACH_MSG_TYPE_MAKE_SEND);
  again.port(MACH_MSG_TYPE_MOVE_RECEIVE, got_a);
  EXPECT_EQ(umach::ipc::mach_msg_send(*receiver, again.head(), again.size(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0),
            MACH_MSG_SUCCESS);
  EXPECT_EQ(status().mps_msgcount, 0u);
}

}  // namespace

namespace {
using namespace umach_test;

TEST_F(IpcMsgTest, AProtectedPayloadReplacesThePortsNameOnReceive) {
  ASSERT_EQ(receiver->set_protected_payload(port, 0x1122334455667788), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(r.head()->msgh_bits), unsigned{MACH_MSG_TYPE_PROTECTED_PAYLOAD});
  EXPECT_EQ(r.head()->msgh_protected_payload, 0x1122334455667788u);
  ASSERT_EQ(receiver->clear_protected_payload(port), KERN_SUCCESS);
  Msg second(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(second), MACH_MSG_SUCCESS);
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_local_port, port);
  EXPECT_EQ(sender->set_protected_payload(send_right, 1), KERN_INVALID_RIGHT);
}

}  // namespace
