/* mach/message.h: the layout of a Mach message and the mach_msg interface.
 *
 * umach's wire format is GNU Mach's 64-bit one (shared/ABI.md):
 *  - mach_msg_header_t is 32 bytes; each of its two port fields is an 8-byte
 *    slot whose low 4 bytes hold the port name (the local slot carries the
 *    protected payload instead when the kernel delivers one);
 *  - a type descriptor (mach_msg_type_t) is 8 bytes and 8-aligned: one 32-bit
 *    word of bit fields, then the 32-bit element count;
 *  - every descriptor and every item's data start at a multiple of
 *    MACH_MSG_USER_ALIGNMENT; an item's data is padded up to it;
 *  - an inline port right takes 8 bytes (msgt_size 64), an out-of-line port
 *    array 4 bytes per name, out-of-line data a pointer.
 * The bit-field order assumes a little-endian target, which both of umach's
 * are. C and C++. */
#ifndef _MACH_MESSAGE_H_
#define _MACH_MESSAGE_H_

#include <mach/kern_return.h>
#include <mach/port.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "umach's message layout assumes a little-endian target"
#endif

#define MACH_MSG_USER_ALIGNMENT 8
/* Rounds a byte count up to the alignment of message items. */
#define mach_msg_user_align(size) \
  (((size) + MACH_MSG_USER_ALIGNMENT - 1) & ~(MACH_MSG_USER_ALIGNMENT - 1))

typedef natural_t mach_msg_timeout_t; /* milliseconds */
#define MACH_MSG_TIMEOUT_NONE ((mach_msg_timeout_t)0)

/* msgh_bits: the remote and local port dispositions, and flags. */
#define MACH_MSGH_BITS_ZERO 0x00000000
#define MACH_MSGH_BITS_REMOTE_MASK 0x000000ff
#define MACH_MSGH_BITS_LOCAL_MASK 0x0000ff00
#define MACH_MSGH_BITS_COMPLEX 0x80000000U /* the body holds rights or OOL memory */
#define MACH_MSGH_BITS_CIRCULAR 0x40000000 /* kernel-internal */
#define MACH_MSGH_BITS_COMPLEX_PORTS 0x20000000 /* kernel-internal */
#define MACH_MSGH_BITS_COMPLEX_DATA 0x10000000 /* kernel-internal */
#define MACH_MSGH_BITS_MIGRATED 0x08000000 /* kernel-internal */
#define MACH_MSGH_BITS_UNUSED 0x07ff0000
#define MACH_MSGH_BITS_PORTS_MASK (MACH_MSGH_BITS_REMOTE_MASK | MACH_MSGH_BITS_LOCAL_MASK)

#define MACH_MSGH_BITS(remote, local) ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits) ((bits) & MACH_MSGH_BITS_REMOTE_MASK)
#define MACH_MSGH_BITS_LOCAL(bits) (((bits) & MACH_MSGH_BITS_LOCAL_MASK) >> 8)
#define MACH_MSGH_BITS_PORTS(bits) ((bits) & MACH_MSGH_BITS_PORTS_MASK)
#define MACH_MSGH_BITS_OTHER(bits) ((bits) & ~MACH_MSGH_BITS_PORTS_MASK)

typedef unsigned int mach_msg_bits_t;
typedef unsigned int mach_msg_size_t;
typedef natural_t mach_msg_seqno_t;
typedef integer_t mach_msg_id_t;

/* 32 bytes: bits@0 size@4 remote@8 local@16 seqno@24 id@28. */
typedef struct mach_msg_header {
  mach_msg_bits_t msgh_bits;
  mach_msg_size_t msgh_size; /* bytes, header included */
  union {
    mach_port_t msgh_remote_port;
    rpc_uintptr_t msgh_remote_port_slot; /* the whole 8-byte slot */
  };
  union {
    mach_port_t msgh_local_port;
    rpc_uintptr_t msgh_local_port_slot;   /* the whole 8-byte slot */
    rpc_uintptr_t msgh_protected_payload; /* MACH_MSG_TYPE_PROTECTED_PAYLOAD */
  };
  mach_port_seqno_t msgh_seqno;
  mach_msg_id_t msgh_id;
} mach_msg_header_t;

#define MACH_MSG_SIZE_MAX ((mach_msg_size_t)~0)

/* The old name of the seqno field, from when it held a message kind. */
#define MACH_MSGH_KIND_NORMAL 0x00000000
#define msgh_kind msgh_seqno
#define mach_msg_kind_t mach_port_seqno_t

typedef unsigned int mach_msg_type_name_t;
typedef unsigned int mach_msg_type_size_t;
typedef natural_t mach_msg_type_number_t;

/* A type descriptor. The first word, lowest bit first: name 8, size (bits per
 * element) 16, unused 5, inline 1, longform 1, deallocate 1; e.g. one inline
 * 32-bit integer is the word 0x20002002. */
typedef struct __attribute__((aligned(8))) mach_msg_type {
  unsigned int msgt_name : 8;
  unsigned int msgt_size : 16;
  unsigned int msgt_unused : 5;
  unsigned int msgt_inline : 1;
  unsigned int msgt_longform : 1;
  unsigned int msgt_deallocate : 1;
  mach_msg_type_number_t msgt_number;
} mach_msg_type_t;

/* The long form has the same 8 bytes on LP64 (name and size already fit the
 * short form). Both spellings reach the fields: `t.msgtl_header.msgt_inline`
 * and `t.msgtl_name`, `t.msgtl_size`, `t.msgtl_number`. */
typedef struct mach_msg_type_long {
  union {
    mach_msg_type_t msgtl_header;
    struct {
      unsigned int msgtl_name : 8;
      unsigned int msgtl_size : 16;
      unsigned int msgtl_unused : 5;
      unsigned int msgtl_inline : 1;
      unsigned int msgtl_longform : 1;
      unsigned int msgtl_deallocate : 1;
      mach_msg_type_number_t msgtl_number;
    };
  };
} mach_msg_type_long_t;

/* msgt_name values: data... */
#define MACH_MSG_TYPE_UNSTRUCTURED 0
#define MACH_MSG_TYPE_BIT 0
#define MACH_MSG_TYPE_BOOLEAN 0
#define MACH_MSG_TYPE_INTEGER_16 1
#define MACH_MSG_TYPE_INTEGER_32 2
#define MACH_MSG_TYPE_CHAR 8
#define MACH_MSG_TYPE_BYTE 9
#define MACH_MSG_TYPE_INTEGER_8 9
#define MACH_MSG_TYPE_REAL 10
#define MACH_MSG_TYPE_INTEGER_64 11
#define MACH_MSG_TYPE_STRING 12
#define MACH_MSG_TYPE_STRING_C 12

/* ...and port dispositions (what the sender gives up or makes). */
#define MACH_MSG_TYPE_PORT_NAME 15 /* a bare name, no right moves */
#define MACH_MSG_TYPE_MOVE_RECEIVE 16
#define MACH_MSG_TYPE_MOVE_SEND 17
#define MACH_MSG_TYPE_MOVE_SEND_ONCE 18
#define MACH_MSG_TYPE_COPY_SEND 19
#define MACH_MSG_TYPE_MAKE_SEND 20
#define MACH_MSG_TYPE_MAKE_SEND_ONCE 21
#define MACH_MSG_TYPE_PROTECTED_PAYLOAD 23 /* local slot holds a payload */
#define MACH_MSG_TYPE_LAST 23

/* What a receiver finds after the kernel's copyout. */
#define MACH_MSG_TYPE_PORT_RECEIVE MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE MACH_MSG_TYPE_MOVE_SEND_ONCE

#define MACH_MSG_TYPE_POLYMORPHIC ((mach_msg_type_name_t)-1)

#define MACH_MSG_TYPE_PORT_ANY(x) \
  (((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_SEND(x) \
  (((x) >= MACH_MSG_TYPE_MOVE_SEND) && ((x) <= MACH_MSG_TYPE_MAKE_SEND_ONCE))
#define MACH_MSG_TYPE_PORT_ANY_RIGHT(x) \
  (((x) >= MACH_MSG_TYPE_MOVE_RECEIVE) && ((x) <= MACH_MSG_TYPE_MOVE_SEND_ONCE))

/* mach_msg options. */
typedef integer_t mach_msg_option_t;
#define MACH_MSG_OPTION_NONE 0x00000000
#define MACH_SEND_MSG 0x00000001
#define MACH_RCV_MSG 0x00000002
#define MACH_SEND_TIMEOUT 0x00000010
#define MACH_SEND_NOTIFY 0x00000020
#define MACH_SEND_INTERRUPT 0x00000040 /* handled by libmach */
#define MACH_SEND_CANCEL 0x00000080
#define MACH_RCV_TIMEOUT 0x00000100
#define MACH_RCV_NOTIFY 0x00000200
#define MACH_RCV_INTERRUPT 0x00000400 /* handled by libmach */
#define MACH_RCV_LARGE 0x00000800
#define MACH_SEND_ALWAYS 0x00010000 /* kernel-internal */

/* mach_msg results. */
typedef kern_return_t mach_msg_return_t;
#define MACH_MSG_SUCCESS 0x00000000

/* Bits or'ed into MACH_RCV_HEADER_ERROR/MACH_RCV_BODY_ERROR and some send
 * errors, saying which resource ran out. */
#define MACH_MSG_MASK 0x00003c00
#define MACH_MSG_IPC_SPACE 0x00002000  /* no free name in the receiver's space */
#define MACH_MSG_VM_SPACE 0x00001000   /* no room for out-of-line memory */
#define MACH_MSG_IPC_KERNEL 0x00000800 /* kernel short of memory for a right */
#define MACH_MSG_VM_KERNEL 0x00000400  /* kernel short of memory for OOL data */

#define MACH_SEND_IN_PROGRESS 0x10000001 /* kernel-internal */
#define MACH_SEND_INVALID_DATA 0x10000002
#define MACH_SEND_INVALID_DEST 0x10000003
#define MACH_SEND_TIMED_OUT 0x10000004
#define MACH_SEND_WILL_NOTIFY 0x10000005
#define MACH_SEND_NOTIFY_IN_PROGRESS 0x10000006
#define MACH_SEND_INTERRUPTED 0x10000007
#define MACH_SEND_MSG_TOO_SMALL 0x10000008
#define MACH_SEND_INVALID_REPLY 0x10000009
#define MACH_SEND_INVALID_RIGHT 0x1000000a
#define MACH_SEND_INVALID_NOTIFY 0x1000000b
#define MACH_SEND_INVALID_MEMORY 0x1000000c
#define MACH_SEND_NO_BUFFER 0x1000000d
#define MACH_SEND_NO_NOTIFY 0x1000000e
#define MACH_SEND_INVALID_TYPE 0x1000000f
#define MACH_SEND_INVALID_HEADER 0x10000010

#define MACH_RCV_IN_PROGRESS 0x10004001 /* kernel-internal */
#define MACH_RCV_INVALID_NAME 0x10004002
#define MACH_RCV_TIMED_OUT 0x10004003
#define MACH_RCV_TOO_LARGE 0x10004004
#define MACH_RCV_INTERRUPTED 0x10004005
#define MACH_RCV_PORT_CHANGED 0x10004006
#define MACH_RCV_INVALID_NOTIFY 0x10004007
#define MACH_RCV_INVALID_DATA 0x10004008
#define MACH_RCV_PORT_DIED 0x10004009
#define MACH_RCV_IN_SET 0x1000400a
#define MACH_RCV_HEADER_ERROR 0x1000400b /* | MACH_MSG_* resource bits */
#define MACH_RCV_BODY_ERROR 0x1000400c   /* | MACH_MSG_* resource bits */

#ifdef __cplusplus
extern "C" {
#endif

/* The trap itself (mach/mach_traps.h declares it too). */
mach_msg_return_t mach_msg_trap(mach_msg_header_t *msg, mach_msg_option_t option,
                                mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                                mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                                mach_port_name_t notify);

/* libmach's entry: the trap, restarted after interruptions unless the
 * caller asked for MACH_SEND_INTERRUPT/MACH_RCV_INTERRUPT. */
mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                           mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_name_t rcv_name, mach_msg_timeout_t timeout,
                           mach_port_name_t notify);

#ifdef __cplusplus
}
#endif

#endif /* _MACH_MESSAGE_H_ */
