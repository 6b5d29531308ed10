/* lib/libmach/msg_server.c: mach_msg_server and its variants (GNU semantics;
 * <mach.h> states them).
 *
 * Two buffers of max_size bytes: requests arrive in `request`, demux builds
 * its answer in `reply`. A reply is sent together with the receive of the
 * next request (MACH_SEND_MSG|MACH_RCV_MSG in one trap, into the reply's
 * buffer; the buffers then swap roles), with a send timeout of 0 so that a
 * full or dead reply port cannot block the server. The one mach_msg timeout
 * serves both halves, so when the caller asked for a receive timeout the
 * reply is sent alone first. Buffers up to kStackBufferMax live on the stack
 * (a task's stack is 256 KiB); larger ones come from mig_allocate. */
#include "libmach.h"

enum { kStackBufferMax = 8192 };

static boolean_t is_send_error(mach_msg_return_t mr) { return (mr & 0xffffc000) == 0x10000000; }

/* Handles one request. Returns TRUE if `reply` is to be sent; otherwise
 * whatever the reply held is already released. */
static boolean_t handle(libmach_demux_t demux, mig_reply_header_t *request, mig_reply_header_t *reply) {
  /* An unknown id still gets a reply: demux sets RetCode MIG_BAD_ID. */
  (void)demux(&request->Head, &reply->Head);
  boolean_t complex = (reply->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0;
  if (!complex) {
    if (reply->RetCode == MIG_NO_REPLY) return FALSE; /* the server keeps the request's reply port */
    if (reply->RetCode != KERN_SUCCESS && (request->Head.msgh_bits & MACH_MSGH_BITS_COMPLEX)) {
      /* The server took nothing: release the request's rights and memory,
       * but keep its reply port for the error reply. */
      request->Head.msgh_remote_port = MACH_PORT_NULL;
      mach_msg_destroy(&request->Head);
    }
  }
  if (!MACH_PORT_VALID(reply->Head.msgh_remote_port)) {
    if (complex) mach_msg_destroy(&reply->Head);
    return FALSE;
  }
  return TRUE;
}

/* A reply the kernel did not deliver. After a header error (and a timeout,
 * after which the kernel hands the message back) its rights and memory are
 * ours again; after a body error the kernel has destroyed it. */
static void reply_failed(mig_reply_header_t *reply, mach_msg_return_t mr) {
  if (mr == MACH_SEND_INVALID_DEST || mr == MACH_SEND_TIMED_OUT || mr == MACH_SEND_INVALID_HEADER ||
      mr == MACH_SEND_INVALID_REPLY)
    mach_msg_destroy(&reply->Head);
}

static void send_reply(mig_reply_header_t *reply) {
  mach_msg_return_t mr = mach_msg(&reply->Head, MACH_SEND_MSG | MACH_SEND_TIMEOUT, reply->Head.msgh_size, 0,
                                  MACH_PORT_NULL, 0, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) reply_failed(reply, mr);
}

struct server {
  libmach_demux_t demux;
  mach_msg_size_t max_size;
  mach_port_t rcv_name;
  mach_msg_option_t options;
  mach_msg_timeout_t timeout;
};

static mach_msg_return_t receive(const struct server *s, mig_reply_header_t *into) {
  return mach_msg(&into->Head, MACH_RCV_MSG | s->options, 0, s->max_size, s->rcv_name, s->timeout, MACH_PORT_NULL);
}

static mach_msg_return_t serve(const struct server *s, mig_reply_header_t *request, mig_reply_header_t *reply,
                               boolean_t once) {
  mach_msg_return_t mr = receive(s, request);
  for (;;) {
    if (mr == MACH_RCV_TOO_LARGE && !once) { /* that request is lost; go on */
      mr = receive(s, request);
      continue;
    }
    if (mr != MACH_MSG_SUCCESS) return mr;
    if (!handle(s->demux, request, reply)) {
      if (once) return MACH_MSG_SUCCESS;
      mr = receive(s, request);
      continue;
    }
    if (once || (s->options & MACH_RCV_TIMEOUT)) {
      send_reply(reply);
      if (once) return MACH_MSG_SUCCESS;
      mr = receive(s, request);
      continue;
    }
    mr = mach_msg(&reply->Head, MACH_SEND_MSG | MACH_SEND_TIMEOUT | MACH_RCV_MSG | s->options,
                  reply->Head.msgh_size, s->max_size, s->rcv_name, 0, MACH_PORT_NULL);
    /* The buffer that held the reply now holds the next request (or, after
     * a send error, the unsent reply). */
    mig_reply_header_t *t = request;
    request = reply;
    reply = t;
    if (is_send_error(mr)) {
      reply_failed(request, mr);
      mr = receive(s, request);
    }
  }
}

static mach_msg_return_t serve_with_buffers(const struct server *s, boolean_t once) {
  mach_msg_size_t size = s->max_size;
  if (size <= kStackBufferMax) {
    mig_reply_header_t *a = __builtin_alloca(size);
    mig_reply_header_t *b = __builtin_alloca(size);
    return serve(s, a, b, once);
  }
  vm_address_t a = 0, b = 0;
  mig_allocate(&a, size);
  mig_allocate(&b, size);
  mach_msg_return_t mr = KERN_RESOURCE_SHORTAGE;
  if (a && b) mr = serve(s, (mig_reply_header_t *)a, (mig_reply_header_t *)b, once);
  if (a) mig_deallocate(a, size);
  if (b) mig_deallocate(b, size);
  return mr;
}

static mach_msg_size_t buffer_size(mach_msg_size_t max_size) {
  if (max_size == 0) return (mach_msg_size_t)(2 * vm_page_size);
  return max_size < sizeof(mig_reply_header_t) ? (mach_msg_size_t)sizeof(mig_reply_header_t) : max_size;
}

mach_msg_return_t mach_msg_server_timeout(libmach_demux_t demux, mach_msg_size_t max_size, mach_port_t rcv_name,
                                          mach_msg_option_t options, mach_msg_timeout_t timeout) {
  struct server s = {demux, buffer_size(max_size), rcv_name, options & ~MACH_SEND_MSG, timeout};
  return serve_with_buffers(&s, FALSE);
}

mach_msg_return_t mach_msg_server(libmach_demux_t demux, mach_msg_size_t max_size, mach_port_t rcv_name) {
  return mach_msg_server_timeout(demux, max_size, rcv_name, MACH_MSG_OPTION_NONE, MACH_MSG_TIMEOUT_NONE);
}

mach_msg_return_t mach_msg_server_once(libmach_demux_t demux, mach_msg_size_t max_size, mach_port_t rcv_name,
                                       mach_msg_option_t options) {
  struct server s = {demux, buffer_size(max_size), rcv_name, options & ~MACH_SEND_MSG, MACH_MSG_TIMEOUT_NONE};
  return serve_with_buffers(&s, TRUE);
}
