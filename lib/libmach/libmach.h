/* lib/libmach/libmach.h: private. The headers libmach's sources need.
 * <mach.h> also declares libmach's own message helpers (mach_msg_server,
 * mach_msg_destroy, ...), so including it checks their definitions against
 * it; but it includes MIG's generated interfaces, which exist only once the
 * build has generated them (UMACH_MIG_INCLUDE_DIR). Until then the
 * definitions are compiled without that check. */
#ifndef _LIBMACH_LIBMACH_H_
#define _LIBMACH_LIBMACH_H_

#include <mach/mach_traps.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/mig_support.h>
#include <mach/std_types.h>
#include <mach_init.h>
#if __has_include(<mach/mach_interface.h>) && __has_include(<mach/mach_port.h>)
#include <mach.h>
#endif

/* What mach_msg_server's demux is (glibc spells the type out). */
typedef boolean_t (*libmach_demux_t)(mach_msg_header_t *request, mach_msg_header_t *reply);

/* Also declared by <mach.h>. */
void mach_msg_destroy(mach_msg_header_t *msg);

#endif /* _LIBMACH_LIBMACH_H_ */
