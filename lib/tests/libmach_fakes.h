// lib/tests/libmach_fakes.h: the kernel, as libmach's host tests see it.
// libmach's portable C (lib/libmach/*.c) is linked against these fakes of
// the traps and of the one MIG stub it calls: mach_msg_trap follows a script
// and records every call; the port and VM calls are recorded as events.
#pragma once

#include <stdint.h>

#include <deque>
#include <string>
#include <vector>

#include <mach/message.h>

namespace libmach_test {

// One scripted answer of mach_msg_trap: its result and, when the call
// receives and `deliver` is not empty, the message it writes into the buffer.
struct Step {
  mach_msg_return_t result;
  std::vector<uint8_t> deliver;
};

struct TrapCall {
  mach_msg_option_t option;
  mach_msg_size_t send_size;
  mach_msg_size_t rcv_size;
  mach_port_name_t rcv_name;
  mach_msg_timeout_t timeout;
  std::vector<uint8_t> sent;  // the message as sent, if MACH_SEND_MSG
};

// What libmach asked the fake kernel besides mach_msg:
// "dealloc NAME", "mod_refs NAME RIGHT DELTA", "insert NAME TYPE",
// "vm_deallocate ADDR SIZE", "reply_port NAME", "print TEXT".
extern std::vector<std::string> g_events;
extern std::deque<Step> g_script;  // empty: mach_msg_trap answers MACH_RCV_INVALID_NAME
extern std::vector<TrapCall> g_calls;
extern mach_port_t g_next_reply_port;

void reset();

}  // namespace libmach_test
