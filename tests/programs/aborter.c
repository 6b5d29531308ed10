/* tests/programs/aborter.c: aborts the waiter's thread (its thread port,
 * which the harness gave it as kWaiter) once the waiter says it waits (on
 * kService), again every 10 ms until the waiter says it is out. */
#include <mach.h>
#include <stdio.h>

enum { kService = 0x1000, kWaiter = 0x2000 };

int main(void) {
  mach_msg_header_t m;
  kern_return_t kr = mach_msg(&m, MACH_RCV_MSG, 0, sizeof m, kService, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  if (kr != MACH_MSG_SUCCESS || m.msgh_id != 1) return 1;
  int aborts = 0;
  do {
    kr = thread_abort(kWaiter);
    ++aborts;
    if (kr != KERN_SUCCESS) {
      /* The waiter ended between our last timeout and this abort (its
       * thread port is dead): its "out" message is queued, or on its way. */
      kr = mach_msg(&m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, kService, 5000, MACH_PORT_NULL);
      break;
    }
    kr = mach_msg(&m, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof m, kService, 10, MACH_PORT_NULL);
  } while (kr == MACH_RCV_TIMED_OUT && aborts < 1000);
  printf("aborter: %d out: %d\n", kr, m.msgh_id == 2);
  /* The waiter is gone now (or going): its thread port dies with it. */
  return 0;
}
