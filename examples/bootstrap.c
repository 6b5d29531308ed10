/* examples/bootstrap.c: what the bootstrap task starts with.
 *
 * The first task a Mach kernel starts is given the two ports that hold
 * the machine: a send right to the host-privileged port (clock, CPUs,
 * memory statistics, rebooting) and one to the device master port (every
 * device, opened by name). GNU Mach's boot script passes their names on
 * the task's command line, as ${host-port} and ${device-port}; a Hurd
 * boot line reads
 *   ext2fs.static --host-priv-port=${host-port} --device-master-port=${device-port} ...
 * umach does the same (`umach run bootstrap` gives this program those two
 * arguments; `umach run PROGRAM ARGS` substitutes them in any ARGS).
 *
 * This program reads the two names from its arguments, asks the host for
 * the time of day and writes a line on the console device. */
#include <device/device.h>
#include <mach.h>
#include <mach/mach_host.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of `--NAME=VALUE` among argv, or MACH_PORT_NULL. */
static mach_port_t port_argument(int argc, char **argv, const char *name) {
  const size_t n = strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return (mach_port_t)strtoul(argv[i] + n + 1, 0, 10);
  }
  return MACH_PORT_NULL;
}

int main(int argc, char **argv) {
  const mach_port_t host_priv = port_argument(argc, argv, "--host-priv-port");
  const mach_port_t device_master = port_argument(argc, argv, "--device-master-port");
  printf("bootstrap: host-priv port %u, device master port %u\n", host_priv, device_master);
  if (host_priv == MACH_PORT_NULL || device_master == MACH_PORT_NULL) {
    printf("usage: bootstrap --host-priv-port=NAME --device-master-port=NAME\n");
    return 1;
  }

  /* host_get_time works on any host port; the privileged one included. */
  time_value_t now;
  kern_return_t kr = host_get_time(host_priv, &now);
  printf("bootstrap: host_get_time: %s (after 2020: %s)\n", kr == KERN_SUCCESS ? "ok" : "failed",
         kr == KERN_SUCCESS && now.seconds > 1577836800 ? "yes" : "no");

  /* Devices are opened by name through the master port; the answer is a
   * send right to the device's own port. */
  mach_port_t console = MACH_PORT_NULL;
  kr = device_open(device_master, D_READ | D_WRITE, "console", &console);
  printf("bootstrap: device_open(\"console\"): %s\n", kr == KERN_SUCCESS ? "ok" : "failed");
  if (kr != KERN_SUCCESS) return 1;

  /* device_write sends the data out of line (in a real kernel the pages
   * move by copy-on-write, not by copying). */
  static char line[] = "bootstrap: this line went through device_write to the console device\n";
  int written = 0;
  kr = device_write(console, 0, 0, line, sizeof line - 1, &written);
  printf("bootstrap: device_write: %s, %d bytes\n", kr == KERN_SUCCESS ? "ok" : "failed", written);
  (void)mach_port_deallocate(mach_task_self(), console);
  return kr == KERN_SUCCESS && written == (int)(sizeof line - 1) ? 0 : 1;
}
