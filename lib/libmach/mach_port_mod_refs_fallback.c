/* lib/libmach/mach_port_mod_refs_fallback.c: a hand-written user stub of
 * mach_port_mod_refs (mach_port subsystem, id 3208, reply 3308), the one RPC
 * libmach itself calls (mig_calls.h). It stands in only until the MIG build
 * compiles the generated mach_port user stubs into libmach
 * (lib/CMakeLists.txt drops this file when UMACH_LIBMACH_EXTRA_SOURCES has
 * them). It builds the request the way GNU's MIG does (ABI.md's layout: each
 * argument an 8-byte type descriptor and 8 bytes of data) and follows the
 * reply-port contract of mig_support.c. */
#include "libmach.h"
#include "mig_calls.h"

typedef struct {
  mach_msg_type_t type;
  uint32_t value;
  uint32_t pad;
} int_item;

static int_item item(mach_msg_type_name_t name, uint32_t value) {
  int_item it = {{0}, value, 0};
  it.type.msgt_name = name;
  it.type.msgt_size = 32;
  it.type.msgt_number = 1;
  it.type.msgt_inline = TRUE;
  return it;
}

kern_return_t mach_port_mod_refs(mach_port_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_delta_t delta) {
  union {
    struct {
      mach_msg_header_t head;
      int_item name, right, delta;
    } request;
    mig_reply_header_t reply;
  } m;
  mach_port_t reply_port = mig_get_reply_port();
  m.request.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
  m.request.head.msgh_size = sizeof m.request;
  m.request.head.msgh_remote_port_slot = task;
  m.request.head.msgh_local_port_slot = reply_port;
  m.request.head.msgh_seqno = 0;
  m.request.head.msgh_id = 3208;
  m.request.name = item(MACH_MSG_TYPE_PORT_NAME, name);
  m.request.right = item(MACH_MSG_TYPE_INTEGER_32, right);
  m.request.delta = item(MACH_MSG_TYPE_INTEGER_32, (uint32_t)delta);
  mach_msg_return_t mr = mach_msg(&m.request.head, MACH_SEND_MSG | MACH_RCV_MSG, sizeof m.request, sizeof m,
                                  reply_port, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) {
    if (mr >= MACH_RCV_IN_PROGRESS && mr <= MACH_RCV_BODY_ERROR)
      mig_dealloc_reply_port(reply_port);
    else
      mig_put_reply_port(reply_port);
    return mr;
  }
  mig_put_reply_port(reply_port);
  if (m.reply.Head.msgh_id != 3308) {
    mach_msg_destroy(&m.reply.Head);
    return MIG_REPLY_MISMATCH;
  }
  if ((m.reply.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) || m.reply.Head.msgh_size != sizeof m.reply ||
      m.reply.RetCodeType.msgt_name != MACH_MSG_TYPE_INTEGER_32 || m.reply.RetCodeType.msgt_size != 32 ||
      m.reply.RetCodeType.msgt_number != 1 || !m.reply.RetCodeType.msgt_inline)
    return MIG_TYPE_ERROR;
  return m.reply.RetCode;
}
