/* device/net_status.h: network device status flavors, the packet filter
 * language of device_set_filter, and the message a network device sends
 * for each received packet. C and C++. */
#ifndef _DEVICE_NET_STATUS_H_
#define _DEVICE_NET_STATUS_H_

#include <device/device_types.h>
#include <mach/message.h>

/* NET_STATUS flavor: a struct net_status. */
struct net_status {
  int min_packet_size; /* bytes, header included */
  int max_packet_size; /* bytes, header included */
  int header_format;   /* HDR_* */
  int header_size;     /* bytes */
  int address_size;    /* bytes */
  int flags;           /* interface flags */
  int mapped_size;     /* bytes of memory if the device is mappable */
};
#define NET_STATUS_COUNT (sizeof(struct net_status) / sizeof(int))
#define NET_STATUS (('n' << 16) + 1)

/* header_format values (ARP hardware types). */
#define HDR_ETHERNET 1
#define HDR_EXP_ETHERNET 2
#define HDR_PRO_NET 4
#define HDR_CHAOS 5
#define HDR_802 6

/* Flavors returning the hardware address (in network byte order), the
 * destination address, and the interface flags. */
#define NET_ADDRESS (('n' << 16) + 2)
#define NET_DSTADDR (('n' << 16) + 3)
#define NET_FLAGS (('n' << 16) + 4)

/* Packet filters: at most NET_MAX_FILTER 16-bit words, evaluated on a stack
 * of NET_FILTER_STACK_DEPTH. The first word is a header: its top 6 bits
 * select the language (0 for NETF, NETF_BPF for BPF), its low 10 bits are
 * NETF_IN/NETF_OUT. Each NETF word is an operator (top 6 bits) and a push
 * action (low 10 bits). */
#define NET_MAX_FILTER 128
#define NET_FILTER_STACK_DEPTH 32

typedef unsigned short filter_t;
typedef filter_t *filter_array_t;
typedef const filter_t *const_filter_array_t;

#define CSPF_BYTES(n) ((n) * sizeof(filter_t))

#define NETF_NBPA 10 /* bits of the action */
#define NETF_NBPO 6  /* bits of the operator */
#define NETF_ARG(word) ((word) & 0x3ff)
#define NETF_OP(word) (((word) >> NETF_NBPA) & 0x3f)

#define NETF_TYPE_MASK (((1 << NETF_NBPO) - 1) << NETF_NBPA)
#define NETF_BPF (1 << NETF_NBPA)

#define NETF_IN 0x1  /* filter incoming packets */
#define NETF_OUT 0x2 /* filter outgoing packets */

/* Operators. */
#define NETF_NOP (0 << NETF_NBPA)
#define NETF_EQ (1 << NETF_NBPA)
#define NETF_LT (2 << NETF_NBPA)
#define NETF_LE (3 << NETF_NBPA)
#define NETF_GT (4 << NETF_NBPA)
#define NETF_GE (5 << NETF_NBPA)
#define NETF_AND (6 << NETF_NBPA)
#define NETF_OR (7 << NETF_NBPA)
#define NETF_XOR (8 << NETF_NBPA)
#define NETF_COR (9 << NETF_NBPA)    /* return TRUE if equal */
#define NETF_CAND (10 << NETF_NBPA)  /* return FALSE if unequal */
#define NETF_CNOR (11 << NETF_NBPA)  /* return FALSE if equal */
#define NETF_CNAND (12 << NETF_NBPA) /* return TRUE if unequal */
#define NETF_NEQ (13 << NETF_NBPA)
#define NETF_LSH (14 << NETF_NBPA)
#define NETF_RSH (15 << NETF_NBPA)
#define NETF_ADD (16 << NETF_NBPA)
#define NETF_SUB (17 << NETF_NBPA)

/* Push actions. */
#define NETF_NOPUSH 0
#define NETF_PUSHLIT 1     /* the next filter word */
#define NETF_PUSHZERO 2
#define NETF_PUSHIND 14    /* the packet word indexed by the top of stack */
#define NETF_PUSHHDRIND 15 /* the header word indexed by the top of stack */
#define NETF_PUSHWORD 16   /* + n: packet word n (0..943) */
#define NETF_PUSHHDR 960   /* + n: header word n (0..31) */
#define NETF_PUSHSTK 992   /* + n: stack word n (0..31) */

/* Filter priorities. */
#define NET_HI_PRI 100
#define NET_PRI_MAX 255

/* A received packet, sent to the filter's port with id NET_RCV_MSG_ID. The
 * packet data starts with a struct packet_header. */
#define NET_RCV_MAX 4095
#define NET_HDW_HDR_MAX 64
#define NET_RCV_MSG_ID 2999

struct packet_header {
  unsigned short length;
  unsigned short type; /* network byte order */
};

struct net_rcv_msg {
  mach_msg_header_t msg_hdr;
  mach_msg_type_t header_type;
  char header[NET_HDW_HDR_MAX];
  mach_msg_type_t packet_type;
  char packet[NET_RCV_MAX];
  boolean_t sent;
};
typedef struct net_rcv_msg *net_rcv_msg_t;
#define net_rcv_msg_packet_count packet_type.msgt_number

#endif /* _DEVICE_NET_STATUS_H_ */
