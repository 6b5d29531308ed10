// tests/mig/roundtrip_test.cc: umach_test's client stubs talking to its
// server stubs through a loopback mach_msg (mig_fakes.cc): every shape the
// generator knows must arrive as it was sent, both ways.
#include <gtest/gtest.h>

#include <cstring>

#include "mig_fakes.h"
#include "test_server.h"
#include "umach_opts.h"
#include "umach_test.h"

namespace {

using migtest::server_log;
using migtest::transport;

class RoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    migtest::reset();
    migtest::server_log = migtest::ServerLog{};
    transport.mode = migtest::Transport::Mode::Loopback;
  }
};

TEST_F(RoundTrip, ScalarGoesAndComesBack) {
  int r = 0;
  ASSERT_EQ(call_echo_int(0x10, 21, &r), KERN_SUCCESS);
  EXPECT_EQ(r, 42);
  EXPECT_EQ(server_log.server, 0x10u);
}

TEST_F(RoundTrip, RoutineErrorComesBackAsTheReturnValue) {
  server_log.result = KERN_INVALID_ARGUMENT;
  int r = 7;
  EXPECT_EQ(call_echo_int(0x10, 21, &r), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(r, 7);
  EXPECT_EQ(transport.server_reply.size(), sizeof(mig_reply_header_t));
}

TEST_F(RoundTrip, EveryInShapeArrivesIntact) {
  name_t s = "a fixed name";
  int arr[5] = {1, 2, 3, 4, 5};
  fixed_t fx = {9, 8, 7, 6};
  pair_t p = {-1, 1LL << 40};
  static char data[100] = "ool";
  ASSERT_EQ(call_all_in(0x10, -3, s, const_cast<char*>("var"), arr, 5, fx, p, 0x21,
                        reinterpret_cast<vm_offset_t>(data), sizeof data, 0x22, MACH_MSG_TYPE_MAKE_SEND_ONCE),
            KERN_SUCCESS);
  EXPECT_EQ(server_log.a, -3);
  EXPECT_EQ(server_log.s, "a fixed name");
  EXPECT_EQ(server_log.vs, "var");
  EXPECT_EQ(server_log.arr, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(server_log.fx[3], 6);
  EXPECT_EQ(server_log.p.second, 1LL << 40);
  EXPECT_EQ(server_log.port, 0x21u);
  EXPECT_EQ(server_log.data, reinterpret_cast<vm_offset_t>(data));
  EXPECT_EQ(server_log.data_count, sizeof data);
  EXPECT_EQ(server_log.poly, 0x22u);
  EXPECT_EQ(server_log.poly_type, unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE});
  // The request is complex and the out-of-line item asks to be deallocated.
  EXPECT_NE(transport.request[3] & 0x80, 0);
}

TEST_F(RoundTrip, VariableStringIsSentWithoutItsUnusedTail) {
  name_t s = "x";
  int arr[1] = {1};
  fixed_t fx = {};
  ASSERT_EQ(call_all_in(0x10, 0, s, const_cast<char*>("ab"), arr, 1, fx, pair_t{}, 0x21, 0, 0, 0x22,
                        MACH_MSG_TYPE_COPY_SEND),
            KERN_SUCCESS);
  // header 32 + a 16 + s 40 + vs (8 + 8: "ab\0" padded) + arr 16 + fx 24 + p 24 + port 16 + data 16 + poly 16
  EXPECT_EQ(transport.request.size(), 32u + 16 + 40 + 16 + 16 + 24 + 24 + 16 + 16 + 16);
}

TEST_F(RoundTrip, TooLongAStringIsCutAndTerminated) {
  name_t s = "x";
  int arr[1] = {1};
  fixed_t fx = {};
  std::string long_name(100, 'z');
  ASSERT_EQ(call_all_in(0x10, 0, s, long_name.data(), arr, 1, fx, pair_t{}, 0x21, 0, 0, 0x22, MACH_MSG_TYPE_COPY_SEND),
            KERN_SUCCESS);
  EXPECT_EQ(server_log.vs, std::string(31, 'z'));
}

TEST_F(RoundTrip, TooManyElementsAreRefusedBeforeSending) {
  name_t s = "x";
  int arr[9] = {};
  fixed_t fx = {};
  EXPECT_EQ(call_all_in(0x10, 0, s, s, arr, 9, fx, pair_t{}, 0x21, 0, 0, 0x22, MACH_MSG_TYPE_COPY_SEND),
            MIG_ARRAY_TOO_LARGE);
  EXPECT_TRUE(transport.request.empty());
  EXPECT_EQ(transport.got, 0);
}

TEST_F(RoundTrip, EveryOutShapeComesBackIntact) {
  int64_t a = 0;
  name_t s = {};
  vname_t vs = {};
  int arr[8] = {};
  mach_msg_type_number_t arr_count = 5;
  fixed_t fx = {};
  pair_t p = {};
  mach_port_t port = 0, poly = 0;
  mach_msg_type_name_t poly_type = 0;
  vm_offset_t data = 0;
  mach_msg_type_number_t data_count = 0;
  ASSERT_EQ(call_all_out(0x10, &a, s, vs, arr, &arr_count, fx, &p, &port, &data, &data_count, &poly, &poly_type),
            KERN_SUCCESS);
  EXPECT_EQ(server_log.out_count, 5u);  // CountInOut: the server saw the caller's capacity
  EXPECT_EQ(a, -5);
  EXPECT_STREQ(s, "fixed string");
  EXPECT_STREQ(vs, "short");
  EXPECT_EQ(arr_count, 3u);
  EXPECT_EQ(arr[2], 12);
  EXPECT_EQ(fx[3], 103);
  EXPECT_EQ(p.first, 7);
  EXPECT_EQ(p.second, 8);
  EXPECT_EQ(port, 0x66u);
  EXPECT_STREQ(reinterpret_cast<const char*>(data), "out of line");
  EXPECT_EQ(data_count, 64u);
  EXPECT_EQ(poly, 0x99u);
  EXPECT_EQ(poly_type, unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE});
}

TEST_F(RoundTrip, SimpleRoutineSendsOnlyAndTheServerSeesTheSeqno) {
  transport.seqno = 17;
  ASSERT_EQ(call_note(0x10, 5), KERN_SUCCESS);
  EXPECT_EQ(transport.option, MACH_SEND_MSG);
  EXPECT_EQ(transport.got, 0);
  EXPECT_EQ(server_log.seqno, 17u);
  EXPECT_EQ(server_log.v, 5);
  // No reply port: the local slot is null and carries no disposition.
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(reinterpret_cast<mach_msg_header_t*>(transport.request.data())->msgh_bits), 0u);
  EXPECT_EQ(reinterpret_cast<mig_reply_header_t*>(transport.server_reply.data())->RetCode, MIG_NO_REPLY);
}

TEST_F(RoundTrip, TranslationsAreMadeAndReleasedOncePerCall) {
  int v = 41;
  ASSERT_EQ(call_translated(0x10, &v), KERN_SUCCESS);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(server_log.server, 0x10u);
  EXPECT_EQ(server_log.translated, 1);
  EXPECT_EQ(server_log.released, 1);
  EXPECT_EQ(server_log.ports_translated, 1);
  EXPECT_EQ(server_log.ports_released, 1);
}

TEST_F(RoundTrip, TranslationsAreReleasedWhenTheRoutineFails) {
  server_log.result = KERN_FAILURE;
  int v = 41;
  EXPECT_EQ(call_translated(0x10, &v), KERN_FAILURE);
  EXPECT_EQ(v, 41);
  EXPECT_EQ(server_log.released, server_log.translated);
  EXPECT_EQ(server_log.ports_released, server_log.ports_translated);
}

TEST_F(RoundTrip, ServerReplyPortIsTheCallersAndNoReplyMeansNoAnswer) {
  server_log.result = MIG_NO_REPLY;
  EXPECT_EQ(call_with_reply(0x10, 3), MACH_RCV_TIMED_OUT);
  EXPECT_EQ(server_log.reply, 0x77u);  // the stub's reply port, as the server received it
  EXPECT_EQ(server_log.v, 3);
  EXPECT_EQ(transport.dealloced, 1);   // a receive error: the reply port is in doubt
}

TEST_F(RoundTrip, WaitTimeAndMessageOptionReachMachMsg) {
  ASSERT_EQ(call_wait_for(0x10, 250, MACH_SEND_TIMEOUT, 1), KERN_SUCCESS);
  EXPECT_EQ(transport.timeout, 250u);
  EXPECT_EQ(transport.option, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT);
}

TEST_F(RoundTrip, CallerSuppliedReplyPortIsUsedAndKept) {
  int r = 0;
  ASSERT_EQ(call_own_reply(0x10, 0x123, &r), KERN_SUCCESS);
  EXPECT_EQ(r, 42);
  EXPECT_EQ(transport.rcv_name, 0x123u);
  EXPECT_EQ(transport.got + transport.put + transport.dealloced, 0);
}

TEST_F(RoundTrip, ExplicitRequestAndReplyPortsReachBothSides) {
  int r = 0;
  ASSERT_EQ(call_explicit_ports(1, 0x10, 0x123, &r), KERN_SUCCESS);
  EXPECT_EQ(r, 101);
  EXPECT_EQ(server_log.server, 0x10u);
  EXPECT_EQ(server_log.reply, 0x123u);
  EXPECT_EQ(transport.rcv_name, 0x123u);
  EXPECT_EQ(transport.got, 0);
}

TEST_F(RoundTrip, SubsystemOptionsAndWaitTimeApplyToEveryCall) {
  transport.mode = migtest::Transport::Mode::Capture;
  transport.result = MACH_RCV_TIMED_OUT;
  EXPECT_EQ(opts_call(0x10, 1), MACH_RCV_TIMED_OUT);
  EXPECT_EQ(transport.option, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_INTERRUPT | MACH_RCV_TIMEOUT);
  EXPECT_EQ(transport.timeout, 500u);
}

}  // namespace
