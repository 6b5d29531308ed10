/* tests/programs/pager_harness.c: the pager, its server thread and the
 * fault probes (pager_harness.h). */
#include "pager_harness.h"

#include <mach/exc_server.h>
#include <mach/exception.h>
#include <mach/memory_object_server.h>
#include <mach/notify.h>
#include <mach/task_special_ports.h>
#include <mach/thread_status.h>
#include <stdio.h>
#include <string.h>

#include "../../examples/thread_start.h"

mach_port_t pager_object = MACH_PORT_NULL;
volatile int pager_ready_on_init = 1;
volatile boolean_t pager_may_cache = FALSE;
volatile int pager_answer[kPagerMaxPages];
volatile vm_prot_t pager_lock_value[kPagerMaxPages];
volatile boolean_t pager_precious[kPagerMaxPages];
volatile int pager_grant_unlock = 1;
volatile int pager_copy_strategy = MEMORY_OBJECT_COPY_DELAY;
volatile int pager_accept_copies;
volatile int pager_copy_answer[kPagerMaxPages];
volatile struct pager_log pager_log;

static mach_port_t g_exceptions = MACH_PORT_NULL; /* the task's exception port */
static mach_port_t g_set = MACH_PORT_NULL;        /* object, exceptions, stop */
static mach_port_t g_sleep = MACH_PORT_NULL;      /* never gets a message */
static mach_port_t g_stop = MACH_PORT_NULL;       /* in the set: "end the server thread" */
static volatile int g_server_stopping;
static thread_t g_server = MACH_PORT_NULL;
static vm_address_t g_server_stack;
static struct probe* volatile g_probe; /* the probe running, for the handler */

static void count(volatile int* counter) { __atomic_fetch_add(counter, 1, __ATOMIC_RELEASE); }

uint64_t pager_pattern(vm_offset_t offset) {
  return 0x5041000000000000ull | ((uint64_t)(offset / vm_page_size) << 32) | (offset % vm_page_size) / 8;
}

uint64_t pager_copy_pattern(vm_offset_t offset) { return pager_pattern(offset) ^ 0x1300000000000000ull; }

static kern_return_t supply_of(uint64_t (*pattern)(vm_offset_t), mach_port_t control, vm_offset_t offset,
                               vm_size_t length, vm_prot_t lock_value, boolean_t precious, mach_port_t reply_to) {
  vm_address_t data = 0;
  kern_return_t kr = vm_allocate(mach_task_self(), &data, length, TRUE);
  if (kr != KERN_SUCCESS) return kr;
  uint64_t* words = (uint64_t*)data;
  for (vm_size_t i = 0; i < length / sizeof *words; ++i) words[i] = pattern(offset + i * sizeof *words);
  /* Out of line with dealloc: the pages leave this task with the message. */
  kr = memory_object_data_supply(control, offset, data, (mach_msg_type_number_t)length, TRUE, lock_value, precious,
                                 reply_to);
  if (kr != KERN_SUCCESS) (void)vm_deallocate(mach_task_self(), data, length);
  return kr;
}

static kern_return_t supply(mach_port_t control, vm_offset_t offset, vm_size_t length, vm_prot_t lock_value,
                            boolean_t precious, mach_port_t reply_to) {
  return supply_of(pager_pattern, control, offset, length, lock_value, precious, reply_to);
}

kern_return_t pager_supply(mach_port_t control, vm_offset_t offset, vm_size_t length, mach_port_t reply_to) {
  return supply(control, offset, length, VM_PROT_NONE, FALSE, reply_to);
}

kern_return_t pager_map(vm_address_t* address, vm_size_t size, vm_offset_t offset) {
  *address = 0;
  return vm_map(mach_task_self(), address, size, 0, TRUE, pager_object, offset, FALSE, VM_PROT_READ | VM_PROT_WRITE,
                VM_PROT_ALL, VM_INHERIT_NONE);
}

void pager_pause(unsigned ms) {
  mach_msg_header_t h;
  (void)mach_msg(&h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof h, g_sleep, ms, MACH_PORT_NULL);
}

int pager_wait(volatile int* counter, int target, unsigned ms) {
  for (unsigned waited = 0;; ++waited) {
    if (__atomic_load_n(counter, __ATOMIC_ACQUIRE) >= target) return 1;
    if (waited >= ms) return 0;
    pager_pause(1);
  }
}

/* ---- The memory_object interface: what the kernel asks of the pager ---- */

/* Whether `object` is the port of the copy memory_object_copy gave. */
static int is_copy(mach_port_t object) { return object != MACH_PORT_NULL && object == pager_log.copy_object; }

kern_return_t memory_object_init(mach_port_t object, mach_port_t control, mach_port_t name, vm_size_t page_size) {
  if (is_copy(object)) {
    pager_log.copy_control = control;
    if (memory_object_ready(control, FALSE, MEMORY_OBJECT_COPY_DELAY) != KERN_SUCCESS) count(&pager_log.answer_errors);
    count(&pager_log.copy_inits);
    return KERN_SUCCESS;
  }
  pager_log.control = control;
  pager_log.name = name;
  pager_log.init_page_size = page_size;
  if (pager_ready_on_init &&
      memory_object_ready(control, pager_may_cache, pager_copy_strategy) != KERN_SUCCESS)
    count(&pager_log.answer_errors);
  count(&pager_log.inits);
  return KERN_SUCCESS; /* the control and name send rights are kept */
}

kern_return_t memory_object_data_request(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                         vm_size_t length, vm_prot_t access) {
  if (is_copy(object)) {
    const vm_offset_t page = offset / vm_page_size;
    const int answer = page < kPagerMaxPages ? pager_copy_answer[page] : kAnswerUnavailable;
    count(&pager_log.copy_requests);
    kern_return_t kr = answer == kAnswerSupply
                           ? supply_of(pager_copy_pattern, control, offset, length, VM_PROT_NONE, FALSE, MACH_PORT_NULL)
                           : memory_object_data_unavailable(control, offset, length);
    if (kr != KERN_SUCCESS) count(&pager_log.answer_errors);
    (void)mach_port_deallocate(mach_task_self(), control);
    return KERN_SUCCESS;
  }
  const int n = pager_log.requests;
  if (n < kPagerMaxRequests) {
    pager_log.request_offset[n] = offset;
    pager_log.request_length[n] = length;
    pager_log.request_access[n] = access;
  }
  const vm_offset_t page = offset / vm_page_size;
  const int answer = page < kPagerMaxPages ? pager_answer[page] : kAnswerSupply;
  /* Counted before the answer: the faulting thread may run (on another
   * CPU) as soon as it is sent, and its prober reads the count. */
  count(&pager_log.requests);
  kern_return_t kr = KERN_SUCCESS;
  if (answer == kAnswerSupply)
    kr = page < kPagerMaxPages
             ? supply(control, offset, length, pager_lock_value[page], pager_precious[page], MACH_PORT_NULL)
             : pager_supply(control, offset, length, MACH_PORT_NULL);
  if (answer == kAnswerUnavailable) kr = memory_object_data_unavailable(control, offset, length);
  if (answer == kAnswerError) kr = memory_object_data_error(control, offset, length, KERN_MEMORY_FAILURE);
  if (kr != KERN_SUCCESS) count(&pager_log.answer_errors);
  /* Each request carries a new send right for control (MAKE_SEND): init's
   * is the one the pager keeps. */
  (void)mach_port_deallocate(mach_task_self(), control);
  return KERN_SUCCESS;
}

kern_return_t memory_object_terminate(mach_port_t object, mach_port_t control, mach_port_t name) {
  if (is_copy(object)) {
    /* The copy's object is gone: its ports with it. */
    kern_return_t kr = mach_port_destroy(mach_task_self(), control);
    if (kr == KERN_SUCCESS) kr = mach_port_destroy(mach_task_self(), name);
    if (kr == KERN_SUCCESS) kr = mach_port_destroy(mach_task_self(), object);
    if (kr != KERN_SUCCESS) count(&pager_log.answer_errors);
    pager_log.copy_object = MACH_PORT_NULL;
    count(&pager_log.copy_terminates);
    return KERN_SUCCESS;
  }
  mach_port_type_t control_type = 0, name_type = 0;
  (void)mach_port_type(mach_task_self(), control, &control_type);
  (void)mach_port_type(mach_task_self(), name, &name_type);
  pager_log.terminate_control_same = control == pager_log.control;
  pager_log.terminate_rights_received =
      (control_type & MACH_PORT_TYPE_RECEIVE) != 0 && (name_type & MACH_PORT_TYPE_RECEIVE) != 0;
  /* The receive rights join the send rights init gave under the same
   * names: destroying the names ends both. */
  kern_return_t kr = mach_port_destroy(mach_task_self(), control);
  kern_return_t kr2 = mach_port_destroy(mach_task_self(), name);
  pager_log.terminate_destroy = kr != KERN_SUCCESS ? kr : kr2;
  count(&pager_log.terminates);
  return KERN_SUCCESS;
}

/* COPY_CALL: the kernel copied [offset, offset + length) of the object
 * and made new_object for the copy, whose receive right came with this.
 * Unless a scenario serves copies: counted as unexpected, and the failure
 * has mach_msg_server destroy what the request carried. */
kern_return_t memory_object_copy(mach_port_t old_object, mach_port_t old_control, vm_offset_t offset,
                                 vm_size_t length, mach_port_t new_object) {
  (void)old_object;
  if (!pager_accept_copies) {
    count(&pager_log.unexpected);
    return KERN_FAILURE;
  }
  pager_log.copy_offset = offset;
  pager_log.copy_length = length;
  pager_log.copy_control_same = old_control == pager_log.control;
  pager_log.copy_object = new_object;
  if (mach_port_move_member(mach_task_self(), new_object, g_set) != KERN_SUCCESS) count(&pager_log.answer_errors);
  (void)mach_port_deallocate(mach_task_self(), old_control);
  count(&pager_log.copies);
  return KERN_SUCCESS;
}

/* A fault wants more access than a page's lock value grants: unlock the
 * page (a lock_request lowering its lock to VM_PROT_NONE), unless the
 * scenario keeps it locked. */
kern_return_t memory_object_data_unlock(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_size_t length, vm_prot_t access) {
  (void)object;
  pager_log.unlock_offset = offset;
  pager_log.unlock_access = access;
  count(&pager_log.unlocks);
  if (pager_grant_unlock && memory_object_lock_request(control, offset, length, MEMORY_OBJECT_RETURN_NONE, FALSE,
                                                       VM_PROT_NONE, MACH_PORT_NULL) != KERN_SUCCESS)
    count(&pager_log.answer_errors);
  (void)mach_port_deallocate(mach_task_self(), control);
  return KERN_SUCCESS;
}

/* Pages the kernel gives back (dirty or precious: as it terminates an
 * object, on a lock_request, at pageout): recorded, and the data dropped. */
kern_return_t memory_object_data_return(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_offset_t data, mach_msg_type_number_t size, boolean_t dirty,
                                        boolean_t kernel_copy) {
  (void)object, (void)kernel_copy;
  const int n = pager_log.returns;
  if (n < kPagerMaxRequests) {
    pager_log.return_offset[n] = offset;
    pager_log.return_dirty[n] = dirty;
    for (unsigned i = 0; i < 4; ++i)
      pager_log.return_word[n][i] = size >= (i + 1) * sizeof(uint64_t) ? ((const uint64_t*)data)[i] : 0;
  }
  (void)vm_deallocate(mach_task_self(), data, size);
  (void)mach_port_deallocate(mach_task_self(), control);
  count(&pager_log.returns);
  return KERN_SUCCESS;
}

/* The answers to a reply_to port: pager_await_reply's decoding fills this
 * record (null on the server thread). */
static struct pager_reply* g_reply;

kern_return_t memory_object_lock_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
                                           vm_size_t length) {
  (void)reply;
  if (!g_reply) {
    count(&pager_log.unexpected);
    return KERN_FAILURE;
  }
  g_reply->offset = offset;
  g_reply->length = length;
  (void)mach_port_deallocate(mach_task_self(), control);
  return KERN_SUCCESS;
}

kern_return_t memory_object_supply_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
                                             vm_size_t length, kern_return_t result, vm_offset_t error_offset) {
  (void)reply;
  if (!g_reply) {
    count(&pager_log.unexpected);
    return KERN_FAILURE;
  }
  g_reply->offset = offset;
  g_reply->length = length;
  g_reply->result = result;
  g_reply->error_offset = error_offset;
  (void)mach_port_deallocate(mach_task_self(), control);
  return KERN_SUCCESS;
}

kern_return_t memory_object_change_completed(mach_port_t reply, boolean_t may_cache,
                                             memory_object_copy_strategy_t strategy) {
  (void)reply;
  if (!g_reply) {
    count(&pager_log.unexpected);
    return KERN_FAILURE;
  }
  g_reply->may_cache = may_cache;
  g_reply->strategy = strategy;
  return KERN_SUCCESS;
}

mach_msg_return_t pager_await_reply(mach_port_t port, unsigned ms, struct pager_reply* reply) {
  union {
    mach_msg_header_t head;
    char bytes[MEMORY_OBJECT_MAX_REQUEST_SIZE + 256];
  } in;
  union {
    mig_reply_header_t reply;
    char bytes[MEMORY_OBJECT_MAX_REPLY_SIZE + 64];
  } out;
  memset(reply, 0, sizeof *reply);
  mach_msg_return_t mr = mach_msg(&in.head, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof in, port, ms, MACH_PORT_NULL);
  if (mr != MACH_MSG_SUCCESS) return mr;
  reply->id = in.head.msgh_id;
  g_reply = reply;
  /* A simpleroutine that took the request answers MIG_NO_REPLY; any other
   * answer leaves its rights and memory to us. */
  if (in.head.msgh_id == MACH_NOTIFY_SEND_ONCE || !memory_object_server(&in.head, &out.reply.Head) ||
      (out.reply.RetCode != MIG_NO_REPLY && out.reply.RetCode != KERN_SUCCESS))
    mach_msg_destroy(&in.head);
  g_reply = NULL;
  return MACH_MSG_SUCCESS;
}

/* ---- Probes and their exceptions ---- */

static void probe_body(long unused) {
  (void)unused;
  struct probe* p = g_probe;
  if (p->write)
    *p->address = p->value;
  else
    p->value = *p->address;
  __atomic_store_n(&p->state, kProbeDone, __ATOMIC_RELEASE);
  (void)thread_terminate(mach_thread_self());
}

/* Where the exception handler sends a probe whose access failed. */
static void probe_faulted(long unused) {
  (void)unused;
  __atomic_store_n(&g_probe->state, kProbeFaulted, __ATOMIC_RELEASE);
  (void)thread_terminate(mach_thread_self());
}

/* Moves `thread` to fn(0) on a fresh frame below where its stack was. */
static kern_return_t redirect(thread_t thread, void (*fn)(long)) {
#if defined(__x86_64__)
  struct i386_thread_state s;
  mach_msg_type_number_t n = i386_THREAD_STATE_COUNT;
  kern_return_t kr = thread_get_state(thread, i386_THREAD_STATE, (thread_state_t)&s, &n);
  if (kr != KERN_SUCCESS) return kr;
  s.rip = (uint64_t)(uintptr_t)fn;
  s.rdi = 0;
  s.ursp = ((s.ursp - 256) & ~15ull) - 8; /* as at a function's entry */
  s.rsp = s.ursp;
  return thread_set_state(thread, i386_THREAD_STATE, (thread_state_t)&s, i386_THREAD_STATE_COUNT);
#elif defined(__riscv)
  struct riscv64_thread_state s;
  mach_msg_type_number_t n = riscv64_THREAD_STATE_COUNT;
  kern_return_t kr = thread_get_state(thread, riscv64_THREAD_STATE, (thread_state_t)&s, &n);
  if (kr != KERN_SUCCESS) return kr;
  s.pc = (uint64_t)(uintptr_t)fn;
  s.x10 = 0;
  s.x2 = (s.x2 - 256) & ~15ull;
  return thread_set_state(thread, riscv64_THREAD_STATE, (thread_state_t)&s, riscv64_THREAD_STATE_COUNT);
#endif
}

kern_return_t catch_exception_raise(mach_port_t exception_port, mach_port_t thread, mach_port_t task,
                                    integer_t exception, integer_t code, long_integer_t subcode) {
  (void)exception_port;
  struct probe* p = g_probe;
  kern_return_t answer = KERN_FAILURE; /* not a probe's: the task ends */
  if (p && thread == p->thread) {
    p->exception = exception;
    p->code = code;
    p->subcode = subcode;
    answer = redirect(thread, probe_faulted);
  }
  (void)mach_port_deallocate(mach_task_self(), thread);
  (void)mach_port_deallocate(mach_task_self(), task);
  return answer;
}

kern_return_t probe_start(struct probe* p, volatile uint64_t* address, int write, uint64_t value) {
  memset(p, 0, sizeof *p);
  p->address = address;
  p->write = write;
  p->value = value;
  p->state = kProbePending;
  g_probe = p;
  /* start_thread stores the thread's name before it resumes it, so the
   * handler always finds p->thread set. */
  return start_thread(probe_body, 0, &p->thread, &p->stack);
}

int probe_wait(struct probe* p, unsigned ms) {
  for (unsigned waited = 0;; ++waited) {
    const int state = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
    if (state != kProbePending || waited >= ms) return state;
    pager_pause(1);
  }
}

void probe_end(struct probe* p) {
  /* Terminating an ended thread fails harmlessly; a live one has left user
   * mode for good when the call returns. */
  (void)thread_terminate(p->thread);
  (void)mach_port_deallocate(mach_task_self(), p->thread);
  (void)vm_deallocate(mach_task_self(), p->stack, kThreadStackPages * vm_page_size);
  g_probe = NULL;
}

int probe_run(struct probe* p, volatile uint64_t* address, int write, uint64_t value, unsigned ms) {
  if (probe_start(p, address, write, value) != KERN_SUCCESS) return -1;
  const int state = probe_wait(p, ms);
  probe_end(p);
  return state;
}

/* ---- The server thread ---- */

static boolean_t demux(mach_msg_header_t* in, mach_msg_header_t* out) {
  if (in->msgh_local_port == g_stop) {
    __atomic_store_n(&g_server_stopping, 1, __ATOMIC_RELEASE);
    (void)thread_terminate(mach_thread_self());
  }
  if (in->msgh_local_port == g_exceptions) return exc_server(in, out);
  return memory_object_server(in, out);
}

static void serve(long unused) {
  (void)unused;
  (void)mach_msg_server(demux, 0, g_set);
  (void)thread_terminate(mach_thread_self());
}

kern_return_t pager_start(void) {
  const mach_port_t self = mach_task_self();
  kern_return_t kr;
  for (int i = 0; i < kPagerMaxPages; ++i) pager_answer[i] = kAnswerSupply, pager_copy_answer[i] = kAnswerUnavailable;
  if ((kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &pager_object)) != KERN_SUCCESS ||
      (kr = mach_port_insert_right(self, pager_object, pager_object, MACH_MSG_TYPE_MAKE_SEND)) != KERN_SUCCESS ||
      (kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_exceptions)) != KERN_SUCCESS ||
      (kr = mach_port_insert_right(self, g_exceptions, g_exceptions, MACH_MSG_TYPE_MAKE_SEND)) != KERN_SUCCESS ||
      (kr = task_set_special_port(self, TASK_EXCEPTION_PORT, g_exceptions)) != KERN_SUCCESS ||
      (kr = mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &g_set)) != KERN_SUCCESS ||
      (kr = mach_port_move_member(self, pager_object, g_set)) != KERN_SUCCESS ||
      (kr = mach_port_move_member(self, g_exceptions, g_set)) != KERN_SUCCESS ||
      (kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_stop)) != KERN_SUCCESS ||
      (kr = mach_port_move_member(self, g_stop, g_set)) != KERN_SUCCESS ||
      (kr = mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_sleep)) != KERN_SUCCESS)
    return kr;
  return start_thread(serve, 0, &g_server, &g_server_stack);
}

/* The server thread ends itself on a message to g_stop (its last request
 * served, and nothing of it half done). Terminating it from here while it
 * was on its way back into its receive once (in about 50 runs) left it
 * asleep there for good: the kernel's terminate missed a thread in the
 * trap not yet waiting (fixed since: sched::interrupt_waits). */
static void stop_server(void) {
  mach_msg_header_t m = {0};
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = g_stop;
  if (mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL) ==
      MACH_MSG_SUCCESS)
    (void)pager_wait(&g_server_stopping, 1, 3000);
  (void)thread_terminate(g_server); /* ended, or in its last trap */
}

void pager_stop(void) {
  const mach_port_t self = mach_task_self();
  stop_server();
  (void)mach_port_deallocate(self, g_server);
  (void)vm_deallocate(self, g_server_stack, kThreadStackPages * vm_page_size);
  (void)task_set_special_port(self, TASK_EXCEPTION_PORT, MACH_PORT_NULL);
  (void)mach_port_destroy(self, g_exceptions);
  (void)mach_port_destroy(self, g_set);
  (void)mach_port_destroy(self, g_sleep);
  (void)mach_port_destroy(self, g_stop);
  /* A scenario that destroyed it set it to MACH_PORT_NULL. */
  if (pager_object != MACH_PORT_NULL) (void)mach_port_destroy(self, pager_object);
  pager_object = MACH_PORT_NULL;
}
