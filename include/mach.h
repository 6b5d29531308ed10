/* mach.h: the whole GNU Mach user API in one include, as glibc's <mach.h>:
 * the types, the RPC stubs (mach/mach_interface.h and mach/mach_port.h are
 * generated from defs/ at build time), the traps, and libmach's message
 * helpers declared below. C and C++. */
#ifndef _MACH_H_
#define _MACH_H_

#include <mach/mach_types.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/mach_traps.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach_init.h>

#ifdef __cplusplus
extern "C" {
#endif

/* mach_msg (declared in mach/message.h) with only send, or only receive
 * into a buffer whose msgh_size gives its size and msgh_local_port the
 * port to receive from. */
mach_msg_return_t mach_msg_send(mach_msg_header_t *msg);
mach_msg_return_t mach_msg_receive(mach_msg_header_t *msg);

/* Server loops: receive a request of at most max_size bytes on rcv_name,
 * let demux fill a reply buffer of the same size (demux returns FALSE for
 * an id it does not serve), then send the reply unless it says MIG_NO_REPLY. */

/* Serves until a receive fails; returns that error. */
mach_msg_return_t mach_msg_server(boolean_t (*demux)(mach_msg_header_t *request,
                                                     mach_msg_header_t *reply),
                                  mach_msg_size_t max_size, mach_port_t rcv_name);
/* Like mach_msg_server, with extra receive options (e.g. MACH_RCV_TIMEOUT
 * with timeout in milliseconds). */
mach_msg_return_t mach_msg_server_timeout(boolean_t (*demux)(mach_msg_header_t *request,
                                                             mach_msg_header_t *reply),
                                          mach_msg_size_t max_size, mach_port_t rcv_name,
                                          mach_msg_option_t option, mach_msg_timeout_t timeout);
/* umach: serves exactly one request; options are extra mach_msg option
 * bits. Returns the first error of the receive or the reply, else
 * MACH_MSG_SUCCESS. */
mach_msg_return_t mach_msg_server_once(boolean_t (*demux)(mach_msg_header_t *request,
                                                          mach_msg_header_t *reply),
                                       mach_msg_size_t max_size, mach_port_t rcv_name,
                                       mach_msg_option_t options);

/* Releases every right and out-of-line region a received message holds
 * (and the header's remote right; after a receive the local slot names
 * the port the message came from and holds no right). */
void mach_msg_destroy(mach_msg_header_t *msg);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_H_ */
