/* tests/programs/rpc_client.c: argv[1] messages to the server's port (the
 * harness gave this task a send right under the name kService), then a
 * last message that stops the server. argv[2] says which:
 *   null (default)  null RPCs: a send and a receive in one mach_msg with a
 *                   send-once reply right (bench: BM_NullRpc);
 *   oneway          one-way messages, no reply (BM_OneWaySend);
 *   right           RPCs that carry a send right to a port of the client's
 *                   (MOVE_SEND), which the server's reply brings back
 *                   (BM_RpcWithPortRight);
 *   ool             RPCs that carry argv[3] bytes (default 4096) of a
 *                   vm_allocate'd region out of line, copy-on-write; the
 *                   server touches every page and deallocates them
 *                   (BM_RpcOol);
 *   oolcheck        the same, but before each RPC the client writes the
 *                   whole region with a pattern of that round, the server
 *                   checks every byte and writes its copy, and the client
 *                   then checks its region still holds its own bytes.
 * Prints "rpc: N done", or which call failed. */
#include <mach.h>
#include <mach/mig_support.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kService = 0x1000, kStop = 999 };

struct with_right {
  mach_msg_header_t head;
  mach_msg_type_t type;
  mach_port_t port;
  unsigned pad;
};

/* The out-of-line request (rpc_server.c reads the same layout). */
enum { kCheck = 0x40000000 };
struct with_ool {
  mach_msg_header_t head;
  mach_msg_type_t data_type;
  vm_offset_t data;
  mach_msg_type_t round_type;
  int round; /* | kCheck: check every byte */
  int pad;
};

static unsigned char pattern(unsigned long at, int round) { return (unsigned char)(at + (at >> 12) + (unsigned)round); }

static void fill(unsigned char *p, unsigned long n, int round) {
  for (unsigned long i = 0; i < n; ++i) p[i] = pattern(i, round);
}

static int holds(const unsigned char *p, unsigned long n, int round) {
  for (unsigned long i = 0; i < n; ++i)
    if (p[i] != pattern(i, round)) return 0;
  return 1;
}

static int ool_rpcs(int rounds, unsigned long size, int check) {
  mach_port_t reply = mig_get_reply_port();
  vm_address_t region = 0;
  if (vm_allocate(mach_task_self(), &region, size, TRUE) != KERN_SUCCESS) {
    printf("rpc: vm_allocate failed\n");
    return 1;
  }
  unsigned char *bytes = (unsigned char *)region;
  fill(bytes, size, 0);
  struct with_ool m;
  for (int i = 0; i < rounds; ++i) {
    if (check) fill(bytes, size, i);
    memset(&m, 0, sizeof m);
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX;
    m.head.msgh_size = sizeof m;
    m.head.msgh_remote_port = kService;
    m.head.msgh_local_port = reply;
    m.head.msgh_id = 1;
    m.data_type.msgt_name = MACH_MSG_TYPE_BYTE;
    m.data_type.msgt_size = 8;
    m.data_type.msgt_number = (unsigned)size;
    m.data_type.msgt_inline = 0;
    m.data = region;
    m.round_type.msgt_name = MACH_MSG_TYPE_INTEGER_32;
    m.round_type.msgt_size = 32;
    m.round_type.msgt_number = 1;
    m.round_type.msgt_inline = 1;
    m.round = check ? (i | kCheck) : i;
    mach_msg_return_t mr = mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m, sizeof m, reply,
                                    MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    /* The reply: a header and one INTEGER_32, 1 if the server saw the round's bytes. */
    const int *answer = (const int *)((const char *)&m + sizeof m.head + 8);
    if (mr != MACH_MSG_SUCCESS || m.head.msgh_id != 101 || *answer != 1) {
      printf("rpc %d failed: %d, reply id %d, answer %d\n", i, mr, m.head.msgh_id, *answer);
      return 1;
    }
    if (check && !holds(bytes, size, i)) {
      printf("rpc %d: the server's writes reached the client\n", i);
      return 1;
    }
  }
  return 0;
}

static int stop_server(int rounds) {
  mach_msg_header_t m;
  memset(&m, 0, sizeof m);
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = kService;
  m.msgh_id = kStop;
  printf("rpc: %d done\n", rounds);
  return mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) ==
                 MACH_MSG_SUCCESS
             ? 0
             : 1;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  const char *mode = argc > 2 ? argv[2] : "null";
  const int oneway = strcmp(mode, "oneway") == 0, right = strcmp(mode, "right") == 0;
  const int check = strcmp(mode, "oolcheck") == 0;
  if (check || strcmp(mode, "ool") == 0) {
    if (ool_rpcs(rounds, argc > 3 ? strtoul(argv[3], 0, 0) : 4096, check) != 0) return 1;
    return stop_server(rounds);
  }
  mach_port_t reply = mig_get_reply_port();
  mach_port_t carried = MACH_PORT_NULL;
  if (right) {
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &carried);
    mach_port_insert_right(mach_task_self(), carried, carried, MACH_MSG_TYPE_MAKE_SEND);
  }
  struct with_right m;
  for (int i = 0; i < rounds; ++i) {
    memset(&m, 0, sizeof m);
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, oneway ? 0 : MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.head.msgh_size = sizeof m.head;
    m.head.msgh_remote_port = kService;
    m.head.msgh_local_port = oneway ? MACH_PORT_NULL : reply;
    m.head.msgh_id = 1;
    if (right) {
      m.head.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
      m.head.msgh_size = sizeof m;
      m.type.msgt_name = MACH_MSG_TYPE_MOVE_SEND;
      m.type.msgt_size = 64;
      m.type.msgt_number = 1;
      m.type.msgt_inline = 1;
      m.port = carried;
    }
    mach_msg_return_t mr =
        oneway ? mach_msg(&m.head, MACH_SEND_MSG, m.head.msgh_size, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE,
                          MACH_PORT_NULL)
               : mach_msg(&m.head, MACH_SEND_MSG | MACH_RCV_MSG, m.head.msgh_size, sizeof m, reply,
                          MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
    if (mr != MACH_MSG_SUCCESS || (!oneway && m.head.msgh_id != 101) || (right && m.port != carried)) {
      printf("rpc %d failed: %d, reply id %d\n", i, mr, m.head.msgh_id);
      return 1;
    }
  }
  return stop_server(rounds);
}
