/* lib/libmach/error.c: mach_error_string, mach_error_type, mach_error.
 * One table per subsystem, indexed by the code's offset in its range; a
 * code outside every table is "unknown error". The words follow GNU's
 * "(subsystem) description" style. */
#include <mach/mach_traps.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach_error.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kern_errors[] = {
    [KERN_SUCCESS] = "(os/kern) successful",
    [KERN_INVALID_ADDRESS] = "(os/kern) invalid address",
    [KERN_PROTECTION_FAILURE] = "(os/kern) protection failure",
    [KERN_NO_SPACE] = "(os/kern) no space available",
    [KERN_INVALID_ARGUMENT] = "(os/kern) invalid argument",
    [KERN_FAILURE] = "(os/kern) failure",
    [KERN_RESOURCE_SHORTAGE] = "(os/kern) resource shortage",
    [KERN_NOT_RECEIVER] = "(os/kern) not receiver",
    [KERN_NO_ACCESS] = "(os/kern) no access",
    [KERN_MEMORY_FAILURE] = "(os/kern) memory failure",
    [KERN_MEMORY_ERROR] = "(os/kern) memory error",
    [KERN_NOT_IN_SET] = "(os/kern) not in set",
    [KERN_NAME_EXISTS] = "(os/kern) name exists",
    [KERN_ABORTED] = "(os/kern) aborted",
    [KERN_INVALID_NAME] = "(os/kern) invalid name",
    [KERN_INVALID_TASK] = "(os/kern) invalid task",
    [KERN_INVALID_RIGHT] = "(os/kern) invalid right",
    [KERN_INVALID_VALUE] = "(os/kern) invalid value",
    [KERN_UREFS_OVERFLOW] = "(os/kern) urefs overflow",
    [KERN_INVALID_CAPABILITY] = "(os/kern) invalid capability",
    [KERN_RIGHT_EXISTS] = "(os/kern) right exists",
    [KERN_INVALID_HOST] = "(os/kern) invalid host",
    [KERN_MEMORY_PRESENT] = "(os/kern) memory present",
    [KERN_WRITE_PROTECTION_FAILURE] = "(os/kern) write protection failure",
    [KERN_TERMINATED] = "(os/kern) terminated",
    [KERN_TIMEDOUT] = "(os/kern) timed out",
    [KERN_INTERRUPTED] = "(os/kern) interrupted",
};

#define SEND(code) [(code) - MACH_SEND_IN_PROGRESS]
static const char *const send_errors[] = {
    SEND(MACH_SEND_IN_PROGRESS) = "(ipc/send) send in progress",
    SEND(MACH_SEND_INVALID_DATA) = "(ipc/send) invalid data",
    SEND(MACH_SEND_INVALID_DEST) = "(ipc/send) invalid destination port",
    SEND(MACH_SEND_TIMED_OUT) = "(ipc/send) timed out",
    SEND(MACH_SEND_WILL_NOTIFY) = "(ipc/send) will notify",
    SEND(MACH_SEND_NOTIFY_IN_PROGRESS) = "(ipc/send) notify in progress",
    SEND(MACH_SEND_INTERRUPTED) = "(ipc/send) interrupted",
    SEND(MACH_SEND_MSG_TOO_SMALL) = "(ipc/send) message too small",
    SEND(MACH_SEND_INVALID_REPLY) = "(ipc/send) invalid reply port",
    SEND(MACH_SEND_INVALID_RIGHT) = "(ipc/send) invalid port right",
    SEND(MACH_SEND_INVALID_NOTIFY) = "(ipc/send) invalid notify port",
    SEND(MACH_SEND_INVALID_MEMORY) = "(ipc/send) invalid out-of-line memory",
    SEND(MACH_SEND_NO_BUFFER) = "(ipc/send) no message buffer",
    SEND(MACH_SEND_NO_NOTIFY) = "(ipc/send) no notify possible",
    SEND(MACH_SEND_INVALID_TYPE) = "(ipc/send) invalid type descriptor",
    SEND(MACH_SEND_INVALID_HEADER) = "(ipc/send) invalid header",
};

#define RCV(code) [(code) - MACH_RCV_IN_PROGRESS]
static const char *const rcv_errors[] = {
    RCV(MACH_RCV_IN_PROGRESS) = "(ipc/rcv) receive in progress",
    RCV(MACH_RCV_INVALID_NAME) = "(ipc/rcv) invalid name",
    RCV(MACH_RCV_TIMED_OUT) = "(ipc/rcv) timed out",
    RCV(MACH_RCV_TOO_LARGE) = "(ipc/rcv) message too large",
    RCV(MACH_RCV_INTERRUPTED) = "(ipc/rcv) interrupted",
    RCV(MACH_RCV_PORT_CHANGED) = "(ipc/rcv) port moved into set",
    RCV(MACH_RCV_INVALID_NOTIFY) = "(ipc/rcv) invalid notify port",
    RCV(MACH_RCV_INVALID_DATA) = "(ipc/rcv) invalid message buffer",
    RCV(MACH_RCV_PORT_DIED) = "(ipc/rcv) port died",
    RCV(MACH_RCV_IN_SET) = "(ipc/rcv) port is in a set",
    RCV(MACH_RCV_HEADER_ERROR) = "(ipc/rcv) header error",
    RCV(MACH_RCV_BODY_ERROR) = "(ipc/rcv) body error",
};

/* MIG's codes run down from MIG_TYPE_ERROR (-300). */
#define MIG(code) [MIG_TYPE_ERROR - (code)]
static const char *const mig_errors[] = {
    MIG(MIG_TYPE_ERROR) = "(ipc/mig) type check failure in message interface",
    MIG(MIG_REPLY_MISMATCH) = "(ipc/mig) wrong return message ID",
    MIG(MIG_REMOTE_ERROR) = "(ipc/mig) server detected error",
    MIG(MIG_BAD_ID) = "(ipc/mig) bad request message ID",
    MIG(MIG_BAD_ARGUMENTS) = "(ipc/mig) server found wrong arguments",
    MIG(MIG_NO_REPLY) = "(ipc/mig) no reply should be sent",
    MIG(MIG_EXCEPTION) = "(ipc/mig) server raised exception",
    MIG(MIG_ARRAY_TOO_LARGE) = "(ipc/mig) user specified array not large enough",
    MIG(MIG_SERVER_DIED) = "(ipc/mig) server died",
    MIG(MIG_DESTROY_REQUEST) = "(ipc/mig) destroy request with no reply",
};

/* The table entry for `error` from a table starting at code `first` that
 * counts up (or down, for MIG's), or NULL. */
static const char *lookup(const char *const *table, unsigned long count, long offset) {
  if (offset < 0 || (unsigned long)offset >= count) return 0;
  return table[offset];
}

static const char *known(mach_error_t error) {
  const char *s = lookup(kern_errors, COUNT(kern_errors), error);
  if (!s) s = lookup(send_errors, COUNT(send_errors), (long)error - MACH_SEND_IN_PROGRESS);
  if (!s) s = lookup(rcv_errors, COUNT(rcv_errors), (long)error - MACH_RCV_IN_PROGRESS);
  if (!s) s = lookup(mig_errors, COUNT(mig_errors), (long)MIG_TYPE_ERROR - error);
  return s;
}

const char *mach_error_string(mach_error_t error) {
  const char *s = known(error);
  return s ? s : "unknown error";
}

const char *mach_error_type(mach_error_t error) {
  if (!known(error)) return "(unknown/unknown)";
  if (error >= MACH_RCV_IN_PROGRESS) return "(ipc/rcv)";
  if (error >= MACH_SEND_IN_PROGRESS) return "(ipc/send)";
  if (error < 0) return "(ipc/mig)";
  return "(os/kern)";
}

/* Appends `s` to buf[*n], keeping room for the NUL. */
static void append(char *buf, unsigned long size, unsigned long *n, const char *s) {
  while (*s && *n + 1 < size) buf[(*n)++] = *s++;
  buf[*n] = '\0';
}

void mach_error(const char *str, mach_error_t error) {
  char buf[256];
  unsigned long n = 0;
  char hex[16];
  int h = 0;
  unsigned int v = (unsigned int)error;
  do {
    hex[h++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  char code[24] = " (0x";
  unsigned long c = 4;
  while (h) code[c++] = hex[--h];
  code[c++] = ')';
  code[c++] = '\n';
  code[c] = '\0';
  append(buf, sizeof buf, &n, str ? str : "");
  append(buf, sizeof buf, &n, " ");
  append(buf, sizeof buf, &n, mach_error_string(error));
  append(buf, sizeof buf, &n, code);
  (void)mach_print(buf);
}
