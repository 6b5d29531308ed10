// tests/unit/ipc_ool_test.cc: out-of-line memory and out-of-line port
// arrays in messages (ipc/kmsg_copy.h over vm/copy.h): what is sent
// arrives intact at a new address, copy-on-write keeps both sides' later
// writes apart, msgt_deallocate moves, and every error releases what the
// message had taken (the leak audit after each test checks objects and
// pages).
#include "ipc_msg_fixture.h"

#include "core/fault_inject.h"
#include "vm/fault.h"
#include "vm/map.h"
#include "vm/vm_user.h"

namespace {
using namespace umach_test;
namespace vm = umach::vm;

constexpr uint64_t kPage = vm::kPageSize;

class IpcOolTest : public IpcMsgTest {
 protected:
  void SetUp() override {
    sender_map = RefPtr<vm::VmMap>::adopt(vm::VmMap::create(nullptr));
    receiver_map = RefPtr<vm::VmMap>::adopt(vm::VmMap::create(nullptr));
    ASSERT_TRUE(sender_map && receiver_map);
    sender->set_map(sender_map.get());
    receiver->set_map(receiver_map.get());
    IpcMsgTest::SetUp();
  }
  // A region of the sender's filled with `seed`-derived bytes.
  uint64_t filled(uint64_t size, uint8_t seed) {
    uint64_t addr = 0;
    EXPECT_EQ(vm::allocate(*sender_map, &addr, size, true), KERN_SUCCESS);
    std::vector<uint8_t> bytes(size);
    for (uint64_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 12));
    EXPECT_EQ(vm::map_write(*sender_map, addr, bytes.data(), size), KERN_SUCCESS);
    return addr;
  }
  static bool holds(vm::VmMap& map, uint64_t addr, uint64_t size, uint8_t seed, uint64_t from = 0) {
    std::vector<uint8_t> bytes(size);
    if (vm::map_read(map, addr, bytes.data(), size) != KERN_SUCCESS) return false;
    for (uint64_t i = 0; i < size; ++i)
      if (bytes[i] != static_cast<uint8_t>(seed + (from + i) * 7 + ((from + i) >> 12))) return false;
    return true;
  }
  // Adds an out-of-line item: `number` elements of `bits` at `addr`.
  static Msg& ool(Msg& msg, unsigned name, unsigned bits, uint32_t number, uint64_t addr, bool dealloc = false) {
    const uint32_t d[2] = {name | (bits << 8) | (uint32_t{dealloc} << 31), number};
    msg.append(d, 8);
    msg.append(&addr, 8);
    return msg.complex();
  }
  static uint64_t u64(Received& r, size_t at) {
    uint64_t v;
    std::memcpy(&v, r.bytes + at, 8);
    return v;
  }
  static uint32_t u32(Received& r, size_t at) {
    uint32_t v;
    std::memcpy(&v, r.bytes + at, 4);
    return v;
  }
  // The received descriptor word at `at`: name, size, inline, deallocate.
  static void expect_out_of_line(Received& r, size_t at, unsigned name, unsigned bits, uint32_t number) {
    const uint32_t word = u32(r, at);
    EXPECT_EQ(word & 0xff, name);
    EXPECT_EQ((word >> 8) & 0xffff, bits);
    EXPECT_EQ((word >> 29) & 1, 0u) << "inline";
    EXPECT_EQ(word >> 31, 1u) << "a received region is the receiver's to deallocate";
    EXPECT_EQ(u32(r, at + 4), number);
  }
  void TearDown() override {
    IpcMsgTest::TearDown();
    sender->terminate();
    receiver->terminate();
  }

  RefPtr<vm::VmMap> sender_map, receiver_map;
};

class IpcOolSizeTest : public IpcOolTest, public ::testing::WithParamInterface<uint64_t> {};

TEST_P(IpcOolSizeTest, OutOfLineDataArrivesIntactAndCopyOnWriteKeepsBothSidesApart) {
  const uint64_t size = GetParam();
  const uint64_t src = filled(size, 1);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(size), src);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  // The sender writes its region after the send: the message keeps the old bytes.
  const uint8_t mark = 0xee;
  for (uint64_t at = 0; at < size; at += kPage) ASSERT_EQ(vm::map_write(*sender_map, src + at, &mark, 1), KERN_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  expect_out_of_line(r, 32, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(size));
  const uint64_t dst = u64(r, 40);
  ASSERT_NE(dst, 0u);
  EXPECT_TRUE(holds(*receiver_map, dst, size, 1));
  // The receiver writes its copy: the sender's memory keeps its own bytes.
  for (uint64_t at = 0; at < size; at += kPage) ASSERT_EQ(vm::map_write(*receiver_map, dst + at, &mark, 1), KERN_SUCCESS);
  uint8_t seen = 0;
  ASSERT_EQ(vm::map_read(*sender_map, src + kPage / 2, &seen, 1), KERN_SUCCESS);
  EXPECT_EQ(seen, static_cast<uint8_t>(1 + (kPage / 2) * 7));
  EXPECT_TRUE(holds(*receiver_map, dst + 1, kPage - 1, 1, 1));
  vm::RegionInfo info{};
  ASSERT_EQ(vm::region(*receiver_map, dst, &info), KERN_SUCCESS);
  EXPECT_EQ(info.address, dst);
  EXPECT_EQ(info.protection, unsigned{VM_PROT_DEFAULT});
  EXPECT_EQ(vm::deallocate(*receiver_map, dst, size), KERN_SUCCESS);
}

INSTANTIATE_TEST_SUITE_P(Sizes, IpcOolSizeTest, ::testing::Values(4096u, 65536u, 1048576u));

TEST_F(IpcOolTest, AnUnalignedRegionArrivesAtTheSameOffsetInItsPage) {
  const uint64_t src = filled(3 * kPage, 9);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_INTEGER_32, 32, 1000, src + 100);  // 4000 bytes across two pages
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  const uint64_t dst = u64(r, 40);
  EXPECT_EQ(dst % kPage, 100u);
  EXPECT_TRUE(holds(*receiver_map, dst, 4000, 9, 100));
}

TEST_F(IpcOolTest, DeallocateMovesTheRegionOutOfTheSender) {
  const uint64_t src = filled(2 * kPage, 3);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(2 * kPage), src, /*dealloc=*/true);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  uint8_t b;
  EXPECT_EQ(vm::map_read(*sender_map, src, &b, 1), KERN_INVALID_ADDRESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_TRUE(holds(*receiver_map, u64(r, 40), 2 * kPage, 3));
}

TEST_F(IpcOolTest, ANullRegionArrivesAsAddressZero) {
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, 0, 0xdead0000);  // the address of a null region is ignored
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(u64(r, 40), 0u);
}

TEST_F(IpcOolTest, UnreadableMemoryIsInvalidMemoryAndReleasesWhatTheMessageTook) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  const uint64_t good = filled(kPage, 5);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  msg.port(MACH_MSG_TYPE_MAKE_SEND, carried);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(kPage), good);  // taken, then released
  ool(msg, MACH_MSG_TYPE_BYTE, 8, 16, 0x5000'0000);                     // nothing mapped there
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_MEMORY);
  EXPECT_EQ(status().mps_msgcount, 0u);
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(carried, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights) << "the send right made for the message was released";
  EXPECT_TRUE(holds(*sender_map, good, kPage, 5));
  // Memory the sender may not read is no better.
  ASSERT_EQ(vm::protect(*sender_map, good, kPage, false, VM_PROT_NONE), KERN_SUCCESS);
  Msg unreadable(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(unreadable, MACH_MSG_TYPE_BYTE, 8, 8, good);
  EXPECT_EQ(send(unreadable), MACH_SEND_INVALID_MEMORY);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);
}

TEST_F(IpcOolTest, ASpaceWithoutAnAddressSpaceCannotSendOutOfLineMemory) {
  RefPtr<IpcSpace> bare = new_space();
  mach_port_name_t to = give(*receiver, port, MACH_MSG_TYPE_MAKE_SEND, *bare);
  Msg msg(to, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, 8, 0x1000);
  EXPECT_EQ(umach::ipc::mach_msg_send(*bare, msg.head(), msg.size(), MACH_SEND_MSG | MACH_SEND_TIMEOUT, 0),
            MACH_SEND_INVALID_MEMORY);
  EXPECT_EQ(status().mps_msgcount, 0u);
  bare->terminate();
}

TEST_F(IpcOolTest, AReceiverWithNoRoomGetsAddressZeroAndVmSpace) {
  const uint64_t src = filled(4 * kPage, 2);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, 77);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(4 * kPage), src);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  ASSERT_EQ(vm::set_size_limit(*receiver_map, kPage, kPage), KERN_SUCCESS);
  Received r;
  EXPECT_EQ(receive(r), MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE);
  EXPECT_EQ(r.head()->msgh_id, 77);  // the rest of the message is there
  EXPECT_EQ(u64(r, 40), 0u);
  EXPECT_EQ((u32(r, 32) >> 8) & 0xffff, 0u) << "msgt_size says nothing arrived";
  EXPECT_TRUE(holds(*sender_map, src, 4 * kPage, 2));
}

TEST_F(IpcOolTest, AMessageDestroyedUnreceivedTakesItsRegionWithIt) {
  const uint64_t src = filled(16 * kPage, 4);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(16 * kPage), src, /*dealloc=*/true);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  // The receive right dies with the message queued: its pages go (the
  // leak audit would see them otherwise).
  ASSERT_EQ(receiver->destroy(port), KERN_SUCCESS);
}

TEST_F(IpcOolTest, AMessageTooLargeForTheBufferIsDestroyedWithItsRegion) {
  const uint64_t src = filled(kPage, 4);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(kPage), src);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  EXPECT_EQ(receive(r, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 40), MACH_RCV_TOO_LARGE);
  EXPECT_EQ(status().mps_msgcount, 0u);
}

TEST_F(IpcOolTest, ASendThatTimesOutHandsTheRegionBack) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  const uint64_t src = filled(2 * kPage, 6);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(2 * kPage), src, /*dealloc=*/true);
  ASSERT_EQ(send(msg), MACH_SEND_TIMED_OUT);
  // Moved out of the sender, then handed back at a new address.
  uint64_t back;
  std::memcpy(&back, msg.m.data() + 40, 8);
  ASSERT_NE(back, 0u);
  EXPECT_TRUE(holds(*sender_map, back, 2 * kPage, 6));
}

TEST_F(IpcOolTest, OutOfLinePortArraysCarryRightsAsNames) {
  mach_port_name_t rights[3];
  for (auto& n : rights) ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &n), KERN_SUCCESS);
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  ASSERT_EQ(vm::map_write(*sender_map, names, rights, sizeof rights), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_MAKE_SEND, 32, 3, names, /*dealloc=*/true);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  uint8_t b;
  EXPECT_EQ(vm::map_read(*sender_map, names, &b, 1), KERN_INVALID_ADDRESS) << "deallocated after the names were read";
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  expect_out_of_line(r, 32, MACH_MSG_TYPE_PORT_SEND, 32, 3);
  mach_port_name_t got[3];
  ASSERT_EQ(vm::map_read(*receiver_map, u64(r, 40), got, sizeof got), KERN_SUCCESS);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(type(*receiver, got[i]), MACH_PORT_TYPE_SEND);
    mach_port_status_t st{};
    ASSERT_EQ(sender->get_receive_status(rights[i], &st), KERN_SUCCESS);
    EXPECT_TRUE(st.mps_srights);
  }
  // A receive right moved in an array goes with it, too.
  mach_port_name_t moved;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &moved), KERN_SUCCESS);
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  ASSERT_EQ(vm::map_write(*sender_map, names, &moved, 4), KERN_SUCCESS);
  Msg second(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(second, MACH_MSG_TYPE_MOVE_RECEIVE, 32, 1, names);
  ASSERT_EQ(send(second), MACH_MSG_SUCCESS);
  EXPECT_EQ(type(*sender, moved), MACH_PORT_TYPE_NONE);
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  ASSERT_EQ(vm::map_read(*receiver_map, u64(r, 40), got, 4), KERN_SUCCESS);
  EXPECT_EQ(type(*receiver, got[0]), MACH_PORT_TYPE_RECEIVE);
}

TEST_F(IpcOolTest, APortArrayWithABadNameReleasesTheRightsItTook) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  const mach_port_name_t list[3] = {0x4242, carried, carried};
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  ASSERT_EQ(vm::map_write(*sender_map, names, list, sizeof list), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_MAKE_SEND, 32, 3, names, /*dealloc=*/true);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_RIGHT);
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(carried, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights) << "the send rights made for the array were released";
  uint8_t b;
  EXPECT_EQ(vm::map_read(*sender_map, names, &b, 1), KERN_SUCCESS) << "a failed send deallocates nothing";
  EXPECT_EQ(status().mps_msgcount, 0u);
}

TEST_F(IpcOolTest, APortArrayMustHoldFourByteNames) {
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_COPY_SEND, 64, 1, names);
  EXPECT_EQ(send(msg), MACH_SEND_INVALID_TYPE);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);
}

TEST_F(IpcOolTest, AReceiverWithNoRoomForAPortArrayLosesItsRights) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  ASSERT_EQ(vm::map_write(*sender_map, names, &carried, 4), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_MAKE_SEND, 32, 1, names);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  ASSERT_EQ(vm::set_size_limit(*receiver_map, 0, 0), KERN_SUCCESS);
  Received r;
  EXPECT_EQ(receive(r), MACH_RCV_BODY_ERROR | MACH_MSG_VM_SPACE);
  EXPECT_EQ(u64(r, 40), 0u);
  EXPECT_EQ(receiver->entry_count(), 1u) << "the receiver got no name it is not told about";
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(carried, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights);
}

TEST_F(IpcOolTest, AReplyRightBeyondTheMostUserReferencesArrivesPegged) {
  // The receiver already holds the most user references a send right can
  // have to the reply port: the reply right arrives all the same, under
  // that name, and the count stays at the most (the manual: a task gains
  // a reference "unless this would cause the user-reference count to
  // overflow"; GNU Mach copies out with overflow allowed).
  mach_port_name_t reply;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
  const mach_port_name_t held = give(*sender, reply, MACH_MSG_TYPE_MAKE_SEND, *receiver);
  ASSERT_EQ(receiver->mod_refs(held, MACH_PORT_RIGHT_SEND, umach::ipc::kUrefsMax - 1), KERN_SUCCESS);
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  const uint64_t src = filled(2 * kPage, 7);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND, reply, MACH_MSG_TYPE_MAKE_SEND, 55);
  ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(2 * kPage), src);
  msg.port(MACH_MSG_TYPE_MAKE_SEND, carried);
  ASSERT_EQ(send(msg), MACH_MSG_SUCCESS);
  Received r;
  ASSERT_EQ(receive(r), MACH_MSG_SUCCESS);
  EXPECT_EQ(r.head()->msgh_id, 55);
  EXPECT_EQ(r.head()->msgh_remote_port, held);
  EXPECT_EQ(refs(*receiver, held, MACH_PORT_RIGHT_SEND), umach::ipc::kUrefsMax);
  EXPECT_TRUE(r.head()->msgh_bits & MACH_MSGH_BITS_COMPLEX) << "the body came too";
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(reply, &st), KERN_SUCCESS);
  EXPECT_TRUE(st.mps_srights);
  // One send right counted for the entry, not one more for the message's.
  ASSERT_EQ(receiver->mod_refs(held, MACH_PORT_RIGHT_SEND, -static_cast<int>(umach::ipc::kUrefsMax)), KERN_SUCCESS);
  ASSERT_EQ(sender->get_receive_status(reply, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights) << "the last send right went with the references";
}

TEST_F(IpcOolTest, ASendThatTimesOutHandsAPortArrayBackInFreshMemory) {
  ASSERT_EQ(receiver->set_qlimit(port, 1), KERN_SUCCESS);
  Msg first(send_right, MACH_MSG_TYPE_COPY_SEND);
  ASSERT_EQ(send(first), MACH_MSG_SUCCESS);
  mach_port_name_t moved;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &moved), KERN_SUCCESS);
  const mach_port_name_t list[3] = {moved, MACH_PORT_NULL, MACH_PORT_DEAD};
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  ASSERT_EQ(vm::map_write(*sender_map, names, list, sizeof list), KERN_SUCCESS);
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_MOVE_RECEIVE, 32, 3, names, /*dealloc=*/true);
  ASSERT_EQ(send(msg), MACH_SEND_TIMED_OUT);
  uint64_t back;
  std::memcpy(&back, msg.m.data() + 40, 8);
  ASSERT_NE(back, 0u);
  mach_port_name_t got[3];
  ASSERT_EQ(vm::map_read(*sender_map, back, got, sizeof got), KERN_SUCCESS);
  EXPECT_EQ(type(*sender, got[0]), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(got[1], unsigned{MACH_PORT_NULL});
  EXPECT_EQ(got[2], unsigned{MACH_PORT_DEAD});
}

TEST_F(IpcOolTest, AHugePortArrayIsRefusedBeforeAnythingIsAllocated) {
  Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(msg, MACH_MSG_TYPE_COPY_SEND, 32, 0x8000'0000u, 0x5000'0000);
  EXPECT_EQ(send(msg), MACH_SEND_NO_BUFFER);
  Msg unreadable(send_right, MACH_MSG_TYPE_COPY_SEND);
  ool(unreadable, MACH_MSG_TYPE_COPY_SEND, 32, 1000, 0x5000'0000);
  EXPECT_EQ(send(unreadable), MACH_SEND_INVALID_MEMORY);
  EXPECT_EQ(refs(*sender, send_right, MACH_PORT_RIGHT_SEND), 1u);
}

TEST_F(IpcOolTest, EverySendAndReceiveUnderFaultInjectionSucceedsOrFailsCleanly) {
  mach_port_name_t carried;
  ASSERT_EQ(sender->allocate(MACH_PORT_RIGHT_RECEIVE, &carried), KERN_SUCCESS);
  const uint64_t src = filled(8 * kPage, 8);
  uint64_t names = 0;
  ASSERT_EQ(vm::allocate(*sender_map, &names, kPage, true), KERN_SUCCESS);
  const mach_port_name_t list[2] = {carried, carried};
  ASSERT_EQ(vm::map_write(*sender_map, names, list, sizeof list), KERN_SUCCESS);
  int failed_sends = 0, failed_receives = 0;
  for (uint64_t nth = 1; nth < 40; ++nth) {
    Msg msg(send_right, MACH_MSG_TYPE_COPY_SEND);
    ool(msg, MACH_MSG_TYPE_BYTE, 8, static_cast<uint32_t>(8 * kPage), src);
    ool(msg, MACH_MSG_TYPE_MAKE_SEND, 32, 2, names);
    umach::fault_inject::fail_nth(nth);
    const mach_msg_return_t mr = send(msg);
    umach::fault_inject::fail_nth(0);
    if (mr != MACH_MSG_SUCCESS) {
      EXPECT_TRUE(mr == MACH_SEND_INVALID_MEMORY || mr == MACH_SEND_NO_BUFFER) << mr;
      ++failed_sends;
      continue;
    }
    Received r;
    umach::fault_inject::fail_nth(nth);
    const mach_msg_return_t rr = receive(r);
    umach::fault_inject::fail_nth(0);
    EXPECT_TRUE(rr == MACH_MSG_SUCCESS || (rr & ~MACH_MSG_MASK) == MACH_RCV_BODY_ERROR) << rr;
    if (rr != MACH_MSG_SUCCESS) ++failed_receives;
    if (uint64_t at = u64(r, 40)) {
      EXPECT_TRUE(holds(*receiver_map, at, 8 * kPage, 8));
      EXPECT_EQ(vm::deallocate(*receiver_map, at, 8 * kPage), KERN_SUCCESS);
    }
    if (uint64_t at = u64(r, 56)) {
      mach_port_name_t got[2];
      ASSERT_EQ(vm::map_read(*receiver_map, at, got, sizeof got), KERN_SUCCESS);
      for (mach_port_name_t n : got)
        if (MACH_PORT_VALID(n)) EXPECT_EQ(receiver->deallocate(n), KERN_SUCCESS);
      EXPECT_EQ(vm::deallocate(*receiver_map, at, kPage), KERN_SUCCESS);
    }
  }
  EXPECT_GT(failed_sends, 0);  // the injected failures reached both sides
  EXPECT_GT(failed_receives, 0);
  mach_port_status_t st{};
  ASSERT_EQ(sender->get_receive_status(carried, &st), KERN_SUCCESS);
  EXPECT_FALSE(st.mps_srights) << "every send right made went back";
  EXPECT_TRUE(holds(*sender_map, src, 8 * kPage, 8));
}

}  // namespace
