/* tests/programs/pager_cases.c: GNU Mach's external-pager protocol, one
 * scenario per run, from the pager's side (pager_harness.h has the pager,
 * its server thread and the fault probes).
 *
 * pager_cases SCENARIO, one of:
 *   supply            data_request per page touched, answered by data_supply;
 *                     a resident page asks nothing again; a write fault too
 *   unavailable       data_unavailable: the page reads as zeros, and takes writes
 *   error             data_error: the toucher gets EXC_BAD_ACCESS with
 *                     KERN_MEMORY_ERROR at its address; other pages still work
 *   garbage           data_supply at a misaligned offset, of a partial page, or
 *                     to a port that is not a control port changes nothing and
 *                     the reply port hears of the failure; then a good one
 *   supply_unsupplied data_supply of the pager's own mapping of a page it
 *                     has not supplied: the kernel asks for that page first
 *   supply_source_error  the same with that page answered data_error and no
 *                     reply port: the supply fails, a good one then serves
 *   device_write      device_write of a page not supplied yet writes the
 *                     pager's data (needs the device master port as kMaster;
 *                     the hosted test reads the console)
 *   destroyed         the pager's port destroyed while a fault waits: that
 *                     fault and later ones on missing pages are
 *                     EXC_BAD_ACCESS/KERN_MEMORY_ERROR; supplied pages stay
 *   silent_abort      a pager that does not answer: thread_abort of the
 *                     waiting thread (running, then suspended) works; a late
 *                     supply lets it finish once resumed
 *   silent_terminate  the same, ended by thread_terminate
 *   end_waiting       task_terminate of the task itself with that fault
 *                     waiting (prints "end_waiting: ending the task with a
 *                     fault waiting" instead of ok)
 *   shared            two vm_maps of one port (and a third at an offset) are one
 *                     object: one init, a write through one seen through the
 *                     others, terminate only after the last unmap
 *   attributes        memory_object_get_attributes before and after ready,
 *                     change_attributes with change_completed; a port that is
 *                     not a control port is refused
 *   ready_wait        a fault waits, asking nothing, until the pager is ready
 *   terminate         memory_object_terminate after the last vm_deallocate,
 *                     with receive rights for control and name; a new vm_map
 *                     then makes a new object (a second init)
 *   lock_request      lock_request(RETURN_DIRTY, flush): the dirty page comes
 *                     back by data_return, both pages are asked for again,
 *                     lock_completed answers
 *   lock_no_change    lock_request with VM_PROT_NO_CHANGE changes nothing and
 *                     answers lock_completed
 *   unlock            a page supplied write-locked: a write asks data_unlock
 *                     and goes on once the pager's lock_request unlocks it
 *   returns           the last unmap returns the dirty and the precious page
 *   msync             vm_msync returns the dirty page; VM_SYNC_INVALIDATE drops it
 *   msync_many        vm_msync over ten mappings returns every dirty page
 *   cache             a may_cache object outlives its last unmap until the pager clears it
 *                     (data_return) before memory_object_terminate
 *   destroy           memory_object_destroy: terminate comes at once, later
 *                     faults on missing pages fail, the pages it had stay
 *   destroy_cached    memory_object_destroy of an object only the cache
 *                     holds: one terminate
 *   copy_call         COPY_CALL: vm_read makes a copy the pager hears of
 *                     (memory_object_copy, init on the new port); the copy's
 *                     pager's data_unavailable reads through to the source;
 *                     a write to the source asks data_unlock first
 *   copy_none         COPY_NONE: vm_read copies at once, asking for the
 *                     pages the object lacks
 * (lock_request to destroy are in pager_data_cases.c, the copies in
 * pager_copy_cases.c). It prints "SCENARIO: ok", or
 * "SCENARIO: failed: " and the first check that did not hold (the task
 * then ends at once). Every wait has a limit (pager_checks.h). */
#include <device/device.h>
#include <mach.h>
#include <mach/notify.h>
#include <stdio.h>
#include <string.h>

#include "pager_checks.h"

/* pager_data_cases.c */
int scenario_lock_request(void);
int scenario_lock_no_change(void);
int scenario_unlock(void);
int scenario_returns(void);
int scenario_msync(void);
int scenario_msync_many(void);
int scenario_destroy(void);
int scenario_destroy_cached(void);
/* pager_copy_cases.c */
int scenario_copy_call(void);
int scenario_copy_none(void);

static int scenario_supply(void) {
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  /* Out of order, and page 2 twice: the second read is of a resident page. */
  static const int kReads[][2] = {{2, 5}, {0, 0}, {3, -1}, {2, 6}};
  for (size_t i = 0; i < sizeof kReads / sizeof kReads[0]; ++i) {
    const int page = kReads[i][0], index = kReads[i][1] < 0 ? last_word() : kReads[i][1];
    if (expect_access(word(a, page, index), 0, 0, pattern(page, index))) return 1;
  }
  CHECK(PAGER_COUNT(requests) == 3, "%d data_requests for 3 pages read", PAGER_COUNT(requests));
  if (expect_request(0, 2) || expect_request(1, 0) || expect_request(2, 3)) return 1;
  for (int n = 0; n < 3; ++n)
    CHECK(pager_log.request_access[n] == VM_PROT_READ, "a read fault asked for access %d",
          pager_log.request_access[n]);
  /* A write to a page never read: one more request; it asks for write
   * access, and the write lands on the pager's data. */
  if (expect_access(word(a, 1, 3), 1, 0x1234, 0)) return 1;
  CHECK(PAGER_COUNT(requests) == 4, "%d data_requests after a write fault", PAGER_COUNT(requests));
  if (expect_request(3, 1)) return 1;
  CHECK(pager_log.request_access[3] & VM_PROT_WRITE, "a write fault asked for access %d",
        pager_log.request_access[3]);
  if (expect_access(word(a, 1, 3), 0, 0, 0x1234) || expect_access(word(a, 1, 4), 0, 0, pattern(1, 4))) return 1;
  CHECK(PAGER_COUNT(requests) == 4, "%d data_requests for 4 pages", PAGER_COUNT(requests));
  return unmap_last(a, 4);
}

static int scenario_unavailable(void) {
  for (int i = 0; i < kPagerMaxPages; ++i) pager_answer[i] = kAnswerUnavailable;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  if (expect_access(word(a, 1, 7), 0, 0, 0) || expect_access(word(a, 2, 0), 1, 77, 0) ||
      expect_access(word(a, 2, 0), 0, 0, 77) || expect_access(word(a, 2, 1), 0, 0, 0))
    return 1;
  CHECK(PAGER_COUNT(requests) == 2, "%d data_requests for 2 pages", PAGER_COUNT(requests));
  if (expect_request(0, 1) || expect_request(1, 2)) return 1;
  return unmap_last(a, 4);
}

static int scenario_error(void) {
  pager_answer[1] = kAnswerError;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  struct probe p;
  CHECK(probe_start(&p, word(a, 1, 3), 0, 0) == KERN_SUCCESS, "probe_start");
  if (expect_memory_error(&p, kWait)) return 1;
  if (expect_request(0, 1)) return 1;
  /* The object still serves its other pages. */
  if (expect_access(word(a, 0, 1), 0, 0, pattern(0, 1)) || expect_access(word(a, 2, 1), 0, 0, pattern(2, 1)))
    return 1;
  return unmap_last(a, 4);
}

/* Sends a page-multiple-free data_supply: `length` bytes of 0xbad... at
 * `offset`, to `port`, answered to `reply`. */
static kern_return_t supply_garbage(mach_port_t port, vm_offset_t offset, vm_size_t length, mach_port_t reply) {
  vm_address_t data = 0;
  if (vm_allocate(mach_task_self(), &data, vm_page_size, TRUE) != KERN_SUCCESS) return KERN_RESOURCE_SHORTAGE;
  memset((void*)data, 0xbd, vm_page_size);
  kern_return_t kr = memory_object_data_supply(port, offset, data, (mach_msg_type_number_t)length, TRUE,
                                               VM_PROT_NONE, FALSE, reply);
  if (kr != KERN_SUCCESS) (void)vm_deallocate(mach_task_self(), data, vm_page_size);
  return kr;
}

static int expect_refusal(const char* what, mach_port_t reply, int notification_will_do) {
  struct pager_reply r;
  mach_msg_return_t mr = pager_await_reply(reply, kWait, &r);
  CHECK(mr == MACH_MSG_SUCCESS, "%s: no answer on the reply port (%#x)", what, mr);
  if (notification_will_do && r.id == MACH_NOTIFY_SEND_ONCE) return 0;
  CHECK(r.id == 2207, "%s: message %d on the reply port, not supply_completed", what, r.id);
  CHECK(r.result == KERN_INVALID_ARGUMENT, "%s: supply_completed says %d, not KERN_INVALID_ARGUMENT", what,
        r.result);
  return 0;
}

static int scenario_garbage(void) {
  pager_answer[1] = kAnswerNone;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  mach_port_t reply;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");
  struct probe p;
  CHECK(probe_start(&p, word(a, 1, 2), 0, 0) == KERN_SUCCESS, "probe_start");
  CHECK(pager_wait(&pager_log.requests, 1, kWait), "no data_request");
  if (expect_request(0, 1)) return 1;
  const mach_port_t control = pager_log.control;
  const vm_offset_t offset = vm_page_size;
  kern_return_t kr = supply_garbage(control, offset + 8, vm_page_size, reply);
  CHECK(kr == KERN_SUCCESS, "sending a misaligned data_supply: %d", kr);
  if (expect_refusal("misaligned offset", reply, 0)) return 1;
  kr = supply_garbage(control, offset, vm_page_size / 2, reply);
  CHECK(kr == KERN_SUCCESS, "sending a half-page data_supply: %d", kr);
  if (expect_refusal("half a page", reply, 0)) return 1;
  /* The task's port is the kernel's but not a control port: the kernel
   * may answer supply_completed with an error, or drop the request and
   * with it the send-once right (a send-once notification). */
  kr = supply_garbage(mach_task_self(), offset, vm_page_size, reply);
  if (kr == KERN_SUCCESS && expect_refusal("the task's port", reply, 1)) return 1;
  pager_pause(kQuiet);
  CHECK(probe_wait(&p, 0) == kProbePending, "the fault ended on a refused data_supply (state %d)", p.state);
  CHECK(PAGER_COUNT(requests) == 1, "%d data_requests for one fault", PAGER_COUNT(requests));
  /* Now a good one, with its supply_completed. */
  CHECK(pager_supply(control, offset, vm_page_size, reply) == KERN_SUCCESS, "data_supply");
  struct pager_reply r;
  mach_msg_return_t mr = pager_await_reply(reply, kWait, &r);
  CHECK(mr == MACH_MSG_SUCCESS && r.id == 2207, "no supply_completed for a good data_supply (%#x, id %d)", mr,
        r.id);
  CHECK(r.result == KERN_SUCCESS && r.offset == offset && r.length == vm_page_size,
        "supply_completed: result %d offset %#lx length %#lx", r.result, (unsigned long)r.offset,
        (unsigned long)r.length);
  const int state = probe_wait(&p, kWait);
  probe_end(&p);
  CHECK(state == kProbeDone, "the fault did not end after the good data_supply (state %d)", state);
  CHECK(p.value == pattern(1, 2), "read %#lx after garbage, expected %#lx", (unsigned long)p.value,
        (unsigned long)pattern(1, 2));
  (void)mach_port_destroy(mach_task_self(), reply);
  return unmap_last(a, 4);
}

/* data_supply of data the pager has not got yet: its own mapping of a
 * page the kernel has not asked for. The kernel asks for that page
 * (data_request), waits for the server thread's supply, and then fills
 * the first page with it, as GNU Mach's copy of the data faults it in
 * (it used to refuse the supply, KERN_INVALID_ARGUMENT). */
static int scenario_supply_unsupplied(void) {
  vm_address_t a;
  struct probe p;
  if (start_unanswered(&a, &p) || expect_request(0, 0)) return 1;
  mach_port_t reply;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");
  /* Page 1's mapping is the data; the server thread supplies page 1. */
  kern_return_t kr = memory_object_data_supply(pager_log.control, 0, a + vm_page_size, vm_page_size, FALSE,
                                               VM_PROT_NONE, FALSE, reply);
  CHECK(kr == KERN_SUCCESS, "data_supply: %d", kr);
  struct pager_reply r;
  mach_msg_return_t mr = pager_await_reply(reply, kWait, &r);
  CHECK(mr == MACH_MSG_SUCCESS && r.id == 2207, "no supply_completed (%#x, id %d)", mr, r.id);
  CHECK(r.result == KERN_SUCCESS && r.offset == 0 && r.length == vm_page_size,
        "supply_completed: result %d offset %#lx length %#lx", r.result, (unsigned long)r.offset,
        (unsigned long)r.length);
  CHECK(PAGER_COUNT(requests) == 2, "%d data_requests for two pages", PAGER_COUNT(requests));
  if (expect_request(1, 1)) return 1;
  const int state = probe_wait(&p, kWait);
  probe_end(&p);
  CHECK(state == kProbeDone, "the fault did not end after the data_supply (state %d)", state);
  CHECK(p.value == pattern(1, 9), "page 0 reads %#lx, not page 1's %#lx", (unsigned long)p.value,
        (unsigned long)pattern(1, 9));
  if (expect_access(word(a, 1, 9), 0, 0, pattern(1, 9))) return 1;
  (void)mach_port_destroy(mach_task_self(), reply);
  return unmap_last(a, 2);
}

/* The same with the data's page answered data_error, and no reply port:
 * the supply fails (its data cannot be had) and changes nothing: the
 * fault waits on, and a good supply ends it. (The failed request is the
 * dispatch's to destroy, data and all, once.) */
static int scenario_supply_source_error(void) {
  pager_answer[1] = kAnswerError;
  vm_address_t a;
  struct probe p;
  if (start_unanswered(&a, &p) || expect_request(0, 0)) return 1;
  kern_return_t kr = memory_object_data_supply(pager_log.control, 0, a + vm_page_size, vm_page_size, FALSE,
                                               VM_PROT_NONE, FALSE, MACH_PORT_NULL);
  CHECK(kr == KERN_SUCCESS, "sending the data_supply: %d", kr);
  CHECK(PAGER_COUNT(requests) == 2, "%d data_requests for two pages", PAGER_COUNT(requests));
  if (expect_request(1, 1)) return 1;
  pager_pause(kQuiet);
  CHECK(probe_wait(&p, 0) == kProbePending, "the fault ended on a failed data_supply (state %d)", p.state);
  CHECK(pager_supply(pager_log.control, 0, vm_page_size, MACH_PORT_NULL) == KERN_SUCCESS, "data_supply");
  const int state = probe_wait(&p, kWait);
  probe_end(&p);
  CHECK(state == kProbeDone, "the fault did not end after the good data_supply (state %d)", state);
  CHECK(p.value == pattern(0, 9), "read %#lx, expected %#lx", (unsigned long)p.value, (unsigned long)pattern(0, 9));
  return unmap_last(a, 2);
}

/* device_write of two bytes of a page the pager has not supplied: the
 * kernel asks for the page and writes what the pager gives, the top
 * bytes of the pattern's first word ("AP"), rather than zeros, as GNU
 * Mach's device_write_get faults the data in. The harness gave a send
 * right to the device master port as kMaster. */
enum { kMaster = 0x3000 };

static int scenario_device_write(void) {
  char console_name[] = "console";
  mach_port_t console = MACH_PORT_NULL;
  CHECK(device_open(kMaster, 0, console_name, &console) == D_SUCCESS, "device_open of the console");
  vm_address_t a;
  if (map(&a, 1, 0)) return 1;
  int written = 0;
  kern_return_t kr = device_write(console, 0, 0, (io_buf_ptr_t)(a + 6), 2, &written);
  CHECK(kr == D_SUCCESS && written == 2, "device_write: %d, %d written", kr, written);
  CHECK(PAGER_COUNT(requests) == 1, "%d data_requests for the page written", PAGER_COUNT(requests));
  if (expect_request(0, 0)) return 1;
  (void)mach_port_deallocate(mach_task_self(), console);
  return unmap_last(a, 1);
}

static int scenario_destroyed(void) {
  pager_answer[1] = kAnswerNone;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  if (expect_access(word(a, 0, 8), 0, 0, pattern(0, 8))) return 1;
  struct probe p;
  CHECK(probe_start(&p, word(a, 1, 8), 0, 0) == KERN_SUCCESS, "probe_start");
  CHECK(pager_wait(&pager_log.requests, 2, kWait), "no data_request for the second page");
  pager_pause(kQuiet);
  CHECK(probe_wait(&p, 0) == kProbePending, "the fault ended unanswered (state %d)", p.state);
  /* The pager dies with the fault waiting. */
  const mach_port_t control = pager_log.control, name = pager_log.name;
  CHECK(mach_port_destroy(mach_task_self(), pager_object) == KERN_SUCCESS, "mach_port_destroy of the pager's port");
  pager_object = MACH_PORT_NULL;
  if (expect_memory_error(&p, kWait)) return 1;
  /* What was supplied stays; what was not is an error now. */
  if (expect_access(word(a, 0, 9), 0, 0, pattern(0, 9))) return 1;
  CHECK(probe_start(&p, word(a, 2, 0), 0, 0) == KERN_SUCCESS, "probe_start");
  if (expect_memory_error(&p, kWait)) return 1;
  CHECK(vm_deallocate(mach_task_self(), a, 4 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  (void)mach_port_destroy(mach_task_self(), control);
  (void)mach_port_destroy(mach_task_self(), name);
  return expect_clean_pager();
}

static int scenario_silent_abort(void) {
  vm_address_t a;
  struct probe p;
  if (start_unanswered(&a, &p)) return 1;
  /* thread_abort of the running thread ends its wait; it faults again on
   * the same missing page and waits again. */
  kern_return_t kr = thread_abort(p.thread);
  CHECK(kr == KERN_SUCCESS, "thread_abort of a thread waiting for a pager: %d", kr);
  pager_pause(kQuiet);
  CHECK(probe_wait(&p, 0) == kProbePending, "the aborted fault did not wait again (state %d)", p.state);
  /* Suspended then aborted, it stays out of user mode until resumed. */
  CHECK(thread_suspend(p.thread) == KERN_SUCCESS, "thread_suspend");
  kr = thread_abort(p.thread);
  CHECK(kr == KERN_SUCCESS, "thread_abort of a suspended thread waiting for a pager: %d", kr);
  /* The late answer, then the thread goes on and reads it. */
  pager_answer[0] = kAnswerSupply;
  CHECK(pager_supply(pager_log.control, 0, vm_page_size, MACH_PORT_NULL) == KERN_SUCCESS, "data_supply");
  pager_pause(kQuiet);
  CHECK(probe_wait(&p, 0) == kProbePending, "a suspended thread ran (state %d)", p.state);
  CHECK(thread_resume(p.thread) == KERN_SUCCESS, "thread_resume");
  const int state = probe_wait(&p, kWait);
  probe_end(&p);
  CHECK(state == kProbeDone, "the aborted thread did not finish after the late supply (state %d)", state);
  CHECK(p.value == pattern(0, 9), "read %#lx, expected %#lx", (unsigned long)p.value,
        (unsigned long)pattern(0, 9));
  return unmap_last(a, 2);
}

static int scenario_silent_terminate(void) {
  vm_address_t a;
  struct probe p;
  if (start_unanswered(&a, &p)) return 1;
  kern_return_t kr = thread_terminate(p.thread);
  CHECK(kr == KERN_SUCCESS, "thread_terminate of a thread waiting for a pager: %d", kr);
  CHECK(probe_wait(&p, 0) == kProbePending, "the terminated thread finished its read (state %d)", p.state);
  probe_end(&p);
  /* The request is still unanswered: unmapping ends the object anyway. */
  return unmap_last(a, 2);
}

/* task_terminate with a fault waiting for the task's own pager: the task
 * ends like any other ("terminated"), taking the object with it. */
static int scenario_end_waiting(void) {
  vm_address_t a;
  struct probe p;
  if (start_unanswered(&a, &p)) return 1;
  printf("%s: ending the task with a fault waiting\n", g_scenario);
  (void)task_terminate(mach_task_self());
  return fail("task_terminate of the task itself returned");
}

static int scenario_shared(void) {
  vm_address_t a, b, c;
  if (map(&a, 4, 0) || map(&b, 4, 0) || map(&c, 2, 1)) return 1;
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(inits) == 1, "%d memory_object_inits for three maps of one port", PAGER_COUNT(inits));
  /* A write through a, seen through b and through c (which starts at page 1). */
  if (expect_access(word(a, 1, 4), 1, 0xfeedface, 0) || expect_access(word(b, 1, 4), 0, 0, 0xfeedface) ||
      expect_access(word(b, 1, 5), 0, 0, pattern(1, 5)) || expect_access(word(c, 0, 4), 0, 0, 0xfeedface))
    return 1;
  CHECK(PAGER_COUNT(requests) == 1, "%d data_requests for one page seen three ways", PAGER_COUNT(requests));
  /* c's page 1 is the object's page 2. */
  if (expect_access(word(c, 1, 6), 0, 0, pattern(2, 6)) || expect_access(word(a, 2, 6), 0, 0, pattern(2, 6)))
    return 1;
  CHECK(PAGER_COUNT(requests) == 2, "%d data_requests for two pages", PAGER_COUNT(requests));
  if (expect_request(0, 1) || expect_request(1, 2)) return 1;
  CHECK(vm_deallocate(mach_task_self(), a, 4 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  CHECK(vm_deallocate(mach_task_self(), c, 2 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 0, "memory_object_terminate while a mapping remains");
  if (expect_access(word(b, 1, 4), 0, 0, 0xfeedface)) return 1;
  return unmap_last(b, 4);
}

static int expect_attributes(const char* when, boolean_t ready, boolean_t may_cache,
                             memory_object_copy_strategy_t strategy) {
  boolean_t r = 7, m = 7;
  memory_object_copy_strategy_t s = 7;
  kern_return_t kr = memory_object_get_attributes(pager_log.control, &r, &m, &s);
  CHECK(kr == KERN_SUCCESS, "memory_object_get_attributes %s: %d", when, kr);
  CHECK(r == ready && m == may_cache && s == strategy,
        "attributes %s: ready %d may_cache %d strategy %d, expected %d %d %d", when, r, m, s, ready, may_cache,
        strategy);
  return 0;
}

static int scenario_attributes(void) {
  pager_ready_on_init = 0;
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  boolean_t r, m;
  memory_object_copy_strategy_t s;
  kern_return_t kr = memory_object_get_attributes(pager_log.control, &r, &m, &s);
  CHECK(kr == KERN_SUCCESS && !r, "get_attributes before ready: %d, ready %d", kr, r);
  CHECK(memory_object_ready(pager_log.control, TRUE, MEMORY_OBJECT_COPY_DELAY) == KERN_SUCCESS, "memory_object_ready");
  if (expect_attributes("after ready", TRUE, TRUE, MEMORY_OBJECT_COPY_DELAY)) return 1;
  mach_port_t reply;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");
  kr = memory_object_change_attributes(pager_log.control, FALSE, MEMORY_OBJECT_COPY_NONE, reply);
  CHECK(kr == KERN_SUCCESS, "memory_object_change_attributes: %d", kr);
  struct pager_reply c;
  mach_msg_return_t mr = pager_await_reply(reply, kWait, &c);
  CHECK(mr == MACH_MSG_SUCCESS && c.id == 2209, "no change_completed (%#x, id %d)", mr, c.id);
  CHECK(!c.may_cache && c.strategy == MEMORY_OBJECT_COPY_NONE, "change_completed: may_cache %d strategy %d",
        c.may_cache, c.strategy);
  if (expect_attributes("after change_attributes", TRUE, FALSE, MEMORY_OBJECT_COPY_NONE)) return 1;
  /* Without a reply port: nothing comes back, the change still happens. */
  kr = memory_object_change_attributes(pager_log.control, FALSE, MEMORY_OBJECT_COPY_DELAY, MACH_PORT_NULL);
  CHECK(kr == KERN_SUCCESS, "memory_object_change_attributes without reply: %d", kr);
  if (expect_attributes("after a change without reply", TRUE, FALSE, MEMORY_OBJECT_COPY_DELAY)) return 1;
  /* The task's port is not a control port. */
  kr = memory_object_get_attributes(mach_task_self(), &r, &m, &s);
  CHECK(kr != KERN_SUCCESS, "get_attributes of the task's port succeeded");
  (void)mach_port_destroy(mach_task_self(), reply);
  if (expect_access(word(a, 1, 1), 0, 0, pattern(1, 1))) return 1;
  return unmap_last(a, 2);
}

/* may_cache: the object outlives its last mapping, with its pages (a new
 * mapping reads them without a data_request); once the pager clears
 * may_cache, the last unmap terminates it. */
static int scenario_cache(void) {
  pager_may_cache = TRUE;
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 5), 0, 0, pattern(0, 5))) return 1;
  CHECK(vm_deallocate(mach_task_self(), a, 2 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 0, "terminate of a may_cache object at its last unmap");
  kern_return_t kr = vm_map(mach_task_self(), &a, 2 * vm_page_size, 0, TRUE, pager_object, 0, FALSE,
                            VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE);
  CHECK(kr == KERN_SUCCESS, "vm_map again: %d", kr);
  if (expect_access(word(a, 0, 5), 0, 0, pattern(0, 5))) return 1;
  CHECK(PAGER_COUNT(inits) == 1 && PAGER_COUNT(requests) == 1,
        "inits %d requests %d: the cached object was not found again", PAGER_COUNT(inits), PAGER_COUNT(requests));
  kr = memory_object_change_attributes(pager_log.control, FALSE, MEMORY_OBJECT_COPY_DELAY, MACH_PORT_NULL);
  CHECK(kr == KERN_SUCCESS, "memory_object_change_attributes: %d", kr);
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 0, "terminate while still mapped");
  return unmap_last(a, 2);
}

static int scenario_ready_wait(void) {
  pager_ready_on_init = 0;
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  struct probe p;
  CHECK(probe_start(&p, word(a, 1, 11), 0, 0) == KERN_SUCCESS, "probe_start");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(requests) == 0, "a data_request before memory_object_ready");
  CHECK(probe_wait(&p, 0) == kProbePending, "a fault finished before memory_object_ready (state %d)", p.state);
  CHECK(memory_object_ready(pager_log.control, FALSE, MEMORY_OBJECT_COPY_DELAY) == KERN_SUCCESS, "memory_object_ready");
  const int state = probe_wait(&p, kWait);
  probe_end(&p);
  CHECK(state == kProbeDone, "the fault did not finish once ready (state %d)", state);
  CHECK(p.value == pattern(1, 11), "read %#lx, expected %#lx", (unsigned long)p.value,
        (unsigned long)pattern(1, 11));
  if (expect_request(0, 1)) return 1;
  return unmap_last(a, 2);
}

static int scenario_terminate(void) {
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 2), 0, 0, pattern(0, 2))) return 1;
  const mach_port_t control = pager_log.control;
  if (unmap_last(a, 2)) return 1;
  mach_port_type_t type = 0;
  CHECK(mach_port_type(mach_task_self(), control, &type) == KERN_INVALID_NAME,
        "the control port's name outlived mach_port_destroy (type %#x)", type);
  /* The port maps again: a new object, a new init, and page 0 is asked
   * for again. */
  if (map(&a, 2, 0)) return 1;
  CHECK(pager_wait(&pager_log.inits, 2, kWait), "no second memory_object_init after the object ended");
  if (expect_access(word(a, 0, 2), 0, 0, pattern(0, 2))) return 1;
  CHECK(PAGER_COUNT(requests) == 2, "%d data_requests for a page of two objects", PAGER_COUNT(requests));
  return unmap_last(a, 2);
}

static const struct {
  const char* name;
  int (*run)(void);
} kScenarios[] = {
    {"supply", scenario_supply},
    {"unavailable", scenario_unavailable},
    {"error", scenario_error},
    {"garbage", scenario_garbage},
    {"supply_unsupplied", scenario_supply_unsupplied},
    {"supply_source_error", scenario_supply_source_error},
    {"device_write", scenario_device_write},
    {"destroyed", scenario_destroyed},
    {"silent_abort", scenario_silent_abort},
    {"silent_terminate", scenario_silent_terminate},
    {"end_waiting", scenario_end_waiting},
    {"shared", scenario_shared},
    {"attributes", scenario_attributes},
    {"ready_wait", scenario_ready_wait},
    {"cache", scenario_cache},
    {"terminate", scenario_terminate},
    {"lock_request", scenario_lock_request},
    {"lock_no_change", scenario_lock_no_change},
    {"unlock", scenario_unlock},
    {"returns", scenario_returns},
    {"msync", scenario_msync},
    {"msync_many", scenario_msync_many},
    {"destroy", scenario_destroy},
    {"destroy_cached", scenario_destroy_cached},
    {"copy_call", scenario_copy_call},
    {"copy_none", scenario_copy_none},
};

int main(int argc, char** argv) {
  for (size_t i = 0; argc == 2 && i < sizeof kScenarios / sizeof kScenarios[0]; ++i) {
    if (strcmp(argv[1], kScenarios[i].name) != 0) continue;
    g_scenario = kScenarios[i].name;
    kern_return_t kr = pager_start();
    if (kr != KERN_SUCCESS) return fail("pager_start: %d", kr);
    /* On a failure the task ends here, with whatever is still waiting. */
    if (kScenarios[i].run() != 0) return 1;
    pager_stop();
    printf("%s: ok\n", g_scenario);
    return 0;
  }
  printf("usage: pager_cases SCENARIO (supply, unavailable, error, garbage, supply_unsupplied,\n"
         "       supply_source_error, device_write, destroyed, silent_abort, silent_terminate,\n"
         "       end_waiting, shared, attributes, ready_wait, terminate, lock_request, lock_no_change,\n"
         "       unlock, returns, msync, msync_many, cache, destroy, destroy_cached, copy_call, copy_none)\n");
  return 1;
}
