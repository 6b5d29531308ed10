/* tests/programs/console_calls.c: the console device's control calls from
 * a task, through libmach's stubs. The harness gives it a send right to
 * the device master port as kMaster.
 *   console_calls status  device_get_status/device_set_status (the tty
 *                         flavors, a short count, an unknown flavor, the
 *                         time device) and device_set_filter, whose
 *                         refusal must not keep the send right it was
 *                         given; prints each answer.
 *   console_calls read    tells kService it is about to wait, waits in
 *                         device_read_inband for console input until
 *                         another task aborts its thread, prints the
 *                         answer and tells kService it is out (the
 *                         protocol of tests/programs/aborter.c). */
#include <device/device.h>
#include <device/net_status.h>
#include <device/tty_status.h>
#include <mach.h>
#include <stdio.h>
#include <string.h>

enum { kService = 0x1000, kMaster = 0x3000 };

static void tell(int id) {
  mach_msg_header_t m = {0};
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = kService;
  m.msgh_id = id;
  mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
}

static void status_calls(mach_port_t console, mach_port_t time) {
  struct tty_status s = {B9600, B2400, 3, TF_LITOUT};
  printf("set TTY_STATUS: %d\n", device_set_status(console, TTY_STATUS, (int *)&s, TTY_STATUS_COUNT));
  struct tty_status got;
  memset(&got, 0, sizeof got);
  mach_msg_type_number_t count = TTY_STATUS_COUNT;
  kern_return_t kr = device_get_status(console, TTY_STATUS, (int *)&got, &count);
  printf("get TTY_STATUS: %d count %u speeds %d %d break %d flags %#x\n", kr, count, got.tt_ispeed, got.tt_ospeed,
         got.tt_breakc, got.tt_flags);
  int modem = 0;
  count = TTY_MODEM_COUNT;
  kr = device_get_status(console, TTY_MODEM, &modem, &count);
  printf("get TTY_MODEM: %d %#x\n", kr, modem);
  count = TTY_STATUS_COUNT - 1;
  printf("short count: %d\n", device_get_status(console, TTY_STATUS, (int *)&got, &count));
  printf("unknown flavor: %d\n", device_set_status(console, NET_STATUS, (int *)&s, TTY_STATUS_COUNT));
  count = TTY_STATUS_COUNT;
  printf("time device: %d\n", device_get_status(time, TTY_STATUS, (int *)&got, &count));
  int which = D_READ;
  printf("flush: %d\n", device_set_status(console, TTY_FLUSH, &which, TTY_FLUSH_COUNT));
  /* Back to com's defaults. */
  struct tty_status defaults = {B115200, B115200, 0, TF_EVENP | TF_ODDP | TF_ECHO | TF_CRMOD | TF_XTABS | TF_LITOUT};
  printf("defaults: %d\n", device_set_status(console, TTY_STATUS, (int *)&defaults, TTY_STATUS_COUNT));

  mach_port_t port = MACH_PORT_NULL;
  mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
  filter_t filter[1] = {NETF_IN};
  printf("set_filter: %d\n", device_set_filter(console, port, MACH_MSG_TYPE_MAKE_SEND, 0, filter, 1));
  mach_port_status_t st;
  memset(&st, 0, sizeof st);
  kr = mach_port_get_receive_status(mach_task_self(), port, &st);
  printf("receive status: %d send rights %d made %u\n", kr, st.mps_srights, st.mps_mscount);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  mach_port_t console = MACH_PORT_NULL, time = MACH_PORT_NULL;
  char console_name[] = "console", time_name[] = "time";
  if (device_open(kMaster, 0, console_name, &console) != D_SUCCESS) return 1;
  if (device_open(kMaster, 0, time_name, &time) != D_SUCCESS) return 1;
  if (strcmp(argv[1], "status") == 0) {
    status_calls(console, time);
    return 0;
  }
  if (strcmp(argv[1], "read") == 0) {
    tell(1);
    io_buf_ptr_inband_t in;
    mach_msg_type_number_t count = 0;
    kern_return_t kr = device_read_inband(console, 0, 0, sizeof in, in, &count);
    printf("read: %#x count %u\n", kr, count);
    tell(2);
    return 0;
  }
  return 2;
}
