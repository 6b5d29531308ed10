// tests/mig/kernel_test.cc: the generated kernel code, in the kernel's
// message form (port slots hold port references).
//
//  - the kernel's dispatch of defs/ (linked into umach_core): a routine the
//    kernel does not define yet answers MIG_BAD_ID after the request was
//    checked; a malformed request MIG_BAD_ARGUMENTS; an unknown id FALSE;
//  - a test interface (defs/umach_ktest.defs) whose routine the test
//    defines: references arrive and leave in the slots, intran and
//    destructor pair up;
//  - the kernel's client stubs (exc, notify) through capturing fakes of
//    the IPC entry points.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include <mach/notify.h>

#include "exc_kuser.h"
#include "ipc/port.h"
#include "ktest_types.h"
#include "mach_kserver.h"
#include "mach_port_kserver.h"
#include "notify_kuser.h"
#include "umach_ktest_kserver.h"

struct KtestObject {
  ipc_port_t port;
};

namespace {

int lookups = 0, releases = 0;
ipc_port_t seen_target = nullptr, seen_right = nullptr;
int seen_v = 0;

ipc_port_t fake_port(uintptr_t n) { return reinterpret_cast<ipc_port_t>(n); }

// A request as the kernel hands it to the dispatch.
struct KRequest {
  std::vector<uint8_t> m;
  KRequest(mach_msg_id_t id, ipc_port_t dest, mach_msg_bits_t bits = MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0)) {
    m.resize(32);
    std::memcpy(m.data(), &bits, 4);
    std::memcpy(m.data() + 16, &dest, 8);
    ipc_port_t reply = fake_port(0x7700);
    std::memcpy(m.data() + 8, &reply, 8);
    std::memcpy(m.data() + 28, &id, 4);
    finish();
  }
  KRequest& item(unsigned name, unsigned size, const void* data, size_t n) {
    const size_t at = m.size();
    const uint32_t word = name | (size << 8) | (1u << 29), number = 1;
    m.resize(at + 8 + (n + 7) / 8 * 8, 0);
    std::memcpy(m.data() + at, &word, 4);
    std::memcpy(m.data() + at + 4, &number, 4);
    std::memcpy(m.data() + at + 8, data, n);
    finish();
    return *this;
  }
  void finish() {
    const uint32_t size = static_cast<uint32_t>(m.size());
    std::memcpy(m.data() + 4, &size, 4);
  }
  mach_msg_header_t* head() { return reinterpret_cast<mach_msg_header_t*>(m.data()); }
};

struct Reply {
  alignas(8) uint8_t bytes[512];
  mig_reply_header_t* head() { return reinterpret_cast<mig_reply_header_t*>(bytes); }
};

TEST(KernelDispatch, RoutineTheKernelLacksAnswersBadIdAfterTheCheck) {
  // task_get_emulation_vector (2009): umach has no emulation vectors, and
  // its generated fallback answers.
  auto target = umach::ipc::Port::create().value();  // converted before the call: a real port
  KRequest req(2009, target.get());
  Reply out;
  EXPECT_TRUE(umach::kserver::mach_server(req.head(), &out.head()->Head));
  EXPECT_EQ(out.head()->RetCode, MIG_BAD_ID);
  EXPECT_EQ(out.head()->Head.msgh_id, 2109);
  ipc_port_t reply_slot;
  std::memcpy(&reply_slot, out.bytes + 8, 8);
  EXPECT_EQ(reply_slot, fake_port(0x7700));  // the reply goes to the request's reply port
}

TEST(KernelDispatch, MalformedRequestAnswersBadArguments) {
  const int right = MACH_PORT_RIGHT_RECEIVE;
  KRequest req(3204, fake_port(0x1000));
  req.item(MACH_MSG_TYPE_INTEGER_64, 32, &right, 4);
  Reply out;
  EXPECT_TRUE(umach::kserver::mach_port_server(req.head(), &out.head()->Head));
  EXPECT_EQ(out.head()->RetCode, MIG_BAD_ARGUMENTS);
}

TEST(KernelDispatch, UnknownIdIsNotHandled) {
  KRequest req(3299, fake_port(0x1000));
  Reply out;
  EXPECT_FALSE(umach::kserver::mach_port_server(req.head(), &out.head()->Head));
  EXPECT_EQ(out.head()->RetCode, MIG_BAD_ID);
}

TEST(KernelDispatch, ReferencesTravelInTheSlotsAndTranslationsPairUp) {
  lookups = releases = 0;
  const int v = 20;
  ipc_port_t right = fake_port(0x2200);
  KRequest req(5100, fake_port(0x1100), MACH_MSGH_BITS(MACH_MSG_TYPE_PORT_SEND_ONCE, 0) | MACH_MSGH_BITS_COMPLEX);
  req.item(MACH_MSG_TYPE_PORT_SEND, 64, &right, 8).item(MACH_MSG_TYPE_INTEGER_32, 32, &v, 4);
  Reply out;
  ASSERT_TRUE(umach::kserver::umach_ktest_demux(req.head(), &out.head()->Head));
  ASSERT_EQ(out.head()->RetCode, KERN_SUCCESS);
  EXPECT_EQ(seen_target, fake_port(0x1100));
  EXPECT_EQ(seen_right, fake_port(0x2200));
  EXPECT_EQ(lookups, 1);
  EXPECT_EQ(releases, 1);
  // Reply: r = 21, then back = the right, as MAKE_SEND, in an 8-byte slot.
  EXPECT_NE(out.head()->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX, 0u);
  EXPECT_EQ(out.head()->Head.msgh_size, 48u + 16 + 16);
  int r;
  std::memcpy(&r, out.bytes + 56, 4);
  EXPECT_EQ(r, 21);
  EXPECT_EQ(out.bytes[64], MACH_MSG_TYPE_MAKE_SEND);
  ipc_port_t back;
  std::memcpy(&back, out.bytes + 72, 8);
  EXPECT_EQ(back, fake_port(0x2200));
}

TEST(KernelDispatch, RejectedRequestTranslatesNothing) {
  lookups = releases = 0;
  const int v = 20;
  ipc_port_t right = fake_port(0x2200);
  KRequest req(5100, fake_port(0x1100));  // not complex: refused before any translation
  req.item(MACH_MSG_TYPE_PORT_SEND, 64, &right, 8).item(MACH_MSG_TYPE_INTEGER_32, 32, &v, 4);
  Reply out;
  ASSERT_TRUE(umach::kserver::umach_ktest_demux(req.head(), &out.head()->Head));
  EXPECT_EQ(out.head()->RetCode, MIG_BAD_ARGUMENTS);
  EXPECT_EQ(lookups, 0);
  EXPECT_EQ(releases, 0);
}

TEST(KernelDispatch, SimpleRoutineAnswersNoReply) {
  const int v = 5;
  KRequest req(5101, fake_port(0x1100), 0);
  req.item(MACH_MSG_TYPE_INTEGER_32, 32, &v, 4);
  Reply out;
  ASSERT_TRUE(umach::kserver::umach_ktest_demux(req.head(), &out.head()->Head));
  EXPECT_EQ(out.head()->RetCode, MIG_NO_REPLY);
}

// The kernel as a client.
std::vector<uint8_t> sent;
mach_msg_size_t rcv_limit = 0;
std::vector<uint8_t> canned_reply;

TEST(KernelClient, ExceptionRaiseCarriesReferencesAndReadsTheReply) {
  canned_reply.assign(48, 0);
  mig_reply_header_t r{};
  r.Head.msgh_size = 48;
  r.Head.msgh_id = 2500;
  const uint32_t word = MACH_MSG_TYPE_INTEGER_32 | (32u << 8) | (1u << 29);
  std::memcpy(&r.RetCodeType, &word, 4);
  r.RetCodeType.msgt_number = 1;
  r.RetCode = KERN_SUCCESS;
  std::memcpy(canned_reply.data(), &r, 48);
  ASSERT_EQ(umach::kuser::exception_raise(fake_port(0xe000), fake_port(0xe100), fake_port(0xe200), 1, 2,
                                          0x7fff00001234),
            KERN_SUCCESS);
  ASSERT_EQ(sent.size(), 32u + 16 + 16 + 16 + 16 + 16);
  const auto* h = reinterpret_cast<const mach_msg_header_t*>(sent.data());
  EXPECT_EQ(h->msgh_id, 2400);
  EXPECT_EQ(MACH_MSGH_BITS_REMOTE(h->msgh_bits), unsigned{MACH_MSG_TYPE_COPY_SEND});
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(h->msgh_bits), unsigned{MACH_MSG_TYPE_MAKE_SEND_ONCE});
  EXPECT_NE(h->msgh_bits & MACH_MSGH_BITS_COMPLEX, 0u);
  ipc_port_t slot;
  std::memcpy(&slot, sent.data() + 8, 8);
  EXPECT_EQ(slot, fake_port(0xe000));
  std::memcpy(&slot, sent.data() + 32 + 8, 8);
  EXPECT_EQ(slot, fake_port(0xe100));
  std::memcpy(&slot, sent.data() + 48 + 8, 8);
  EXPECT_EQ(slot, fake_port(0xe200));
  int64_t subcode;
  std::memcpy(&subcode, sent.data() + 96 + 8, 8);
  EXPECT_EQ(subcode, 0x7fff00001234);
}

TEST(KernelClient, ExceptionReplyWithTheWrongIdIsAMismatch) {
  canned_reply.assign(48, 0);
  mig_reply_header_t r{};
  r.Head.msgh_size = 48;
  r.Head.msgh_id = 2499;
  std::memcpy(canned_reply.data(), &r, 48);
  EXPECT_EQ(umach::kuser::exception_raise(fake_port(0xe000), fake_port(0xe100), fake_port(0xe200), 1, 2, 3),
            MIG_REPLY_MISMATCH);
}

TEST(KernelClient, NotificationIsSentOneWay) {
  sent.clear();
  ASSERT_EQ(umach::kuser::mach_notify_no_senders(fake_port(0xf000), 7), KERN_SUCCESS);
  ASSERT_EQ(sent.size(), 48u);
  const auto* h = reinterpret_cast<const mach_msg_header_t*>(sent.data());
  EXPECT_EQ(h->msgh_id, MACH_NOTIFY_NO_SENDERS);
  EXPECT_EQ(MACH_MSGH_BITS_REMOTE(h->msgh_bits), unsigned{MACH_MSG_TYPE_MOVE_SEND_ONCE});
  EXPECT_EQ(MACH_MSGH_BITS_LOCAL(h->msgh_bits), 0u);
}

}  // namespace

kobject_t ktest_lookup(ipc_port_t port) {
  ++lookups;
  return new KtestObject{port};
}

void ktest_release(kobject_t object) {
  ++releases;
  delete object;
}

kern_return_t umach::kserver::ktest_call(kobject_t target, ipc_port_t right, int v, int* r, ipc_port_t* back) {
  seen_target = target->port;
  seen_right = right;
  seen_v = v;
  *r = v + 1;
  *back = right;
  return KERN_SUCCESS;
}

kern_return_t umach::kserver::ktest_note(ipc_port_t, int) { return KERN_SUCCESS; }

// The IPC entry points the client stubs use, faked.
mach_msg_return_t umach::ipc::mach_msg_send_from_kernel(mach_msg_header_t* msg, mach_msg_size_t size) {
  sent.assign(reinterpret_cast<uint8_t*>(msg), reinterpret_cast<uint8_t*>(msg) + size);
  return MACH_MSG_SUCCESS;
}

mach_msg_return_t umach::ipc::mach_msg_rpc_from_kernel(mach_msg_header_t* msg, mach_msg_size_t send_size,
                                                       mach_msg_size_t rcv_size) {
  sent.assign(reinterpret_cast<uint8_t*>(msg), reinterpret_cast<uint8_t*>(msg) + send_size);
  rcv_limit = rcv_size;
  if (canned_reply.size() > rcv_size) return MACH_RCV_TOO_LARGE;
  std::memcpy(msg, canned_reply.data(), canned_reply.size());
  return MACH_MSG_SUCCESS;
}

void umach::ipc::mach_msg_destroy_from_kernel(mach_msg_header_t*) {}
