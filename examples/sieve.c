/* examples/sieve.c: the Sieve of Eratosthenes as a Kahn network of Mach
 * threads connected by ports (McIlroy's concurrent sieve).
 *
 *   generator --2,3,4,...--> filter(2) --odd--> filter(3) --> ... --> main
 *
 * A generator thread sends 2, 3, 4, ... to a port. The main thread
 * receives from the end of the chain: the first number to come out is
 * always a prime p (every smaller prime's filter let it through). It
 * prints p and puts a new filter thread at the end of the chain: it
 * receives from the old end and passes on only the numbers p does not
 * divide, to a new port that becomes the end.
 *
 * Ports are the channels and their queues are bounded: each port's queue
 * limit is set to kQueueLimit with mach_port_set_qlimit, so a sender
 * whose receiver lags behind blocks in mach_msg until there is room. The
 * generator runs ahead only as far as the queues let it.
 *
 * After the first 100 primes the main thread tears the network down:
 * every thread terminated (wherever it is blocked), every port destroyed
 * (with the messages still queued), every stack freed.
 *
 * Run it: umach run sieve; umach --vcpus 4 run sieve spreads the
 * filters over four CPUs. */
#include <mach.h>
#include <stdio.h>
#include <string.h>

#include "int_message.h"
#include "thread_start.h"

enum {
  kPrimes = 100,    /* how many primes to find */
  kQueueLimit = 2,  /* messages a channel holds before its sender blocks */
  kPerLine = 10,    /* primes printed per line */
};

/* A channel: a port whose receive and send rights the task holds under
 * one name (every thread of the task shares the name space). */
static mach_port_t new_channel(void) {
  const mach_port_t self = mach_task_self();
  mach_port_t port = MACH_PORT_NULL;
  if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) return MACH_PORT_NULL;
  (void)mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
  (void)mach_port_set_qlimit(self, port, kQueueLimit);
  return port;
}

/* A filter's channels and prime, passed to its thread by address (the
 * thread's one argument register holds a pointer to it). */
struct filter {
  mach_port_t in, out;
  int prime;
};

static void generator(long arg) {
  const mach_port_t out = (mach_port_t)arg;
  for (int n = 2;; ++n) send_int(out, n);
}

static void filter(long arg) {
  const struct filter *f = (const struct filter *)arg;
  for (;;) {
    const int n = receive_int(f->in);
    if (n % f->prime != 0) send_int(f->out, n);
  }
}

/* Everything the network is made of, for the teardown. */
static struct {
  thread_t threads[kPrimes];
  vm_address_t stacks[kPrimes];
  mach_port_t channels[kPrimes];
  struct filter filters[kPrimes];
  int nthreads, nchannels;
} g_net;

static int spawn(void (*body)(long), long arg) {
  thread_t *thread = &g_net.threads[g_net.nthreads];
  if (start_thread(body, arg, thread, &g_net.stacks[g_net.nthreads]) != KERN_SUCCESS) return 0;
  ++g_net.nthreads;
  return 1;
}

static void teardown(void) {
  const mach_port_t self = mach_task_self();
  /* Threads first: a thread blocked on a channel we destroyed would wake
   * with an error and spin. thread_terminate stops a thread wherever it
   * is, blocked in mach_msg included, and returns once it has stopped. */
  int stopped = 0, destroyed = 0;
  for (int i = 0; i < g_net.nthreads; ++i) {
    stopped += thread_terminate(g_net.threads[i]) == KERN_SUCCESS;
    (void)mach_port_deallocate(self, g_net.threads[i]);
    (void)vm_deallocate(self, g_net.stacks[i], kThreadStackPages * vm_page_size);
  }
  /* Destroying a receive right destroys the port, its send rights (ours
   * under the same name) and every message still queued on it. */
  for (int i = 0; i < g_net.nchannels; ++i) destroyed += mach_port_destroy(self, g_net.channels[i]) == KERN_SUCCESS;
  printf("sieve: torn down: %d threads terminated, %d ports destroyed\n", stopped, destroyed);
}

int main(void) {
  mach_port_t end = new_channel();
  g_net.channels[g_net.nchannels++] = end;
  if (end == MACH_PORT_NULL || !spawn(generator, (long)end)) return 1;

  printf("sieve: the first %d primes, each found by a chain of filter threads:\n", kPrimes);
  for (int found = 1; found <= kPrimes; ++found) {
    const int prime = receive_int(end);
    printf("%5d%s", prime, found % kPerLine == 0 ? "\n" : "");
    if (found == kPrimes) break; /* the last prime needs no filter */
    /* A new filter for this prime, between the old end and a new one. */
    mach_port_t next = new_channel();
    if (next == MACH_PORT_NULL) return 1;
    g_net.channels[g_net.nchannels++] = next;
    struct filter *f = &g_net.filters[found];
    f->in = end;
    f->out = next;
    f->prime = prime;
    if (!spawn(filter, (long)f)) return 1;
    end = next;
  }
  teardown();
  return 0;
}
