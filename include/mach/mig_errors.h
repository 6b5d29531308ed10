/* mach/mig_errors.h: the codes MIG stubs return besides the server's own,
 * the reply-header shape every MIG reply starts with, and the routine
 * types of MIG's server tables. C and C++. */
#ifndef _MACH_MIG_ERRORS_H_
#define _MACH_MIG_ERRORS_H_

#include <mach/kern_return.h>
#include <mach/message.h>

#define MIG_TYPE_ERROR -300      /* a reply field had the wrong type */
#define MIG_REPLY_MISMATCH -301  /* the reply's id is not request id + 100 */
#define MIG_REMOTE_ERROR -302    /* the server reported an error */
#define MIG_BAD_ID -303          /* the server does not know the request id */
#define MIG_BAD_ARGUMENTS -304   /* the request's fields are malformed */
#define MIG_NO_REPLY -305        /* the server routine will reply later, or not */
#define MIG_EXCEPTION -306       /* the server routine raised an exception */
#define MIG_ARRAY_TOO_LARGE -307 /* the caller's buffer is too small */
#define MIG_SERVER_DIED -308     /* the server died before replying */
#define MIG_DESTROY_REQUEST -309 /* the server wants the request destroyed */

/* 48 bytes: the header, the RetCode descriptor at 32, RetCode at 40,
 * padding. */
typedef struct {
  mach_msg_header_t Head;
  mach_msg_type_t RetCodeType;
  kern_return_t RetCode;
} mig_reply_header_t;

typedef struct mig_symtab {
  char *ms_routine_name;
  int ms_routine_number;
  void (*ms_routine)(void);
} mig_symtab_t;

/* A server routine as MIG's demultiplexer tables hold it. */
typedef void (*mig_routine_t)(mach_msg_header_t *request, mach_msg_header_t *reply);

#endif /* _MACH_MIG_ERRORS_H_ */
