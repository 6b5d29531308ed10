/* mach/msg_type.h: flags old message types carried in msgt_name's upper
 * bits; kept for source compatibility. C and C++. */
#ifndef _MACH_MSG_TYPE_H_
#define _MACH_MSG_TYPE_H_

#include <mach/message.h>

#define MSG_TYPE_CAMELOT (1 << 6)
#define MSG_TYPE_ENCRYPTED (1 << 7)
#define MSG_TYPE_RPC (1 << 8) /* a reply is expected */

#endif /* _MACH_MSG_TYPE_H_ */
