/* examples/thread_start.h: starting a function on a new thread of this
 * task, the way thread_by_hand.c does it step by step, packaged for the
 * examples that need many threads (sieve.c, exception_handler.c).
 *
 * Mach has no "create a thread running f(x)" call: a new thread is an
 * empty register set. The caller gives it a stack (vm_allocate, its lowest
 * page made a guard with vm_protect) and registers (thread_set_state), then
 * lets it run (thread_resume). */
#ifndef UMACH_EXAMPLES_THREAD_START_H
#define UMACH_EXAMPLES_THREAD_START_H

#include <mach.h>
#include <mach_init.h>

/* Pages of each stack, the guard page included. */
enum { kThreadStackPages = 16 };

/* Runs fn(arg) on a new thread with a fresh guarded stack. fn must never
 * return (there is no caller to return to): it ends with
 * thread_terminate(mach_thread_self()). On success *thread names the new
 * thread (a send right) and *stack is its stack's lowest address, for
 * vm_deallocate once the thread has ended. */
kern_return_t start_thread(void (*fn)(long), long arg, thread_t *thread, vm_address_t *stack);

#endif
