// tests/mig/test_server.cc: the routines behind umach_test's generated server.
#include "test_server.h"

#include <cstring>

namespace migtest {
ServerLog server_log;
}  // namespace migtest

using migtest::server_log;

struct counted {
  int value;
};
struct counted_port {
  mach_port_t name;
};

extern "C" {

counted_t counted_in(int value) {
  ++server_log.translated;
  return new counted{value};
}

int counted_out(counted_t c) { return c->value; }

void counted_release(counted_t c) {
  ++server_log.released;
  delete c;
}

counted_port_t counted_port_in(mach_port_t name) {
  ++server_log.ports_translated;
  return new counted_port{name};
}

void counted_port_release(counted_port_t p) {
  ++server_log.ports_released;
  delete p;
}

kern_return_t do_echo_int(mach_port_t server, int v, int* r) {
  ++server_log.calls;
  server_log.server = server;
  *r = v * 2;
  return server_log.result;
}

kern_return_t do_all_in(mach_port_t server, int64_t a, name_t s, vname_t vs, ints_t arr, mach_msg_type_number_t arrCnt,
                        fixed_t fx, pair_t p, mach_port_t port, bytes_t data, mach_msg_type_number_t dataCnt,
                        mach_port_t poly, mach_msg_type_name_t polyPoly) {
  ++server_log.calls;
  server_log.server = server;
  server_log.a = a;
  server_log.s = s;
  server_log.vs = vs;
  server_log.arr.assign(arr, arr + arrCnt);
  std::memcpy(server_log.fx, fx, sizeof server_log.fx);
  server_log.p = p;
  server_log.port = port;
  server_log.data = data;
  server_log.data_count = dataCnt;
  server_log.poly = poly;
  server_log.poly_type = polyPoly;
  return server_log.result;
}

kern_return_t do_all_out(mach_port_t server, int64_t* a, name_t s, vname_t vs, ints_t arr,
                         mach_msg_type_number_t* arrCnt, fixed_t fx, pair_t* p, mach_port_t* port, bytes_t* data,
                         mach_msg_type_number_t* dataCnt, mach_port_t* poly, mach_msg_type_name_t* polyPoly) {
  ++server_log.calls;
  server_log.server = server;
  server_log.out_count = *arrCnt;  // the capacity the stub offered
  *a = -5;
  std::strcpy(s, "fixed string");
  std::strcpy(vs, "short");
  for (int i = 0; i < 3; ++i) arr[i] = 10 + i;
  *arrCnt = 3;
  for (int i = 0; i < 4; ++i) fx[i] = 100 + i;
  *p = pair_t{7, 8};
  *port = 0x66;
  static char ool[64] = "out of line";
  *data = reinterpret_cast<vm_offset_t>(ool);
  *dataCnt = sizeof ool;
  *poly = 0x99;
  *polyPoly = MACH_MSG_TYPE_MAKE_SEND_ONCE;
  return server_log.result;
}

kern_return_t do_note(mach_port_t server, mach_port_seqno_t seqno, int v) {
  ++server_log.calls;
  server_log.server = server;
  server_log.seqno = seqno;
  server_log.v = v;
  return server_log.result;
}

kern_return_t do_translated(counted_port_t server, counted_t* v) {
  ++server_log.calls;
  server_log.server = server->name;
  (*v)->value += 1;
  return server_log.result;
}

kern_return_t do_with_reply(mach_port_t server, mach_port_t reply, int v) {
  ++server_log.calls;
  server_log.server = server;
  server_log.reply = reply;
  server_log.v = v;
  return server_log.result;
}

kern_return_t do_wait_for(mach_port_t server, int v) {
  ++server_log.calls;
  server_log.server = server;
  server_log.v = v;
  return server_log.result;
}

kern_return_t do_own_reply(mach_port_t server, int* r) {
  ++server_log.calls;
  server_log.server = server;
  *r = 42;
  return server_log.result;
}

kern_return_t do_explicit_ports(int v, mach_port_t server, mach_port_t reply, int* r) {
  ++server_log.calls;
  server_log.server = server;
  server_log.reply = reply;
  *r = v + 100;
  return server_log.result;
}

}  // extern "C"
