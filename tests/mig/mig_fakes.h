// tests/mig/mig_fakes.h: what generated client stubs call, faked.
//
// `mach_msg` either captures the request and answers with a canned reply
// (Mode::Capture), or carries the request to the umach_test server's demux
// and its reply back as the kernel would (Mode::Loopback): the header's
// ports swap places and every right changes to the type its receiver sees.
#pragma once

#include <mach.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace migtest {

struct Transport {
  enum class Mode { Capture, Loopback };
  Mode mode = Mode::Capture;
  // The last send, as the stub built it.
  std::vector<uint8_t> request;
  mach_msg_option_t option = 0;
  mach_msg_size_t send_size = 0, rcv_size = 0;
  mach_port_t rcv_name = 0;
  mach_msg_timeout_t timeout = 0;
  // Capture: the bytes the fake "receives", and the result it returns.
  std::vector<uint8_t> reply;
  mach_msg_return_t result = MACH_MSG_SUCCESS;
  // Loopback: the server's raw reply (before transit), and its seqno.
  std::vector<uint8_t> server_reply;
  mach_port_seqno_t seqno = 0;
  // The reply-port and destroy calls the stubs made.
  int got = 0, put = 0, dealloced = 0, destroyed = 0;
};

extern Transport transport;
void reset();

// A message as its receiver sees it: ports swapped in the header, every
// disposition in the body turned into the type it arrives as.
std::vector<uint8_t> in_transit(const std::vector<uint8_t>& msg);

// The bytes of a message, for comparisons.
std::vector<uint8_t> bytes(const void* p, size_t n);

// Expected bytes written as in ABI.md ("13 15 00 00 ... aa"); 0x100 marks
// padding whose value is not compared.
std::vector<int> parse_hex(const char* text);
bool matches(const std::vector<uint8_t>& got, const std::vector<int>& want);

}  // namespace migtest
