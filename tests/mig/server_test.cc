// tests/mig/server_test.cc: a generated server fed malformed requests.
//
// Each request starts as one the client stub really built (captured, then
// carried through in_transit as the kernel would deliver it), and one
// thing is broken. The server must answer MIG_BAD_ARGUMENTS (or MIG_BAD_ID)
// without calling the routine, and leave no translation unreleased.
#include <gtest/gtest.h>

#include <cstring>

#include "mig_fakes.h"
#include "test_server.h"
#include "umach_test.h"

namespace {

using migtest::server_log;
using migtest::transport;

struct Answer {
  boolean_t handled;
  kern_return_t ret;
  mach_msg_size_t size;
  mach_msg_id_t id;
};

class MalformedRequest : public ::testing::Test {
 protected:
  void SetUp() override {
    migtest::reset();
    server_log = migtest::ServerLog{};
  }

  // What a well-formed request of each routine looks like on arrival.
  std::vector<uint8_t> echo_int() {
    int r;
    transport.result = MACH_SEND_INVALID_DEST;  // capture only
    (void)call_echo_int(0x10, 1, &r);
    return migtest::in_transit(transport.request);
  }
  std::vector<uint8_t> all_in() {
    name_t s = "name";
    int arr[3] = {1, 2, 3};
    fixed_t fx = {};
    transport.result = MACH_SEND_INVALID_DEST;
    (void)call_all_in(0x10, 1, s, s, arr, 3, fx, pair_t{}, 0x21, 0x1000, 16, 0x22, MACH_MSG_TYPE_MAKE_SEND);
    return migtest::in_transit(transport.request);
  }
  std::vector<uint8_t> translated() {
    int v = 1;
    transport.result = MACH_SEND_INVALID_DEST;
    (void)call_translated(0x10, &v);
    return migtest::in_transit(transport.request);
  }

  Answer serve(std::vector<uint8_t> in) {
    in.resize(std::max<size_t>(in.size(), 32) + 64, 0);  // room past msgh_size, never read
    alignas(8) uint8_t out[UMACH_TEST_MAX_REPLY_SIZE];
    std::memset(out, 0xee, sizeof out);
    auto* head = reinterpret_cast<mach_msg_header_t*>(in.data());
    const boolean_t handled = umach_test_server(head, reinterpret_cast<mach_msg_header_t*>(out));
    auto* reply = reinterpret_cast<mig_reply_header_t*>(out);
    return Answer{handled, reply->RetCode, reply->Head.msgh_size, reply->Head.msgh_id};
  }

  static void set_u32(std::vector<uint8_t>& m, size_t at, uint32_t v) { std::memcpy(m.data() + at, &v, 4); }
  static uint32_t get_u32(const std::vector<uint8_t>& m, size_t at) {
    uint32_t v;
    std::memcpy(&v, m.data() + at, 4);
    return v;
  }
  static void set_size(std::vector<uint8_t>& m, uint32_t size) { set_u32(m, 4, size); }
  void expect_rejected(std::vector<uint8_t> m, kern_return_t code = MIG_BAD_ARGUMENTS) {
    Answer a = serve(std::move(m));
    EXPECT_EQ(a.ret, code);
    EXPECT_EQ(a.size, sizeof(mig_reply_header_t));
    EXPECT_EQ(server_log.calls, 0);
    EXPECT_EQ(server_log.translated, server_log.released);
    EXPECT_EQ(server_log.ports_translated, server_log.ports_released);
  }
};

// all_in's items, in order, at these offsets (see RoundTrip's size test).
constexpr size_t kA = 32, kS = 48, kVs = 88, kArr = 104, kPort = 176, kData = 192, kPoly = 208;

TEST_F(MalformedRequest, WellFormedRequestsAreServed) {
  Answer a = serve(echo_int());
  EXPECT_TRUE(a.handled);
  EXPECT_EQ(a.ret, KERN_SUCCESS);
  EXPECT_EQ(a.id, 5100);
  a = serve(all_in());
  EXPECT_EQ(a.ret, KERN_SUCCESS);
  EXPECT_EQ(server_log.calls, 2);
  EXPECT_EQ(server_log.port, 0x21u);
  EXPECT_EQ(server_log.poly, 0x22u);
}

TEST_F(MalformedRequest, UnknownIdIsBadIdAndNotHandled) {
  for (mach_msg_id_t id : {4999, 5010, -1, 0x7fffffff}) {
    auto m = echo_int();
    set_u32(m, 28, static_cast<uint32_t>(id));
    Answer a = serve(m);
    EXPECT_FALSE(a.handled);
    EXPECT_EQ(a.ret, MIG_BAD_ID);
    EXPECT_EQ(a.id, static_cast<mach_msg_id_t>(static_cast<uint32_t>(id) + 100u));
  }
}

TEST_F(MalformedRequest, SkippedSlotIsBadId) {
  auto m = echo_int();
  set_u32(m, 28, 5001);
  Answer a = serve(m);
  EXPECT_FALSE(a.handled);
  EXPECT_EQ(a.ret, MIG_BAD_ID);
}

TEST_F(MalformedRequest, TruncatedRequestIsRejected) {
  for (uint32_t size : {32u, 40u, 44u}) {
    auto m = echo_int();
    set_size(m, size);
    expect_rejected(m);
  }
}

TEST_F(MalformedRequest, LongerRequestIsRejected) {
  auto m = echo_int();
  m.resize(56, 0);
  set_size(m, 56);
  expect_rejected(m);
}

TEST_F(MalformedRequest, WrongTypeNameIsRejected) {
  auto m = echo_int();
  m[32] = MACH_MSG_TYPE_INTEGER_16;
  expect_rejected(m);
}

TEST_F(MalformedRequest, WrongElementSizeIsRejected) {
  auto m = echo_int();
  set_u32(m, 32, (get_u32(m, 32) & ~0xffff00u) | (64u << 8));
  expect_rejected(m);
}

TEST_F(MalformedRequest, WrongCountIsRejected) {
  auto m = echo_int();
  set_u32(m, 36, 2);
  expect_rejected(m);
}

TEST_F(MalformedRequest, OutOfLineWhereInLineIsExpectedIsRejected) {
  auto m = echo_int();
  set_u32(m, 32, get_u32(m, 32) & ~(1u << 29));
  expect_rejected(m);
}

TEST_F(MalformedRequest, LongFormDescriptorIsRejected) {
  auto m = echo_int();
  set_u32(m, 32, get_u32(m, 32) | (1u << 30));
  expect_rejected(m);
}

TEST_F(MalformedRequest, ComplexBitOnASimpleRequestIsRejected) {
  auto m = echo_int();
  set_u32(m, 0, get_u32(m, 0) | MACH_MSGH_BITS_COMPLEX);
  expect_rejected(m);
}

TEST_F(MalformedRequest, MissingComplexBitIsRejected) {
  auto m = all_in();
  set_u32(m, 0, get_u32(m, 0) & ~MACH_MSGH_BITS_COMPLEX);
  expect_rejected(m);
}

TEST_F(MalformedRequest, RightOfTheWrongTypeIsRejected) {
  // port is a send right on arrival; a receive right, or a disposition the
  // kernel never delivers, is refused.
  ASSERT_EQ(all_in()[kPort], MACH_MSG_TYPE_PORT_SEND);
  for (uint8_t name : {uint8_t{MACH_MSG_TYPE_PORT_RECEIVE}, uint8_t{MACH_MSG_TYPE_PORT_SEND_ONCE},
                       uint8_t{MACH_MSG_TYPE_MAKE_SEND}, uint8_t{MACH_MSG_TYPE_PORT_NAME}}) {
    auto m = all_in();
    m[kPort] = name;
    expect_rejected(m);
  }
}

TEST_F(MalformedRequest, PolymorphicItemThatIsNoRightIsRejected) {
  auto m = all_in();
  ASSERT_EQ(m[kPoly], MACH_MSG_TYPE_PORT_SEND);
  m[kPoly] = MACH_MSG_TYPE_INTEGER_64;
  expect_rejected(m);
}

TEST_F(MalformedRequest, InLineDataWhereOutOfLineIsExpectedIsRejected) {
  auto m = all_in();
  set_u32(m, kData, get_u32(m, kData) | (1u << 29));
  expect_rejected(m);
}

TEST_F(MalformedRequest, CountBeyondTheArraysBoundIsRejected) {
  auto m = all_in();
  ASSERT_EQ(get_u32(m, kArr + 4), 3u);
  set_u32(m, kArr + 4, 9);
  expect_rejected(m);
}

TEST_F(MalformedRequest, CountClaimingMoreBytesThanTheMessageHasIsRejected) {
  auto m = all_in();
  set_u32(m, kArr + 4, 8);  // within the bound, but the data is 3 elements long
  expect_rejected(m);
}

TEST_F(MalformedRequest, HugeCountDoesNotWrapTheSizeCheck) {
  auto m = all_in();
  set_u32(m, kArr + 4, 0xffffffffu);
  expect_rejected(m);
  m = all_in();
  set_u32(m, kVs + 4, 0xfffffff8u);
  expect_rejected(m);
}

TEST_F(MalformedRequest, FixedStringWithoutItsNulIsRejected) {
  auto m = all_in();
  std::memset(m.data() + kS + 8, 'x', 32);
  expect_rejected(m);
}

TEST_F(MalformedRequest, VariableStringWithoutItsNulIsRejected) {
  auto m = all_in();
  ASSERT_EQ(get_u32(m, kVs + 4), 5u);  // "name" and its NUL
  m[kVs + 8 + 4] = 'x';
  expect_rejected(m);
  m = all_in();
  set_u32(m, kVs + 4, 0);
  expect_rejected(m);
}

TEST_F(MalformedRequest, NothingTranslatedOnARejectedRequest) {
  auto m = translated();
  m[32] = MACH_MSG_TYPE_BOOLEAN;
  expect_rejected(m);
  EXPECT_EQ(server_log.translated, 0);
  EXPECT_EQ(server_log.ports_translated, 0);
}

TEST_F(MalformedRequest, EveryTruncationOfAComplexRequestIsRejected) {
  const auto whole = all_in();
  for (uint32_t size = 0; size < whole.size(); size += 4) {
    auto m = whole;
    set_size(m, size);
    Answer a = serve(m);
    EXPECT_EQ(a.ret, MIG_BAD_ARGUMENTS) << "size " << size;
  }
  EXPECT_EQ(server_log.calls, 0);
  (void)kA;
}

}  // namespace
