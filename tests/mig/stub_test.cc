// tests/mig/stub_test.cc: generated client stubs against ABI.md.
//
// The stubs are the ones libmach carries (defs/ through tools/mig), called
// with a capturing mach_msg: the requests must be ABI.md's worked examples
// byte for byte (padding aside), and the replies must be checked before
// anything reaches the caller.
#include <gtest/gtest.h>

#include <cstring>
#include <type_traits>

#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/notify.h>

#include "mig_fakes.h"

namespace {

using migtest::transport;

// A reply: header (as received), RetCode, then items.
struct ReplyBuilder {
  std::vector<uint8_t> m;
  explicit ReplyBuilder(mach_msg_id_t id, kern_return_t ret = KERN_SUCCESS, mach_msg_bits_t bits = 0) {
    mach_msg_header_t h{};
    h.msgh_bits = bits;
    h.msgh_id = id;
    m = migtest::bytes(&h, sizeof h);
    item(MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, &ret, 4);
  }
  ReplyBuilder& item(unsigned name, unsigned size, unsigned number, unsigned inl, const void* data, size_t n) {
    const size_t at = m.size();
    const uint32_t word = name | (size << 8) | (inl << 29);
    m.resize(at + 8 + (n + 7) / 8 * 8, 0);
    std::memcpy(m.data() + at, &word, 4);
    std::memcpy(m.data() + at + 4, &number, 4);
    std::memcpy(m.data() + at + 8, data, n);
    const mach_msg_size_t total = static_cast<mach_msg_size_t>(m.size());
    std::memcpy(m.data() + 4, &total, 4);
    return *this;
  }
};

class StubTest : public ::testing::Test {
 protected:
  void SetUp() override { migtest::reset(); }
};

TEST_F(StubTest, MachPortAllocateRequestIsTheWorkedExample) {
  transport.reply = ReplyBuilder(3304, KERN_SUCCESS).m;
  mach_port_t name = 0;
  (void)mach_port_allocate(0x3, MACH_PORT_RIGHT_RECEIVE, &name);
  EXPECT_TRUE(migtest::matches(transport.request, migtest::parse_hex(
      "13 15 00 00  30 00 00 00  03 00 00 00  aa aa aa aa"
      "77 00 00 00  aa aa aa aa  00 00 00 00  84 0c 00 00"
      "02 20 00 20  01 00 00 00  01 00 00 00  aa aa aa aa")));
  EXPECT_EQ(transport.option, MACH_SEND_MSG | MACH_RCV_MSG);
  EXPECT_EQ(transport.rcv_name, 0x77u);
}

TEST_F(StubTest, MachPortDeallocateRequestIsTheWorkedExample) {
  transport.reply = ReplyBuilder(3306).m;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), KERN_SUCCESS);
  EXPECT_TRUE(migtest::matches(transport.request, migtest::parse_hex(
      "13 15 00 00  30 00 00 00  03 00 00 00  aa aa aa aa"
      "77 00 00 00  aa aa aa aa  00 00 00 00  86 0c 00 00"
      "0f 20 00 20  01 00 00 00  34 12 00 00  aa aa aa aa")));
}

TEST_F(StubTest, MachPortInsertRightRequestIsTheWorkedExample) {
  transport.reply = ReplyBuilder(3315).m;
  EXPECT_EQ(mach_port_insert_right(0x3, 0x1234, 0x1234, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  EXPECT_TRUE(migtest::matches(transport.request, migtest::parse_hex(
      "13 15 00 80  40 00 00 00  03 00 00 00  aa aa aa aa"
      "77 00 00 00  aa aa aa aa  00 00 00 00  8f 0c 00 00"
      "0f 20 00 20  01 00 00 00  34 12 00 00  aa aa aa aa"
      "14 40 00 20  01 00 00 00  34 12 00 00  aa aa aa aa")));
}

TEST_F(StubTest, PolymorphicNameThatIsNoRightLeavesTheMessageSimple) {
  transport.reply = ReplyBuilder(3315).m;
  EXPECT_EQ(mach_port_insert_right(0x3, 0x1234, 0x1234, MACH_MSG_TYPE_PORT_NAME), KERN_SUCCESS);
  EXPECT_EQ(transport.request[3] & 0x80, 0);
}

// A MACH_MSG_TYPE_PORT_* argument is chosen by its sender, as with GNU MIG:
// GNU programs call mach_port_request_notification with seven arguments.
static_assert(std::is_same_v<decltype(&mach_port_request_notification),
                             kern_return_t (*)(mach_port_t, mach_port_name_t, mach_msg_id_t, mach_port_mscount_t,
                                               mach_port_t, mach_msg_type_name_t, mach_port_t*)>);

TEST_F(StubTest, ASenderChosenRightGoesWithTheCallersDisposition) {
  transport.reply = ReplyBuilder(3314, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX)
                        .item(MACH_MSG_TYPE_PORT_SEND_ONCE, 64, 1, 1, "\0\0\0\0\0\0\0\0", 8)
                        .m;
  mach_port_t previous = 1;
  EXPECT_EQ(mach_port_request_notification(0x3, 0x1234, MACH_NOTIFY_DEAD_NAME, 1, 0x5678,
                                           MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous),
            KERN_SUCCESS);
  // After the header and three 16-byte items (name, id, sync), the notify
  // item carries MAKE_SEND_ONCE.
  ASSERT_GE(transport.request.size(), 96u);
  EXPECT_EQ(transport.request[80], MACH_MSG_TYPE_MAKE_SEND_ONCE);
  EXPECT_EQ(transport.request[3] & 0x80, 0x80);  // complex
  EXPECT_EQ(previous, unsigned{MACH_PORT_NULL});
}

TEST_F(StubTest, VmAllocateRequestIsTheWorkedExample) {
  vm_address_t back = 0x10000000;
  transport.reply = ReplyBuilder(2121).item(MACH_MSG_TYPE_INTEGER_64, 64, 1, 1, &back, 8).m;
  vm_address_t address = 0x10000000;
  EXPECT_EQ(vm_allocate(0x3, &address, 0x4000, FALSE), KERN_SUCCESS);
  EXPECT_TRUE(migtest::matches(transport.request, migtest::parse_hex(
      "13 15 00 00  50 00 00 00  03 00 00 00  aa aa aa aa"
      "77 00 00 00  aa aa aa aa  00 00 00 00  e5 07 00 00"
      "0b 40 00 20  01 00 00 00  00 00 00 10  00 00 00 00"
      "0b 40 00 20  01 00 00 00  00 40 00 00  00 00 00 00"
      "00 20 00 20  01 00 00 00  00 00 00 00  aa aa aa aa")));
}

TEST_F(StubTest, PaddingIsZeroed) {
  transport.reply = ReplyBuilder(3306).m;
  (void)mach_port_deallocate(0x3, 0x1234);
  EXPECT_TRUE(migtest::matches(transport.request, migtest::parse_hex(
      "13 15 00 00  30 00 00 00  03 00 00 00  00 00 00 00"
      "77 00 00 00  00 00 00 00  00 00 00 00  86 0c 00 00"
      "0f 20 00 20  01 00 00 00  34 12 00 00  00 00 00 00")));
}

TEST_F(StubTest, ReplyValuesReachTheCaller) {
  mach_port_t reply_name = 0x4321;
  transport.reply = ReplyBuilder(3304).item(MACH_MSG_TYPE_PORT_NAME, 32, 1, 1, &reply_name, 4).m;
  mach_port_t name = 0;
  ASSERT_EQ(mach_port_allocate(0x3, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(name, 0x4321u);
  EXPECT_EQ(transport.got, 1);
  EXPECT_EQ(transport.put, 1);
  EXPECT_EQ(transport.dealloced, 0);
}

TEST_F(StubTest, ShortErrorReplyReturnsItsCode) {
  transport.reply = ReplyBuilder(3304, KERN_NO_SPACE).m;
  mach_port_t name = 0xdead;
  EXPECT_EQ(mach_port_allocate(0x3, MACH_PORT_RIGHT_RECEIVE, &name), KERN_NO_SPACE);
  EXPECT_EQ(name, 0xdeadu);
}

TEST_F(StubTest, WrongReplyIdIsAMismatchAndTheReplyIsDestroyed) {
  transport.reply = ReplyBuilder(3305).m;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MIG_REPLY_MISMATCH);
  EXPECT_EQ(transport.destroyed, 1);
}

TEST_F(StubTest, SendOnceNotificationMeansTheServerDied) {
  transport.reply = ReplyBuilder(MACH_NOTIFY_SEND_ONCE).m;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MIG_SERVER_DIED);
}

TEST_F(StubTest, WrongItemTypeIsATypeErrorAndChangesNothing) {
  mach_port_t reply_name = 0x4321;
  transport.reply = ReplyBuilder(3304).item(MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, &reply_name, 4).m;
  mach_port_t name = 0xdead;
  EXPECT_EQ(mach_port_allocate(0x3, MACH_PORT_RIGHT_RECEIVE, &name), MIG_TYPE_ERROR);
  EXPECT_EQ(name, 0xdeadu);
  EXPECT_EQ(transport.destroyed, 1);
}

TEST_F(StubTest, TruncatedReplyIsATypeError) {
  mach_port_t reply_name = 0x4321;
  transport.reply = ReplyBuilder(3304).item(MACH_MSG_TYPE_PORT_NAME, 32, 1, 1, &reply_name, 4).m;
  transport.reply.resize(56);
  mach_msg_size_t size = 56;
  std::memcpy(transport.reply.data() + 4, &size, 4);
  mach_port_t name = 0xdead;
  EXPECT_EQ(mach_port_allocate(0x3, MACH_PORT_RIGHT_RECEIVE, &name), MIG_TYPE_ERROR);
  EXPECT_EQ(name, 0xdeadu);
}

TEST_F(StubTest, ExtraBytesInAReplyAreATypeError) {
  natural_t words[2] = {1, 2};
  transport.reply = ReplyBuilder(2117)
                        .item(MACH_MSG_TYPE_INTEGER_32, 32, 2, 1, words, sizeof words)
                        .item(MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, words, 4)
                        .m;
  natural_t state[4] = {};
  mach_msg_type_number_t count = 4;
  EXPECT_EQ(thread_get_state(0x9, 1, state, &count), MIG_TYPE_ERROR);
  EXPECT_EQ(count, 4u);
  EXPECT_EQ(transport.destroyed, 1);
}

TEST_F(StubTest, ComplexBitOnASimpleReplyIsATypeError) {
  transport.reply = ReplyBuilder(3306, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX).m;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MIG_TYPE_ERROR);
  EXPECT_EQ(transport.destroyed, 1);
}

TEST_F(StubTest, ReceiveErrorDestroysTheReplyPort) {
  transport.result = MACH_RCV_INTERRUPTED;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MACH_RCV_INTERRUPTED);
  EXPECT_EQ(transport.dealloced, 1);
  EXPECT_EQ(transport.put, 0);
}

TEST_F(StubTest, HeaderSendErrorKeepsTheReplyPort) {
  transport.result = MACH_SEND_INVALID_DEST;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MACH_SEND_INVALID_DEST);
  EXPECT_EQ(transport.dealloced, 0);
  EXPECT_EQ(transport.put, 1);
}

// The kernel took the reply right before it refused the body, and the
// send-once notification of its destruction waits on the port.
TEST_F(StubTest, BodySendErrorDeallocatesTheReplyPort) {
  transport.result = MACH_SEND_INVALID_RIGHT;
  EXPECT_EQ(mach_port_deallocate(0x3, 0x1234), MACH_SEND_INVALID_RIGHT);
  EXPECT_EQ(transport.dealloced, 1);
  EXPECT_EQ(transport.put, 0);
}

TEST_F(StubTest, CountInOutSendsTheCapacityAndFillsTheCallersArray) {
  natural_t words[5] = {1, 2, 3, 4, 5};
  transport.reply = ReplyBuilder(2117).item(MACH_MSG_TYPE_INTEGER_32, 32, 5, 1, words, sizeof words).m;
  natural_t state[8] = {};
  mach_msg_type_number_t count = 8;
  ASSERT_EQ(thread_get_state(0x9, 1, state, &count), KERN_SUCCESS);
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(state[4], 5u);
  // The request: flavor, then the caller's capacity (the target is the header's).
  uint32_t capacity;
  std::memcpy(&capacity, transport.request.data() + 48 + 8, 4);
  EXPECT_EQ(capacity, 8u);
}

TEST_F(StubTest, ArrayLargerThanTheCallersIsReportedAndTruncated) {
  natural_t words[5] = {1, 2, 3, 4, 5};
  transport.reply = ReplyBuilder(2117).item(MACH_MSG_TYPE_INTEGER_32, 32, 5, 1, words, sizeof words).m;
  natural_t state[4] = {9, 9, 9, 9};
  mach_msg_type_number_t count = 3;
  EXPECT_EQ(thread_get_state(0x9, 1, state, &count), MIG_ARRAY_TOO_LARGE);
  EXPECT_EQ(count, 5u);
  EXPECT_EQ(state[2], 3u);
  EXPECT_EQ(state[3], 9u);
}

TEST_F(StubTest, ArrayCountBeyondTheTypesBoundIsATypeError) {
  natural_t word = 7;
  transport.reply = ReplyBuilder(2117).item(MACH_MSG_TYPE_INTEGER_32, 32, 1025, 1, &word, 4).m;
  std::vector<natural_t> state(1100);
  mach_msg_type_number_t count = 1100;
  EXPECT_EQ(thread_get_state(0x9, 1, state.data(), &count), MIG_TYPE_ERROR);
  EXPECT_EQ(count, 1100u);
}

TEST_F(StubTest, ArrayCountBeyondTheReplysBytesIsATypeError) {
  natural_t word = 7;
  transport.reply = ReplyBuilder(2117).item(MACH_MSG_TYPE_INTEGER_32, 32, 3, 1, &word, 4).m;
  natural_t state[8] = {};
  mach_msg_type_number_t count = 8;
  EXPECT_EQ(thread_get_state(0x9, 1, state, &count), MIG_TYPE_ERROR);
}

TEST_F(StubTest, OutOfLineReplyHandsOverThePointer) {
  static char data[4096];
  uint64_t pointer = reinterpret_cast<uint64_t>(data);
  transport.reply = ReplyBuilder(2126, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX)
                        .item(MACH_MSG_TYPE_BYTE, 8, 4096, 0, &pointer, 8).m;
  vm_offset_t out = 0;
  mach_msg_type_number_t count = 0;
  ASSERT_EQ(vm_read(0x3, 0x1000, 4096, &out, &count), KERN_SUCCESS);
  EXPECT_EQ(out, reinterpret_cast<vm_offset_t>(data));
  EXPECT_EQ(count, 4096u);
}

TEST_F(StubTest, InLineDataWhereOutOfLineIsExpectedIsATypeError) {
  uint64_t pointer = 0x1000;
  transport.reply = ReplyBuilder(2126, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX)
                        .item(MACH_MSG_TYPE_BYTE, 8, 8, 1, &pointer, 8).m;
  vm_offset_t out = 0;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(vm_read(0x3, 0x1000, 4096, &out, &count), MIG_TYPE_ERROR);
  EXPECT_EQ(out, 0u);
}

TEST_F(StubTest, ReceivedRightMustHaveTheTypeItArrivesAs) {
  // task_create's child arrives as a send right (the server sends COPY_SEND).
  uint64_t port = 0x55;
  transport.reply = ReplyBuilder(2107, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX)
                        .item(MACH_MSG_TYPE_PORT_SEND, 64, 1, 1, &port, 8).m;
  mach_port_t child = 0;
  ASSERT_EQ(task_create(0x3, FALSE, &child), KERN_SUCCESS);
  EXPECT_EQ(child, 0x55u);
  migtest::reset();
  transport.reply = ReplyBuilder(2107, KERN_SUCCESS, MACH_MSGH_BITS_COMPLEX)
                        .item(MACH_MSG_TYPE_COPY_SEND, 64, 1, 1, &port, 8).m;
  EXPECT_EQ(task_create(0x3, FALSE, &child), MIG_TYPE_ERROR);
}

}  // namespace
