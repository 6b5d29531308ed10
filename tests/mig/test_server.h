// tests/mig/test_server.h: the umach_test server's routines, recording what
// they were called with (test_server.cc), for the round-trip and
// malformed-request tests.
#pragma once

#include <mach.h>

#include <string>
#include <vector>

#include "umach_test_server.h"

namespace migtest {

struct ServerLog {
  int calls = 0;
  // all_in's arguments
  int64_t a = 0;
  std::string s, vs;
  std::vector<int> arr;
  int fx[4] = {};
  pair_t p = {};
  mach_port_t port = 0, poly = 0, server = 0, reply = 0;
  mach_msg_type_name_t poly_type = 0;
  vm_offset_t data = 0;
  mach_msg_type_number_t data_count = 0;
  mach_port_seqno_t seqno = 0;
  int v = 0;
  // What routines answer with.
  kern_return_t result = KERN_SUCCESS;
  mach_msg_type_number_t out_count = 3;
  // Translations made and released.
  int translated = 0, released = 0, ports_translated = 0, ports_released = 0;
};

extern ServerLog server_log;

}  // namespace migtest
