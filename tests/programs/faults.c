/* tests/programs/faults.c: the machine faults besides a bad access, as
 * Mach exceptions a handler in the same task serves.
 *
 * faults KIND handled|unhandled
 *   KIND is one of ud2 (an invalid opcode), div (integer division by zero),
 *   sse (an SSE division by zero with the exception unmasked), hlt (a
 *   privileged instruction: a general-protection fault), int3, badtrap (a
 *   trap number outside the table, -200).
 *   A second thread, made with thread_create, raises it. With `handled`
 *   the main thread is the task's exception handler: it serves one
 *   exception_raise through MIG's exc_server, prints what arrived, and
 *   answers KERN_SUCCESS after changing the thread's state:
 *     - for a fault (ud2, div, sse, hlt) the instruction would fault
 *       again, so it first tries states the kernel must refuse (a
 *       non-canonical pc, privileged flags) and then moves the thread to
 *       recovered() with 77 as its argument;
 *     - after int3 the thread resumes past it unchanged;
 *     - after badtrap it sets rax, the trap's return value, to 1234.
 *   With `unhandled` nobody is: the task ends, the harness checks why.
 *   With `aborted` (int3) the handler first does to the thread waiting
 *   for its answer what a debugger or a signal does: thread_suspend,
 *   thread_abort, thread_resume; the exception is not lost for that (the
 *   thread waits on for the answer, as in GNU Mach) and it resumes. */
#include <mach.h>
#include <mach/exc_server.h>
#include <mach/exception.h>
#include <mach/task_special_ports.h>
#include <mach/thread_status.h>
#include <stdio.h>
#include <string.h>
#include <umach/task_runtime.h>

#include "exc_serve.h"

enum { kStackPages = 16, kPage = 4096 };
enum kind { kUd2, kDiv, kSse, kHlt, kInt3, kBadTrap, kKinds };
static const char* const kNames[kKinds] = {"ud2", "div", "sse", "hlt", "int3", "badtrap"};

static volatile int g_done;
static int g_kind;
static int g_abort;

/* A trap the table does not have: the commpage's entry sequence with
 * -200 in eax, straight to the kernel's trap entry (its address is at
 * the end of the commpage). */
static long bad_trap(void) {
  long result;
  uintptr_t target = *(const uintptr_t*)(umach_commpage + 0xff8);
  __asm__ volatile("call *%1"
                   : "=a"(result)
                   : "r"(target), "a"(-200L)
                   : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
  return result;
}

static void recovered(long token) {
  printf("victim: recovered with %ld\n", token);
  g_done = 1;
  thread_terminate(mach_thread_self());
}

static void victim(long kind) {
  switch (kind) {
    case kUd2:
      __asm__ volatile("ud2");
      break;
    case kDiv:
      __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\txor %%edx, %%edx\n\tdiv %%ecx" ::: "rax", "rcx", "rdx");
      break;
    case kSse: {
      unsigned mxcsr = 0x1f80 & ~0x200u; /* divide-by-zero unmasked */
      double one = 1.0, zero = 0.0;
      __asm__ volatile("ldmxcsr %2\n\tdivsd %1, %0" : "+x"(one) : "x"(zero), "m"(mxcsr));
      break;
    }
    case kHlt:
      __asm__ volatile("hlt");
      break;
    case kInt3:
      __asm__ volatile("int3");
      printf("victim: past int3\n");
      break;
    case kBadTrap:
      printf("victim: bad trap returned %ld\n", bad_trap());
      break;
  }
  g_done = 1;
  thread_terminate(mach_thread_self());
}

static kern_return_t set_state(thread_t thread, struct i386_thread_state* s) {
  return thread_set_state(thread, i386_THREAD_STATE, (thread_state_t)s, i386_THREAD_STATE_COUNT);
}

kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                    integer_t exception, integer_t code, long_integer_t subcode) {
  (void)exception_port;
  /* An SSE error's subcode is the MXCSR: show its divide-by-zero flag. */
  if (g_kind == kSse) subcode &= 0x4;
  printf("handler: exception %d code %d subcode %#lx\n", exception, code, (unsigned long)subcode);
  struct i386_thread_state s;
  mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
  kern_return_t kr = thread_get_state(thread, i386_THREAD_STATE, (thread_state_t)&s, &count);
  if (kr != KERN_SUCCESS) printf("handler: thread_get_state %d\n", kr);
  if (g_abort) {
    kern_return_t s1 = thread_suspend(thread), s2 = thread_abort(thread), s3 = thread_resume(thread);
    printf("handler: suspend %d abort %d resume %d\n", s1, s2, s3);
  }
  if (g_kind == kBadTrap) {
    s.rax = 1234;
    printf("handler: set rax: %d\n", set_state(thread, &s));
  } else if (g_kind != kInt3) {
    struct i386_thread_state bad = s;
    bad.rip = 0x8000000000000000ull;
    printf("handler: non-canonical pc: %d\n", set_state(thread, &bad));
    bad = s;
    bad.rfl |= 0x3000; /* IOPL 3 */
    printf("handler: privileged flags: %d\n", set_state(thread, &bad));
    s.rip = (uintptr_t)recovered;
    s.rdi = 77;
    s.ursp = ((s.ursp - 256) & ~15ul) - 8; /* as at a function's entry */
    printf("handler: to recovered: %d\n", set_state(thread, &s));
  }
  (void)mach_port_deallocate(mach_task_self(), thread);
  (void)mach_port_deallocate(mach_task_self(), task);
  return KERN_SUCCESS;
}

/* Waits about `ms` milliseconds (a receive that times out). */
static void pause_ms(mach_port_t port, unsigned ms) {
  mach_msg_header_t h;
  mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, port, ms, MACH_PORT_NULL);
}

static int start_victim(thread_t* child) {
  vm_address_t stack = 0;
  struct i386_thread_state s;
  if (vm_allocate(mach_task_self(), &stack, kStackPages * kPage, TRUE) != KERN_SUCCESS) return 1;
  if (thread_create(mach_task_self(), child) != KERN_SUCCESS) return 1;
  memset(&s, 0, sizeof s);
  s.rip = (uintptr_t)victim;
  s.ursp = stack + kStackPages * kPage - 8;
  s.rdi = (uint64_t)g_kind;
  if (set_state(*child, &s) != KERN_SUCCESS) return 1;
  return thread_resume(*child) != KERN_SUCCESS;
}

int main(int argc, char** argv) {
  g_kind = -1;
  for (int k = 0; argc > 2 && k < kKinds; ++k)
    if (!strcmp(argv[1], kNames[k])) g_kind = k;
  if (g_kind < 0) {
    printf("usage: faults ud2|div|sse|hlt|int3|badtrap handled|unhandled\n");
    return 1;
  }
  g_abort = !strcmp(argv[2], "aborted");
  const int handled = g_abort || !strcmp(argv[2], "handled");
  mach_port_t self = mach_task_self(), port;
  if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port) != KERN_SUCCESS) return 1;
  if (handled && (mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS ||
                  task_set_special_port(self, TASK_EXCEPTION_PORT, port) != KERN_SUCCESS))
    return 1;
  thread_t child;
  if (start_victim(&child)) return 1;
  if (!handled) {
    pause_ms(port, 0xffffffffu); /* the victim's fault ends the task */
    return 1;
  }
  if (exc_serve_one(port, "main") != MACH_MSG_SUCCESS) return 1;
  for (int i = 0; i < 5000 && !g_done; ++i) pause_ms(port, 1);
  printf("main: victim done %d\n", g_done);
  return 0;
}
