/* device/tty_status.h: the terminal flavors of device_get_status and
 * device_set_status (GNU Mach's values): line speeds, break character and
 * mode flags, modem control bits, and the flush, stop/start and break
 * controls. C and C++. */
#ifndef _DEVICE_TTY_STATUS_H_
#define _DEVICE_TTY_STATUS_H_

#include <device/device_types.h>

/* TTY_STATUS (get and set): a struct tty_status. */
struct tty_status {
  int tt_ispeed; /* input speed, B* */
  int tt_ospeed; /* output speed, B* */
  int tt_breakc; /* character delivered when a break is seen on the line */
  int tt_flags;  /* TF_* */
};
#define TTY_STATUS_COUNT (sizeof(struct tty_status) / sizeof(int))
#define TTY_STATUS ((dev_flavor_t)(('t' << 16) + 1))

/* Speeds (indices, not baud rates). */
#define B0 0
#define B50 1
#define B75 2
#define B110 3
#define B134 4
#define B150 5
#define B200 6
#define B300 7
#define B600 8
#define B1200 9
#define B1800 10
#define B2400 11
#define B4800 12
#define B9600 13
#define EXTA 14
#define EXTB 15
#define B19200 EXTA
#define B38400 EXTB
#define B57600 16
#define B115200 17
#define NSPEEDS 18

/* Mode flags. */
#define TF_TANDEM 0x00000001 /* send the stop character when the input queue is full */
#define TF_ODDP 0x00000002   /* odd parity */
#define TF_EVENP 0x00000004  /* even parity */
#define TF_ANYP (TF_ODDP | TF_EVENP)
#define TF_LITOUT 0x00000008 /* output all 8 bits */
#define TF_MDMBUF 0x00000010 /* start/stop output on carrier */
#define TF_NOHANG 0x00000020 /* no hangup when carrier drops */
#define TF_HUPCLS 0x00000040 /* hang up on last close */
/* Read-only: what the device wants. */
#define TF_ECHO 0x00000080  /* the user echoes input */
#define TF_CRMOD 0x00000100 /* \r\n, not \n */
#define TF_XTABS 0x00000200 /* no tabs */

/* TTY_MODEM (get and set): one int of TM_* bits. */
#define TTY_MODEM_COUNT (1)
#define TTY_MODEM ((dev_flavor_t)(('t' << 16) + 2))

#define TM_LE 0x0001  /* line enable */
#define TM_DTR 0x0002 /* data terminal ready */
#define TM_RTS 0x0004 /* request to send */
#define TM_ST 0x0008  /* secondary transmit */
#define TM_SR 0x0010  /* secondary receive */
#define TM_CTS 0x0020 /* clear to send */
#define TM_CAR 0x0040 /* carrier detect */
#define TM_RNG 0x0080 /* ring */
#define TM_DSR 0x0100 /* data set ready */
#define TM_BRK 0x0200 /* line break set (internal) */
#define TM_HUP 0x0000 /* close the line (internal) */

/* Controls (set only). TTY_FLUSH takes one int: D_READ, D_WRITE, or both
 * (0 means both). */
#define TTY_FLUSH_COUNT (1)
#define TTY_FLUSH ((dev_flavor_t)(('t' << 16) + 3))
#define TTY_STOP ((dev_flavor_t)(('t' << 16) + 4))            /* stop output */
#define TTY_START ((dev_flavor_t)(('t' << 16) + 5))           /* start output */
#define TTY_SET_BREAK ((dev_flavor_t)(('t' << 16) + 6))       /* set the break condition */
#define TTY_CLEAR_BREAK ((dev_flavor_t)(('t' << 16) + 7))     /* clear it */
#define TTY_SET_TRANSLATION ((dev_flavor_t)(('t' << 16) + 8)) /* set a translation table */

#endif /* _DEVICE_TTY_STATUS_H_ */
