// tests/mig/mig_fakes.cc: the fakes of mig_fakes.h.
#include "mig_fakes.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

#include "umach_test_server.h"

namespace migtest {

Transport transport;

void reset() { transport = Transport{}; }

std::vector<uint8_t> bytes(const void* p, size_t n) {
  auto* b = static_cast<const uint8_t*>(p);
  return std::vector<uint8_t>(b, b + n);
}

static unsigned received(unsigned name) {
  switch (name) {
    case MACH_MSG_TYPE_COPY_SEND: case MACH_MSG_TYPE_MAKE_SEND: return MACH_MSG_TYPE_PORT_SEND;
    case MACH_MSG_TYPE_MAKE_SEND_ONCE: return MACH_MSG_TYPE_PORT_SEND_ONCE;
    default: return name;
  }
}

std::vector<uint8_t> in_transit(const std::vector<uint8_t>& msg) {
  std::vector<uint8_t> m = msg;
  mach_msg_header_t h;
  std::memcpy(&h, m.data(), sizeof h);
  const unsigned remote = MACH_MSGH_BITS_REMOTE(h.msgh_bits), local = MACH_MSGH_BITS_LOCAL(h.msgh_bits);
  const mach_msg_bits_t complex = h.msgh_bits & MACH_MSGH_BITS_COMPLEX;
  // The receiver's remote port is the sender's reply port, and vice versa.
  uint64_t rslot, lslot;
  std::memcpy(&rslot, m.data() + 8, 8);
  std::memcpy(&lslot, m.data() + 16, 8);
  std::memcpy(m.data() + 8, &lslot, 8);
  std::memcpy(m.data() + 16, &rslot, 8);
  h.msgh_bits = MACH_MSGH_BITS(received(local), received(remote)) | complex;
  std::memcpy(m.data(), &h.msgh_bits, 4);
  for (size_t pos = sizeof h; pos + 8 <= m.size();) {
    uint32_t word, number;
    std::memcpy(&word, m.data() + pos, 4);
    std::memcpy(&number, m.data() + pos + 4, 4);
    const unsigned name = word & 0xff, size = (word >> 8) & 0xffff;
    const bool inl = (word >> 29) & 1;
    if (name >= MACH_MSG_TYPE_MOVE_RECEIVE && name <= MACH_MSG_TYPE_MAKE_SEND_ONCE) {
      word = (word & ~0xffu) | received(name);
      std::memcpy(m.data() + pos, &word, 4);
    }
    const uint64_t data = inl ? (uint64_t(number) * size / 8 + 7) / 8 * 8 : 8;
    pos += 8 + data;
  }
  return m;
}

std::vector<int> parse_hex(const char* text) {
  std::vector<int> out;
  for (const char* p = text; *p;) {
    if (p[0] == 'a' && p[1] == 'a') { out.push_back(0x100); p += 2; continue; }
    if (std::isxdigit(static_cast<unsigned char>(p[0])) && std::isxdigit(static_cast<unsigned char>(p[1]))) {
      out.push_back(static_cast<int>(std::strtol(std::string(p, 2).c_str(), nullptr, 16)));
      p += 2;
      continue;
    }
    ++p;
  }
  return out;
}

bool matches(const std::vector<uint8_t>& got, const std::vector<int>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (want[i] != 0x100 && want[i] != got[i]) return false;
  return true;
}

}  // namespace migtest

using migtest::transport;

extern "C" {

mach_msg_return_t mach_msg(mach_msg_header_t* msg, mach_msg_option_t option, mach_msg_size_t send_size,
                           mach_msg_size_t rcv_size, mach_port_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_t notify) {
  (void)notify;
  transport.option = option;
  transport.send_size = send_size;
  transport.rcv_size = rcv_size;
  transport.rcv_name = rcv_name;
  transport.timeout = timeout;
  transport.request = migtest::bytes(msg, send_size);
  if (transport.result != MACH_MSG_SUCCESS) return transport.result;
  if (transport.mode == migtest::Transport::Mode::Capture) {
    if (option & MACH_RCV_MSG) {
      if (transport.reply.size() > rcv_size) return MACH_RCV_TOO_LARGE;
      std::memcpy(msg, transport.reply.data(), transport.reply.size());
    }
    return MACH_MSG_SUCCESS;
  }
  // Loopback through umach_test's demux.
  std::vector<uint8_t> in = migtest::in_transit(transport.request);
  reinterpret_cast<mach_msg_header_t*>(in.data())->msgh_seqno = transport.seqno;
  alignas(8) uint8_t out[UMACH_TEST_MAX_REPLY_SIZE];
  std::memset(out, 0xee, sizeof out);
  umach_test_server(reinterpret_cast<mach_msg_header_t*>(in.data()), reinterpret_cast<mach_msg_header_t*>(out));
  auto* reply = reinterpret_cast<mig_reply_header_t*>(out);
  transport.server_reply = migtest::bytes(out, reply->Head.msgh_size);
  if (!(option & MACH_RCV_MSG)) return MACH_MSG_SUCCESS;
  if (reply->RetCode == MIG_NO_REPLY) return MACH_RCV_TIMED_OUT;  // nothing comes back
  std::vector<uint8_t> back = migtest::in_transit(transport.server_reply);
  if (back.size() > rcv_size) return MACH_RCV_TOO_LARGE;
  std::memcpy(msg, back.data(), back.size());
  return MACH_MSG_SUCCESS;
}

mach_port_t mig_get_reply_port(void) {
  ++transport.got;
  return 0x77;
}

void mig_put_reply_port(mach_port_t) { ++transport.put; }

void mig_dealloc_reply_port(mach_port_t) { ++transport.dealloced; }

void mach_msg_destroy(mach_msg_header_t*) { ++transport.destroyed; }

}  // extern "C"
