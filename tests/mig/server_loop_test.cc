// tests/mig/server_loop_test.cc: a generated server behind libmach's
// receive loop (mach_msg_server_once), over lib/tests' fake kernel.
//
// A request the server rejects still carried rights and memory; the loop
// must release every one of them (and nothing else: the reply port keeps
// its send-once right for the error reply). A request the routine accepts
// belongs to the routine: the loop releases nothing.
#include <gtest/gtest.h>

#include <cstring>

#include "../../lib/tests/libmach_fakes.h"
#include "test_server.h"

extern "C" mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t*, mach_msg_header_t*),
                                                  mach_msg_size_t max_size, mach_port_t rcv_name,
                                                  mach_msg_option_t options);

namespace {

using libmach_test::g_calls;
using libmach_test::g_events;
using libmach_test::g_script;

constexpr mach_port_t kService = 0x500, kReply = 0x77, kRight = 0x21, kPoly = 0x22;
constexpr uint64_t kData = 0x10000;

// all_in as it arrives (see server_test.cc for the layout), with `arr`'s
// count given: 3 is well formed, 9 is beyond the array's bound.
std::vector<uint8_t> all_in_request(uint32_t arr_count) {
  std::vector<uint8_t> m;
  auto put = [&](const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    m.insert(m.end(), b, b + n);
    m.resize((m.size() + 7) & ~size_t{7}, 0);
  };
  auto item = [&](unsigned name, unsigned size, uint32_t number, bool inl, const void* data, size_t n) {
    const uint32_t descriptor[2] = {name | (size << 8) | (uint32_t{inl} << 29), number};
    put(descriptor, sizeof descriptor);
    put(data, n);
  };
  mach_msg_header_t h{};
  h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND) | MACH_MSGH_BITS_COMPLEX;
  h.msgh_remote_port = kReply;
  h.msgh_local_port = kService;
  h.msgh_id = 5002;
  put(&h, sizeof h);
  const int64_t a = 1;
  item(MACH_MSG_TYPE_INTEGER_64, 64, 1, true, &a, 8);
  char s[32] = "name";
  item(MACH_MSG_TYPE_STRING_C, 8, 32, true, s, 32);
  item(MACH_MSG_TYPE_STRING_C, 8, 5, true, s, 5);
  int arr[3] = {1, 2, 3};
  item(MACH_MSG_TYPE_INTEGER_32, 32, arr_count, true, arr, sizeof arr);
  int fx[4] = {};
  item(MACH_MSG_TYPE_INTEGER_32, 32, 4, true, fx, sizeof fx);
  int64_t p[2] = {};
  item(MACH_MSG_TYPE_INTEGER_64, 64, 2, true, p, sizeof p);
  const uint64_t right = kRight, poly = kPoly, data = kData;
  item(MACH_MSG_TYPE_PORT_SEND, 64, 1, true, &right, 8);
  item(MACH_MSG_TYPE_BYTE, 8, 100, false, &data, 8);
  item(MACH_MSG_TYPE_PORT_SEND, 64, 1, true, &poly, 8);
  const uint32_t size = static_cast<uint32_t>(m.size());
  std::memcpy(m.data() + 4, &size, 4);
  return m;
}

class ServerLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    libmach_test::reset();
    migtest::server_log = migtest::ServerLog{};
  }
};

TEST_F(ServerLoop, RejectedRequestIsDestroyedAndAnswered) {
  g_script = {{MACH_MSG_SUCCESS, all_in_request(9)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(umach_test_server, UMACH_TEST_MAX_REQUEST_SIZE, kService, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(migtest::server_log.calls, 0);
  // Both rights and the out-of-line region are released, the reply port is not.
  std::vector<std::string> want = {"dealloc 0x21", "vm_deallocate 0x10000 0x1000", "dealloc 0x22"};
  EXPECT_EQ(g_events, want);
  ASSERT_EQ(g_calls.size(), 2u);
  mig_reply_header_t reply;
  ASSERT_EQ(g_calls[1].sent.size(), sizeof reply);
  std::memcpy(&reply, g_calls[1].sent.data(), sizeof reply);
  EXPECT_EQ(reply.RetCode, MIG_BAD_ARGUMENTS);
  EXPECT_EQ(reply.Head.msgh_remote_port, kReply);
  EXPECT_EQ(reply.Head.msgh_id, 5102);
}

TEST_F(ServerLoop, AcceptedRequestBelongsToTheRoutine) {
  g_script = {{MACH_MSG_SUCCESS, all_in_request(3)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(umach_test_server, UMACH_TEST_MAX_REQUEST_SIZE, kService, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(migtest::server_log.calls, 1);
  EXPECT_EQ(migtest::server_log.port, kRight);
  EXPECT_EQ(migtest::server_log.data, kData);
  EXPECT_TRUE(g_events.empty());
}

TEST_F(ServerLoop, RoutineErrorReleasesWhatTheRequestCarried) {
  migtest::server_log.result = KERN_INVALID_ARGUMENT;
  g_script = {{MACH_MSG_SUCCESS, all_in_request(3)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(umach_test_server, UMACH_TEST_MAX_REQUEST_SIZE, kService, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(migtest::server_log.calls, 1);
  std::vector<std::string> want = {"dealloc 0x21", "vm_deallocate 0x10000 0x1000", "dealloc 0x22"};
  EXPECT_EQ(g_events, want);
}

}  // namespace
