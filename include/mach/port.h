/* mach/port.h: port names, rights and their types, and mach_port_status_t.
 *
 * A user task never sees a port itself, only a 32-bit name in its IPC space;
 * every port-valued type of the user API (task_t, thread_t, ...) is such a
 * name. Inside a message an inline port right occupies an 8-byte slot with the
 * name in its low half (mach/message.h). C and C++. */
#ifndef _MACH_PORT_H_
#define _MACH_PORT_H_

#include <mach/boolean.h>
#include <mach/machine/vm_types.h>

typedef unsigned int mach_port_name_t;
typedef mach_port_name_t *mach_port_name_array_t;
typedef const mach_port_name_t *const_mach_port_name_array_t;

typedef mach_port_name_t mach_port_t;
typedef mach_port_t *mach_port_array_t;
typedef const mach_port_t *const_mach_port_array_t;

typedef int *rpc_signature_info_t;

/* The two reserved names: no port, and a right whose port died. */
#define MACH_PORT_NULL 0
#define MACH_PORT_DEAD ((mach_port_t)~0)
#define MACH_PORT_VALID(name) (((name) != MACH_PORT_NULL) && ((name) != MACH_PORT_DEAD))

#define MACH_PORT_NAME_NULL ((mach_port_name_t)0)
#define MACH_PORT_NAME_DEAD ((mach_port_name_t)~0)
#define MACH_PORT_NAME_VALID(name) \
  (((name) != MACH_PORT_NAME_NULL) && ((name) != MACH_PORT_NAME_DEAD))

/* Kinds of right a name can denote (mach_port_allocate, mod_refs, ...). */
typedef natural_t mach_port_right_t;
#define MACH_PORT_RIGHT_SEND ((mach_port_right_t)0)
#define MACH_PORT_RIGHT_RECEIVE ((mach_port_right_t)1)
#define MACH_PORT_RIGHT_SEND_ONCE ((mach_port_right_t)2)
#define MACH_PORT_RIGHT_PORT_SET ((mach_port_right_t)3)
#define MACH_PORT_RIGHT_DEAD_NAME ((mach_port_right_t)4)
#define MACH_PORT_RIGHT_NUMBER ((mach_port_right_t)5)

/* A name's type: one bit per right it holds (bit 16 + right), plus flags. */
typedef natural_t mach_port_type_t;
typedef mach_port_type_t *mach_port_type_array_t;
typedef const mach_port_type_t *const_mach_port_type_array_t;

#define MACH_PORT_TYPE(right) ((mach_port_type_t)(1 << ((right) + 16)))
#define MACH_PORT_TYPE_NONE ((mach_port_type_t)0)
#define MACH_PORT_TYPE_SEND MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)

#define MACH_PORT_TYPE_SEND_RECEIVE (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_SEND_RIGHTS (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_RIGHTS (MACH_PORT_TYPE_SEND_RIGHTS | MACH_PORT_TYPE_RECEIVE)
#define MACH_PORT_TYPE_PORT_OR_DEAD (MACH_PORT_TYPE_PORT_RIGHTS | MACH_PORT_TYPE_DEAD_NAME)
#define MACH_PORT_TYPE_ALL_RIGHTS (MACH_PORT_TYPE_PORT_OR_DEAD | MACH_PORT_TYPE_PORT_SET)

/* Requests pending on a name. */
#define MACH_PORT_TYPE_DNREQUEST 0x80000000U /* dead-name notification */
#define MACH_PORT_TYPE_MAREQUEST 0x40000000  /* msg-accepted notification */
#define MACH_PORT_TYPE_COMPAT 0x20000000     /* old IPC compatibility */

typedef natural_t mach_port_ktype_t; /* mach_port_set_ktype's kernel object type */
typedef natural_t mach_port_urefs_t;
typedef integer_t mach_port_delta_t;
typedef natural_t mach_port_seqno_t;
typedef unsigned int mach_port_mscount_t;
typedef unsigned int mach_port_msgcount_t;
typedef unsigned int mach_port_rights_t;

/* What mach_port_get_receive_status reports about a receive right. */
typedef struct mach_port_status {
  mach_port_name_t mps_pset;        /* the set it is in, or MACH_PORT_NULL */
  mach_port_seqno_t mps_seqno;      /* sequence number of the next message */
  mach_port_mscount_t mps_mscount;  /* make-send count */
  mach_port_msgcount_t mps_qlimit;  /* queue limit */
  mach_port_msgcount_t mps_msgcount; /* messages queued */
  mach_port_rights_t mps_sorights;  /* send-once rights outstanding */
  boolean_t mps_srights;            /* any send rights outstanding? */
  boolean_t mps_pdrequest;          /* port-destroyed request armed? */
  boolean_t mps_nsrequest;          /* no-senders request armed? */
} mach_port_status_t;

#define MACH_PORT_QLIMIT_DEFAULT ((mach_port_msgcount_t)5)
#define MACH_PORT_QLIMIT_MAX ((mach_port_msgcount_t)16)

#endif /* _MACH_PORT_H_ */
