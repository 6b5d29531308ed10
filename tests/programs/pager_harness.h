/* tests/programs/pager_harness.h: the external pager and the fault probes
 * that tests/programs/pager_cases.c's scenarios are made of.
 *
 * One task plays both sides of GNU Mach's external-pager protocol:
 *
 *   - a server thread receives on a port set holding the memory object's
 *     port (MIG's memory_object_server: the kernel's memory_object_init,
 *     _data_request, _terminate, ...) and the task's exception port
 *     (MIG's exc_server). It answers each data_request as the scenario
 *     set for its page (pager_answer[]): data_supply of a computed page,
 *     data_unavailable, data_error, or nothing (the request is recorded
 *     and the main thread answers it, or never does). It unlocks what a
 *     data_unlock asks for, and records what data_return gives back;
 *   - a probe thread touches one word of a mapping and reports what it
 *     read, or, when the access raises EXC_BAD_ACCESS, the exception: the
 *     server thread records it and moves the probe to an exit path;
 *   - the main thread maps the object, starts probes, waits (always with a
 *     time limit) for what the server thread records, and checks.
 *
 * Every counter the server thread writes is read by the main thread with
 * acquire loads; only the main thread prints, so the output is in order.
 * x86-64 and riscv64 (the probe's recovery sets the thread's state). */
#ifndef UMACH_TESTS_PAGER_HARNESS_H
#define UMACH_TESTS_PAGER_HARNESS_H

#include <mach.h>
#include <stdint.h>

enum { kPagerMaxPages = 16, kPagerMaxRequests = 64 };

/* How the server thread answers a data_request for a page. */
enum pager_answer {
  kAnswerSupply,      /* memory_object_data_supply of the page's pattern */
  kAnswerUnavailable, /* memory_object_data_unavailable: zero fill */
  kAnswerError,       /* memory_object_data_error(KERN_MEMORY_FAILURE) */
  kAnswerNone,        /* record it only */
};

/* The object's port: receive right and one send right, same name. */
extern mach_port_t pager_object;
/* Whether memory_object_init answers memory_object_ready, and with what. */
extern volatile int pager_ready_on_init;
extern volatile boolean_t pager_may_cache;
extern volatile int pager_answer[kPagerMaxPages];
/* A supplied page's lock value (what access faults must ask to unlock)
 * and whether it is precious; VM_PROT_NONE and FALSE unless set. */
extern volatile vm_prot_t pager_lock_value[kPagerMaxPages];
extern volatile boolean_t pager_precious[kPagerMaxPages];
/* Whether a data_unlock is answered: lock_request with VM_PROT_NONE. */
extern volatile int pager_grant_unlock;
/* The copy strategy memory_object_ready declares (COPY_DELAY unless set). */
extern volatile int pager_copy_strategy;
/* Whether memory_object_copy is served (COPY_CALL): the new object's port
 * joins the server's set, its init is answered with ready, and its
 * data_requests as pager_copy_answer[] says (kAnswerUnavailable unless
 * set: the source's data; kAnswerSupply: pager_copy_pattern). */
extern volatile int pager_accept_copies;
extern volatile int pager_copy_answer[kPagerMaxPages];

/* What the kernel sent, as the server thread recorded it. */
struct pager_log {
  int inits;
  mach_port_t control;             /* of the latest init */
  mach_port_t name;                /* of the latest init */
  vm_size_t init_page_size;
  int requests;                    /* data_requests, in order: */
  vm_offset_t request_offset[kPagerMaxRequests];
  vm_size_t request_length[kPagerMaxRequests];
  vm_prot_t request_access[kPagerMaxRequests];
  int answer_errors;               /* answers the kernel's port refused */
  int terminates;                  /* of the latest terminate: */
  int terminate_control_same;      /* its control was the init's */
  int terminate_rights_received;   /* both rights arrived as receive rights */
  kern_return_t terminate_destroy; /* mach_port_destroy of both (first error) */
  int unlocks;                     /* data_unlocks: */
  vm_offset_t unlock_offset;       /* of the latest */
  vm_prot_t unlock_access;
  int returns;                     /* data_returns, in order: */
  vm_offset_t return_offset[kPagerMaxRequests];
  boolean_t return_dirty[kPagerMaxRequests];
  uint64_t return_word[kPagerMaxRequests][4]; /* its first words */
  int unexpected;                  /* copy (unless accepted), lock_completed on the object's port */
  int copies;                      /* memory_object_copy (the latest): */
  mach_port_t copy_object;         /*   the new object's port (receive right) */
  vm_offset_t copy_offset;
  vm_size_t copy_length;
  int copy_control_same;           /*   its old control was init's */
  int copy_inits;                  /* the copy's init: */
  mach_port_t copy_control;
  int copy_requests;               /* data_requests on the copy */
  int copy_terminates;
};
extern volatile struct pager_log pager_log;

/* Reads one of pager_log's int counters with acquire ordering. */
#define PAGER_COUNT(field) __atomic_load_n(&pager_log.field, __ATOMIC_ACQUIRE)

/* Allocates the object's port, the exception port (made the task's) and
 * the port set, and starts the server thread. */
kern_return_t pager_start(void);
/* Ends the server thread, resets the task's exception port and destroys
 * every port pager_start made that is still there. */
void pager_stop(void);

/* Word `offset / 8` of the object: the pattern the pager supplies; and
 * the one it supplies for a copy's object. */
uint64_t pager_pattern(vm_offset_t offset);
uint64_t pager_copy_pattern(vm_offset_t offset);
/* Supplies [offset, offset + length) of the pattern through `control`
 * (reply_to may be MACH_PORT_NULL). */
kern_return_t pager_supply(mach_port_t control, vm_offset_t offset, vm_size_t length, mach_port_t reply_to);
/* vm_map of `size` bytes of the object from `offset`, shared, read/write. */
kern_return_t pager_map(vm_address_t* address, vm_size_t size, vm_offset_t offset);

/* Waits until *counter >= target, at most `ms` milliseconds: 1 if it got there. */
int pager_wait(volatile int* counter, int target, unsigned ms);
void pager_pause(unsigned ms);

/* What came back on a reply port (pager_await_reply). */
struct pager_reply {
  mach_msg_id_t id; /* 2206 lock_completed, 2207 supply_completed, 2209 change_completed,
                       71 send-once notification, 0 none */
  vm_offset_t offset, length, error_offset;
  kern_return_t result;
  boolean_t may_cache;
  memory_object_copy_strategy_t strategy;
};
/* Receives one message on `port` (at most `ms` ms) and decodes it. */
mach_msg_return_t pager_await_reply(mach_port_t port, unsigned ms, struct pager_reply* reply);

/* A probe: a thread that reads (or writes `value` to) one word. */
enum probe_state { kProbePending, kProbeDone, kProbeFaulted };
struct probe {
  volatile uint64_t* address;
  int write;
  uint64_t value; /* written, or read */
  volatile int state;
  int exception, code;
  long_integer_t subcode;
  thread_t thread;
  vm_address_t stack;
};
/* Starts the probe (one at a time). */
kern_return_t probe_start(struct probe* p, volatile uint64_t* address, int write, uint64_t value);
/* Waits at most `ms` ms for it to finish: its state. */
int probe_wait(struct probe* p, unsigned ms);
/* Makes sure its thread has ended and frees its stack and name. */
void probe_end(struct probe* p);
/* A whole probe: start, wait up to `ms`, end. Its state. */
int probe_run(struct probe* p, volatile uint64_t* address, int write, uint64_t value, unsigned ms);

#endif
