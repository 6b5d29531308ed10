// lib/tests/libmach_test.cc: libmach's portable C on the host, against the
// fake kernel of libmach_fakes.cc: mach_msg's restarts, mach_msg_destroy,
// the reply-port pool and the other MIG helpers, the server loops and
// mach_error_string.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach_error.h>
#include <mach_init.h>

#include "libmach_fakes.h"

// What <mach.h> declares (it needs MIG's generated headers, which these
// tests do without).
extern "C" {
mach_msg_return_t mach_msg_send(mach_msg_header_t* msg);
mach_msg_return_t mach_msg_receive(mach_msg_header_t* msg);
mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t*, mach_msg_header_t*),
                                  mach_msg_size_t max_size, mach_port_t rcv_name);
mach_msg_return_t mach_msg_server_timeout(boolean_t (*demux)(mach_msg_header_t*, mach_msg_header_t*),
                                          mach_msg_size_t max_size, mach_port_t rcv_name, mach_msg_option_t option,
                                          mach_msg_timeout_t timeout);
mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t*, mach_msg_header_t*),
                                       mach_msg_size_t max_size, mach_port_t rcv_name, mach_msg_option_t options);
void mach_msg_destroy(mach_msg_header_t* msg);
}

namespace {

using namespace libmach_test;
using Events = std::vector<std::string>;

class Libmach : public ::testing::Test {
 protected:
  void SetUp() override { reset(); }
};

mach_msg_type_t type(mach_msg_type_name_t name, unsigned size, unsigned number, bool is_inline = true) {
  mach_msg_type_t t{};
  t.msgt_name = name;
  t.msgt_size = size;
  t.msgt_number = number;
  t.msgt_inline = is_inline;
  return t;
}

mach_msg_header_t header(mach_msg_bits_t bits, mach_port_t remote, mach_port_t local, mach_msg_id_t id,
                         mach_msg_size_t size) {
  mach_msg_header_t h{};
  h.msgh_bits = bits;
  h.msgh_size = size;
  h.msgh_remote_port = remote;
  h.msgh_local_port = local;
  h.msgh_id = id;
  return h;
}

template <typename T>
std::vector<uint8_t> bytes(const T& v) {
  auto* p = reinterpret_cast<const uint8_t*>(&v);
  return std::vector<uint8_t>(p, p + sizeof v);
}

template <typename T>
T as(const std::vector<uint8_t>& b) {
  T v{};
  memcpy(&v, b.data(), std::min(sizeof v, b.size()));
  return v;
}

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

// ---- mach_msg: restarts after interruptions ----

mach_msg_return_t call_mach_msg(mach_msg_option_t option) {
  mach_msg_header_t h = header(0, 1, 2, 3, sizeof(mach_msg_header_t));
  return mach_msg(&h, option, sizeof h, sizeof h, 0x200, 0, MACH_PORT_NULL);
}

TEST_F(Libmach, SendInterruptedRestartsTheWholeCall) {
  g_script = {{MACH_SEND_INTERRUPTED, {}}, {MACH_SEND_INTERRUPTED, {}}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG | MACH_RCV_MSG), MACH_MSG_SUCCESS);
  ASSERT_EQ(g_calls.size(), 3u);
  for (const TrapCall& c : g_calls) EXPECT_EQ(c.option, MACH_SEND_MSG | MACH_RCV_MSG);
}

TEST_F(Libmach, SendInterruptedIsReturnedWhenAskedFor) {
  g_script = {{MACH_SEND_INTERRUPTED, {}}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG | MACH_SEND_INTERRUPT), MACH_SEND_INTERRUPTED);
  EXPECT_EQ(g_calls.size(), 1u);
}

TEST_F(Libmach, RcvInterruptedRestartsOnlyTheReceive) {
  g_script = {{MACH_RCV_INTERRUPTED, {}}, {MACH_RCV_INTERRUPTED, {}}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT), MACH_MSG_SUCCESS);
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[0].option, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT);
  EXPECT_EQ(g_calls[1].option, MACH_RCV_MSG | MACH_RCV_TIMEOUT) << "the message was sent once";
  EXPECT_EQ(g_calls[2].option, MACH_RCV_MSG | MACH_RCV_TIMEOUT);
  EXPECT_EQ(g_calls[2].rcv_name, 0x200u);
}

TEST_F(Libmach, RcvInterruptedIsReturnedWhenAskedFor) {
  g_script = {{MACH_RCV_INTERRUPTED, {}}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_INTERRUPT), MACH_RCV_INTERRUPTED);
  EXPECT_EQ(g_calls.size(), 1u);
}

TEST_F(Libmach, SendThenReceiveInterruptionsEachRestartTheirPart) {
  g_script = {{MACH_SEND_INTERRUPTED, {}}, {MACH_RCV_INTERRUPTED, {}}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG | MACH_RCV_MSG), MACH_MSG_SUCCESS);
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[0].option, MACH_SEND_MSG | MACH_RCV_MSG);
  EXPECT_EQ(g_calls[1].option, MACH_SEND_MSG | MACH_RCV_MSG);
  EXPECT_EQ(g_calls[2].option, MACH_RCV_MSG);
}

TEST_F(Libmach, OtherErrorsAreReturnedAsTheyAre) {
  g_script = {{MACH_SEND_INVALID_DEST, {}}};
  EXPECT_EQ(call_mach_msg(MACH_SEND_MSG), MACH_SEND_INVALID_DEST);
  EXPECT_EQ(g_calls.size(), 1u);
}

TEST_F(Libmach, SendAndReceiveShorthandsUseTheHeader) {
  g_script = {{MACH_MSG_SUCCESS, {}}, {MACH_MSG_SUCCESS, {}}};
  mach_msg_header_t h = header(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0), 0x10, 0x20, 7, sizeof(mach_msg_header_t));
  EXPECT_EQ(mach_msg_send(&h), MACH_MSG_SUCCESS);
  EXPECT_EQ(mach_msg_receive(&h), MACH_MSG_SUCCESS);
  ASSERT_EQ(g_calls.size(), 2u);
  EXPECT_EQ(g_calls[0].option, MACH_SEND_MSG);
  EXPECT_EQ(g_calls[0].send_size, sizeof h);
  EXPECT_EQ(g_calls[1].option, MACH_RCV_MSG);
  EXPECT_EQ(g_calls[1].rcv_size, sizeof h);
  EXPECT_EQ(g_calls[1].rcv_name, 0x20u);
}

// ---- mach_msg_destroy ----

struct ComplexMessage {
  mach_msg_header_t head;
  mach_msg_type_t sends_type;
  uint64_t sends[2];
  mach_msg_type_t receive_type;
  uint64_t receive;
  mach_msg_type_t int_type;
  int32_t value;
  int32_t pad;
  mach_msg_type_t ool_type;
  uint64_t ool;
  mach_msg_type_t ool_ports_type;
  uint64_t ool_ports;
};
static_assert(sizeof(ComplexMessage) == 32 + 24 + 16 + 16 + 16 + 16);

TEST_F(Libmach, DestroyReleasesEveryRightAndRegion) {
  alignas(4096) static uint32_t names[3] = {0x41, 0x42, 0x43};
  ComplexMessage m{};
  m.head = header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND) | MACH_MSGH_BITS_COMPLEX,
                  0x10, 0x20, 1, sizeof m);
  m.sends_type = type(MACH_MSG_TYPE_PORT_SEND, 64, 2);
  m.sends[0] = 0x31;
  m.sends[1] = 0xffffffff00000032ull;  // only the low half is the name
  m.receive_type = type(MACH_MSG_TYPE_PORT_RECEIVE, 64, 1);
  m.receive = 0x33;
  m.int_type = type(MACH_MSG_TYPE_INTEGER_32, 32, 1);
  m.value = 0x34;
  m.ool_type = type(MACH_MSG_TYPE_BYTE, 8, 5000, false);
  m.ool = 0x10000100;
  m.ool_ports_type = type(MACH_MSG_TYPE_PORT_SEND, 32, 3, false);
  m.ool_ports = reinterpret_cast<uint64_t>(names);
  mach_msg_destroy(&m.head);
  Events want = {"dealloc 0x10",  // the reply right; the local slot holds none
                 "dealloc 0x31",
                 "dealloc 0x32",
                 "mod_refs 0x33 1 -1",
                 "vm_deallocate 0x10000000 0x2000",  // [0x10000100, +5000) in whole pages
                 "dealloc 0x41",
                 "dealloc 0x42",
                 "dealloc 0x43",
                 "vm_deallocate " + hex(m.ool_ports) + " 0x1000"};
  EXPECT_EQ(g_events, want);
}

TEST_F(Libmach, DestroyOfASimpleMessageReleasesOnlyTheRemoteRight) {
  struct {
    mach_msg_header_t head;
    mach_msg_type_t t;
    uint64_t port;
  } m{};
  // Not complex: the body is plain data even if it looks like a right.
  m.head = header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, 0), 0x10, 0x20, 1, sizeof m);
  m.t = type(MACH_MSG_TYPE_PORT_SEND, 64, 1);
  m.port = 0x30;
  mach_msg_destroy(&m.head);
  EXPECT_EQ(g_events, Events{"dealloc 0x10"});
}

TEST_F(Libmach, DestroyMakesAndDropsAMakeSendRight) {
  mach_msg_header_t h = header(MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0), 0x10, 0, 1, sizeof(mach_msg_header_t));
  mach_msg_destroy(&h);
  EXPECT_EQ(g_events, (Events{"insert 0x10 20", "dealloc 0x10"}));
}

TEST_F(Libmach, DestroySkipsNullAndDeadNamesAndCopiedRights) {
  struct {
    mach_msg_header_t head;
    mach_msg_type_t t;
    uint64_t ports[3];
    mach_msg_type_t copied;
    uint64_t copy;
  } m{};
  m.head = header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND, 0) | MACH_MSGH_BITS_COMPLEX, MACH_PORT_DEAD, 0, 1, sizeof m);
  m.t = type(MACH_MSG_TYPE_PORT_SEND, 64, 3);
  m.ports[0] = MACH_PORT_NULL;
  m.ports[1] = MACH_PORT_DEAD;
  m.ports[2] = 0x55;
  m.copied = type(MACH_MSG_TYPE_COPY_SEND, 64, 1);
  m.copy = 0x56;
  mach_msg_destroy(&m.head);
  EXPECT_EQ(g_events, Events{"dealloc 0x55"});
}

TEST_F(Libmach, DestroyStopsAtTheEndOfTheMessage) {
  struct {
    mach_msg_header_t head;
    mach_msg_type_t t;
    uint64_t ports[2];
  } m{};
  // The descriptor claims 100 rights; only 2 fit in msgh_size.
  m.head = header(MACH_MSGH_BITS_COMPLEX, 0, 0, 1, sizeof m);
  m.t = type(MACH_MSG_TYPE_PORT_SEND, 64, 100);
  m.ports[0] = 0x60;
  m.ports[1] = 0x61;
  mach_msg_destroy(&m.head);
  EXPECT_TRUE(g_events.empty());
}

// ---- MIG support ----

TEST_F(Libmach, ReplyPortComesFromThePoolOrIsMade) {
  mach_port_t a = mig_get_reply_port();
  EXPECT_EQ(a, 0x500u);
  mig_put_reply_port(a);
  EXPECT_EQ(mig_get_reply_port(), a) << "a put port is reused";
  mach_port_t b = mig_get_reply_port();
  EXPECT_EQ(b, 0x501u) << "the pool was empty";
  EXPECT_EQ(g_events, (Events{"reply_port 0x500", "reply_port 0x501"}));
}

TEST_F(Libmach, DeallocatedReplyPortIsDestroyedNotReused) {
  mach_port_t a = mig_get_reply_port();
  mig_dealloc_reply_port(a);
  EXPECT_EQ(g_events.back(), "mod_refs 0x500 1 -1");
  EXPECT_EQ(mig_get_reply_port(), 0x501u);
}

TEST_F(Libmach, FullPoolDestroysThePortPutBack) {
  std::vector<mach_port_t> ports;
  for (int i = 0; i < 9; ++i) ports.push_back(mig_get_reply_port());
  for (mach_port_t p : ports) mig_put_reply_port(p);
  EXPECT_EQ(g_events.back(), "mod_refs 0x508 1 -1") << "the pool holds 8";
  for (int i = 0; i < 8; ++i) EXPECT_LT(mig_get_reply_port(), 0x508u);
  EXPECT_EQ(mig_get_reply_port(), 0x509u);
}

TEST_F(Libmach, ConcurrentRpcsNeverShareAReplyPort) {
  constexpr int kThreads = 4, kRounds = 20000;
  static std::atomic<int> holders[0x1000];
  for (auto& h : holders) h = 0;
  std::atomic<bool> shared{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        mach_port_t p = mig_get_reply_port();
        if (p >= 0x1000 + 0x500 || holders[p - 0x500].fetch_add(1) != 0) shared = true;
        if (p < 0x1000 + 0x500) holders[p - 0x500].fetch_sub(1);
        mig_put_reply_port(p);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(shared);
}

TEST_F(Libmach, MigStrncpyTruncatesAndAlwaysTerminates) {
  char buf[8];
  memset(buf, 'x', sizeof buf);
  EXPECT_EQ(mig_strncpy(buf, "abc", sizeof buf), 3u);
  EXPECT_EQ(std::string(buf, 8), std::string("abc\0\0\0\0\0", 8));
  EXPECT_EQ(mig_strncpy(buf, "abcdefghij", sizeof buf), 7u);
  EXPECT_STREQ(buf, "abcdefg");
  EXPECT_EQ(mig_strncpy(buf, "abc", 1), 0u);
  EXPECT_STREQ(buf, "");
  buf[0] = 'q';
  EXPECT_EQ(mig_strncpy(buf, "abc", 0), 0u);
  EXPECT_EQ(buf[0], 'q') << "len 0 writes nothing";
}

TEST_F(Libmach, MigAllocateAndDeallocate) {
  vm_address_t a = 0;
  mig_allocate(&a, 8192);
  ASSERT_NE(a, 0u);
  memset(reinterpret_cast<void*>(a), 1, 8192);
  mig_deallocate(a, 8192);
  EXPECT_TRUE(g_events.empty()) << "the fake freed it";
}

TEST_F(Libmach, ReplySetupAnswersTheRequest) {
  mach_msg_header_t request =
      header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, MACH_MSG_TYPE_PORT_SEND), 0x77, 0x200, 3204, 32);
  mig_reply_header_t reply;
  memset(&reply, 0xaa, sizeof reply);
  mig_reply_setup(&request, &reply.Head);
  EXPECT_EQ(reply.Head.msgh_bits, static_cast<mach_msg_bits_t>(MACH_MSG_TYPE_PORT_SEND_ONCE));
  EXPECT_EQ(reply.Head.msgh_size, 48u);
  EXPECT_EQ(reply.Head.msgh_remote_port, 0x77u);
  EXPECT_EQ(reply.Head.msgh_local_port, 0u);
  EXPECT_EQ(reply.Head.msgh_id, 3304);
  uint32_t word[2];
  memcpy(word, &reply.RetCodeType, 8);
  EXPECT_EQ(word[0], 0x20002002u) << "INTEGER_32, 32 bits, inline";
  EXPECT_EQ(word[1], 1u);
  EXPECT_EQ(reply.RetCode, KERN_SUCCESS);
}

// ---- the server loops ----

constexpr mach_port_t kServicePort = 0x200;
constexpr mach_port_t kReplyPort = 0x77;

kern_return_t g_demux_answer;
bool g_demux_complex_reply;
std::vector<mach_msg_id_t> g_demux_seen;

boolean_t demux(mach_msg_header_t* request, mach_msg_header_t* reply) {
  g_demux_seen.push_back(request->msgh_id);
  mig_reply_setup(request, reply);
  reinterpret_cast<mig_reply_header_t*>(reply)->RetCode = g_demux_answer;
  if (g_demux_complex_reply) reply->msgh_bits |= MACH_MSGH_BITS_COMPLEX;
  return g_demux_answer != MIG_BAD_ID;
}

std::vector<uint8_t> simple_request(mach_msg_id_t id, mach_port_t reply_port = kReplyPort) {
  struct {
    mach_msg_header_t head;
    mach_msg_type_t t;
    int32_t v, pad;
  } m{};
  m.head = header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0), reply_port, kServicePort, id, sizeof m);
  m.t = type(MACH_MSG_TYPE_INTEGER_32, 32, 1);
  m.v = 5;
  return bytes(m);
}

std::vector<uint8_t> complex_request(mach_msg_id_t id, mach_port_t carried) {
  struct {
    mach_msg_header_t head;
    mach_msg_type_t t;
    uint64_t port;
  } m{};
  m.head = header(MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX, kReplyPort, kServicePort,
                  id, sizeof m);
  m.t = type(MACH_MSG_TYPE_PORT_SEND, 64, 1);
  m.port = carried;
  return bytes(m);
}

class LibmachServer : public Libmach {
 protected:
  void SetUp() override {
    Libmach::SetUp();
    g_demux_answer = KERN_SUCCESS;
    g_demux_complex_reply = false;
    g_demux_seen.clear();
  }
};

TEST_F(LibmachServer, OnceAnswersWithAZeroSendTimeout) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(demux, 256, kServicePort, 0), MACH_MSG_SUCCESS);
  ASSERT_EQ(g_calls.size(), 2u);
  EXPECT_EQ(g_calls[0].option, MACH_RCV_MSG);
  EXPECT_EQ(g_calls[0].rcv_size, 256u);
  EXPECT_EQ(g_calls[0].rcv_name, kServicePort);
  EXPECT_EQ(g_calls[1].option, MACH_SEND_MSG | MACH_SEND_TIMEOUT);
  EXPECT_EQ(g_calls[1].timeout, 0u);
  auto reply = as<mig_reply_header_t>(g_calls[1].sent);
  EXPECT_EQ(reply.Head.msgh_remote_port, kReplyPort);
  EXPECT_EQ(reply.Head.msgh_id, 1100);
  EXPECT_EQ(reply.RetCode, KERN_SUCCESS);
}

TEST_F(LibmachServer, MigNoReplySendsNothing) {
  g_demux_answer = MIG_NO_REPLY;
  g_script = {{MACH_MSG_SUCCESS, complex_request(1000, 0x30)}};
  EXPECT_EQ(mach_msg_server_once(demux, 256, kServicePort, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(g_calls.size(), 1u);
  EXPECT_TRUE(g_events.empty()) << "the server routine owns the request";
}

TEST_F(LibmachServer, AnErrorDestroysAComplexRequestButKeepsItsReplyPort) {
  g_demux_answer = KERN_INVALID_ARGUMENT;
  g_script = {{MACH_MSG_SUCCESS, complex_request(1000, 0x30)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(demux, 256, kServicePort, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(g_events, Events{"dealloc 0x30"});
  ASSERT_EQ(g_calls.size(), 2u);
  auto reply = as<mig_reply_header_t>(g_calls[1].sent);
  EXPECT_EQ(reply.Head.msgh_remote_port, kReplyPort) << "the error still gets a reply";
  EXPECT_EQ(reply.RetCode, KERN_INVALID_ARGUMENT);
}

TEST_F(LibmachServer, AComplexReplyIsSentWhateverItsRetCodeSlotHolds) {
  g_demux_answer = MIG_NO_REPLY;  // in a complex reply that word is data
  g_demux_complex_reply = true;
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}, {MACH_MSG_SUCCESS, {}}};
  EXPECT_EQ(mach_msg_server_once(demux, 256, kServicePort, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(g_calls.size(), 2u);
}

TEST_F(LibmachServer, NoReplyPortMeansNoReply) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000, MACH_PORT_NULL)}};
  EXPECT_EQ(mach_msg_server_once(demux, 256, kServicePort, 0), MACH_MSG_SUCCESS);
  EXPECT_EQ(g_calls.size(), 1u);
}

TEST_F(LibmachServer, SendsEachReplyWithTheNextReceive) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}, {MACH_MSG_SUCCESS, simple_request(1001)}};
  // Then the script is empty: the fake answers MACH_RCV_INVALID_NAME.
  EXPECT_EQ(mach_msg_server(demux, 256, kServicePort), MACH_RCV_INVALID_NAME);
  EXPECT_EQ(g_demux_seen, (std::vector<mach_msg_id_t>{1000, 1001}));
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[0].option, MACH_RCV_MSG);
  for (int i : {1, 2}) {
    EXPECT_EQ(g_calls[i].option, MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_RCV_MSG);
    EXPECT_EQ(g_calls[i].timeout, 0u);
    EXPECT_EQ(g_calls[i].rcv_size, 256u);
    EXPECT_EQ(g_calls[i].rcv_name, kServicePort);
  }
  EXPECT_EQ(as<mig_reply_header_t>(g_calls[1].sent).Head.msgh_id, 1100);
  EXPECT_EQ(as<mig_reply_header_t>(g_calls[2].sent).Head.msgh_id, 1101);
}

TEST_F(LibmachServer, UndeliverableReplyIsDestroyedAndServingGoesOn) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}, {MACH_SEND_INVALID_DEST, {}}};
  EXPECT_EQ(mach_msg_server(demux, 256, kServicePort), MACH_RCV_INVALID_NAME);
  EXPECT_EQ(g_events, Events{"dealloc 0x77"}) << "the reply's send-once right";
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[2].option, MACH_RCV_MSG) << "a plain receive follows";
}

TEST_F(LibmachServer, TooLargeRequestIsSkipped) {
  g_script = {{MACH_RCV_TOO_LARGE, {}}, {MACH_MSG_SUCCESS, simple_request(1000)}};
  EXPECT_EQ(mach_msg_server(demux, 256, kServicePort), MACH_RCV_INVALID_NAME);
  EXPECT_EQ(g_demux_seen, std::vector<mach_msg_id_t>{1000});
}

TEST_F(LibmachServer, TimeoutEndsTheServerAndRepliesGoOutAlone) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}, {MACH_MSG_SUCCESS, {}}, {MACH_RCV_TIMED_OUT, {}}};
  EXPECT_EQ(mach_msg_server_timeout(demux, 256, kServicePort, MACH_RCV_TIMEOUT, 50), MACH_RCV_TIMED_OUT);
  ASSERT_EQ(g_calls.size(), 3u);
  EXPECT_EQ(g_calls[0].option, MACH_RCV_MSG | MACH_RCV_TIMEOUT);
  EXPECT_EQ(g_calls[0].timeout, 50u);
  EXPECT_EQ(g_calls[1].option, MACH_SEND_MSG | MACH_SEND_TIMEOUT) << "the send must not wait 50 ms";
  EXPECT_EQ(g_calls[1].timeout, 0u);
  EXPECT_EQ(g_calls[2].option, MACH_RCV_MSG | MACH_RCV_TIMEOUT);
}

TEST_F(LibmachServer, LargeBuffersComeFromMigAllocate) {
  g_script = {{MACH_MSG_SUCCESS, simple_request(1000)}};
  EXPECT_EQ(mach_msg_server(demux, 1 << 20, kServicePort), MACH_RCV_INVALID_NAME);
  ASSERT_EQ(g_calls.size(), 2u);
  EXPECT_EQ(g_calls[1].rcv_size, 1u << 20);
  EXPECT_TRUE(g_events.empty()) << "both buffers were given back";
}

// ---- mach_error_string ----

TEST(LibmachError, EveryKnownCodeHasItsOwnString) {
  std::vector<kern_return_t> codes;
  for (kern_return_t k = KERN_SUCCESS; k <= KERN_INTERRUPTED; ++k)
    if (k != 11 && k != 25) codes.push_back(k);
  for (kern_return_t k = MACH_SEND_IN_PROGRESS; k <= MACH_SEND_INVALID_HEADER; ++k) codes.push_back(k);
  for (kern_return_t k = MACH_RCV_IN_PROGRESS; k <= MACH_RCV_BODY_ERROR; ++k) codes.push_back(k);
  for (kern_return_t k = MIG_DESTROY_REQUEST; k <= MIG_TYPE_ERROR; ++k) codes.push_back(k);
  std::set<std::string> seen;
  for (kern_return_t k : codes) {
    std::string s = mach_error_string(k);
    EXPECT_NE(s, "unknown error") << k;
    EXPECT_TRUE(seen.insert(s).second) << "two codes share " << s;
  }
}

TEST(LibmachError, StringsAndTypes) {
  EXPECT_STREQ(mach_error_string(KERN_SUCCESS), "(os/kern) successful");
  EXPECT_STREQ(mach_error_string(KERN_INVALID_ARGUMENT), "(os/kern) invalid argument");
  EXPECT_STREQ(mach_error_string(MACH_SEND_INVALID_DEST), "(ipc/send) invalid destination port");
  EXPECT_STREQ(mach_error_string(MACH_RCV_TIMED_OUT), "(ipc/rcv) timed out");
  EXPECT_STREQ(mach_error_string(MIG_BAD_ID), "(ipc/mig) bad request message ID");
  EXPECT_STREQ(mach_error_type(KERN_FAILURE), "(os/kern)");
  EXPECT_STREQ(mach_error_type(MACH_SEND_TIMED_OUT), "(ipc/send)");
  EXPECT_STREQ(mach_error_type(MACH_RCV_TOO_LARGE), "(ipc/rcv)");
  EXPECT_STREQ(mach_error_type(MIG_NO_REPLY), "(ipc/mig)");
}

TEST(LibmachError, UnknownCodesSaySo) {
  for (kern_return_t k : {11, 25, 29, 0x10000000, 0x10000011, 0x10004000, 0x1000400d, -299, -310, 12345})
    EXPECT_STREQ(mach_error_string(k), "unknown error") << k;
  EXPECT_STREQ(mach_error_type(12345), "(unknown/unknown)");
}

TEST_F(Libmach, MachErrorPrintsOneLine) {
  mach_error("vm_allocate", KERN_NO_SPACE);
  EXPECT_EQ(g_events, Events{"print vm_allocate (os/kern) no space available (0x3)\n"});
}

}  // namespace
