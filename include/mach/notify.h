/* mach/notify.h: the kernel's notification messages (subsystem notify,
 * ids 64 + n) as a receiver sees them.
 *
 * Each is a header, an 8-byte type descriptor and a 4-byte datum, padded to
 * 48 bytes (send-once: the bare 32-byte header). C and C++. */
#ifndef _MACH_NOTIFY_H_
#define _MACH_NOTIFY_H_

#include <mach/message.h>
#include <mach/port.h>

#define MACH_NOTIFY_FIRST 0100 /* 64 */
#define MACH_NOTIFY_PORT_DELETED (MACH_NOTIFY_FIRST + 001)   /* 65: a send(-once) right's port died, name freed */
#define MACH_NOTIFY_MSG_ACCEPTED (MACH_NOTIFY_FIRST + 002)   /* 66: a MACH_SEND_NOTIFY message was queued */
#define MACH_NOTIFY_PORT_DESTROYED (MACH_NOTIFY_FIRST + 005) /* 69: a receive right comes back */
#define MACH_NOTIFY_NO_SENDERS (MACH_NOTIFY_FIRST + 006)     /* 70: the last send right went away */
#define MACH_NOTIFY_SEND_ONCE (MACH_NOTIFY_FIRST + 007)      /* 71: a send-once right died unused */
#define MACH_NOTIFY_DEAD_NAME (MACH_NOTIFY_FIRST + 010)      /* 72: a right became a dead name */
#define MACH_NOTIFY_LAST (MACH_NOTIFY_FIRST + 015)

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_type_t not_type; /* MACH_MSG_TYPE_PORT_NAME, 32 bits */
  mach_port_t not_port;     /* the name that was deleted */
} mach_port_deleted_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_type_t not_type; /* MACH_MSG_TYPE_PORT_NAME, 32 bits */
  mach_port_t not_port;     /* the port the message went to */
} mach_msg_accepted_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_type_t not_type; /* MACH_MSG_TYPE_PORT_RECEIVE, 64-bit slot */
  mach_port_t not_port;     /* the receive right, in the slot's low half */
} mach_port_destroyed_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_type_t not_type; /* MACH_MSG_TYPE_INTEGER_32 */
  unsigned int not_count;   /* the make-send count then */
} mach_no_senders_notification_t;

typedef struct {
  mach_msg_header_t not_header;
} mach_send_once_notification_t;

typedef struct {
  mach_msg_header_t not_header;
  mach_msg_type_t not_type; /* MACH_MSG_TYPE_PORT_NAME, 32 bits */
  mach_port_t not_port;     /* the name now dead */
} mach_dead_name_notification_t;

#endif /* _MACH_NOTIFY_H_ */
