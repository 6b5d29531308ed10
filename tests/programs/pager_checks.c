/* tests/programs/pager_checks.c: the checks the pager scenarios are
 * written with (pager_checks.h). */
#include "pager_checks.h"

#include <mach/exception.h>
#include <stdarg.h>
#include <stdio.h>

const char* g_scenario;

int fail(const char* format, ...) {
  char line[200];
  va_list ap;
  va_start(ap, format);
  vsnprintf(line, sizeof line, format, ap);
  va_end(ap);
  printf("%s: failed: %s\n", g_scenario, line);
  return 1;
}

/* Word `index` of page `page` of a mapping that starts at `base`. */
volatile uint64_t* word(vm_address_t base, int page, int index) {
  return (volatile uint64_t*)(base + page * vm_page_size + index * sizeof(uint64_t));
}
uint64_t pattern(int page, int index) { return pager_pattern(page * vm_page_size + index * sizeof(uint64_t)); }
int last_word(void) { return (int)(vm_page_size / sizeof(uint64_t)) - 1; }

/* Maps `pages` pages of the object from page `first` and waits until the
 * object has been initialised (its first mapping). */
int map(vm_address_t* address, int pages, int first) {
  kern_return_t kr = pager_map(address, pages * vm_page_size, first * vm_page_size);
  CHECK(kr == KERN_SUCCESS, "vm_map of the pager's port: %d", kr);
  CHECK(pager_wait(&pager_log.inits, 1, kWait), "no memory_object_init after vm_map");
  CHECK(pager_log.init_page_size == vm_page_size, "memory_object_init's page size %lu",
        (unsigned long)pager_log.init_page_size);
  return 0;
}

/* A probe that reads (write = 0) or writes one word and must finish. */
int expect_access(volatile uint64_t* address, int write, uint64_t value, uint64_t expected) {
  struct probe p;
  const int state = probe_run(&p, address, write, value, kWait);
  CHECK(state == kProbeDone, "%s %p: probe state %d (exception %d code %d)", write ? "write" : "read",
        (void*)address, state, p.exception, p.code);
  CHECK(write || p.value == expected, "read %p: %#lx, expected %#lx", (void*)address, (unsigned long)p.value,
        (unsigned long)expected);
  return 0;
}

/* A probe whose read must raise EXC_BAD_ACCESS (KERN_MEMORY_ERROR) at its address. */
int expect_memory_error(struct probe* p, unsigned ms) {
  const int state = probe_wait(p, ms);
  probe_end(p);
  CHECK(state == kProbeFaulted, "read %p: probe state %d, not an exception", (void*)p->address, state);
  CHECK(p->exception == EXC_BAD_ACCESS && p->code == KERN_MEMORY_ERROR,
        "read %p: exception %d code %d, expected EXC_BAD_ACCESS (1) KERN_MEMORY_ERROR (10)", (void*)p->address,
        p->exception, p->code);
  CHECK(p->subcode == (long_integer_t)(uintptr_t)p->address, "exception subcode %#lx for %p",
        (unsigned long)p->subcode, (void*)p->address);
  return 0;
}

/* Request n was for `page`, one page long. */
int expect_request(int n, int page) {
  CHECK(PAGER_COUNT(requests) > n, "only %d data_requests", PAGER_COUNT(requests));
  CHECK(pager_log.request_offset[n] == page * vm_page_size && pager_log.request_length[n] == vm_page_size,
        "data_request %d: offset %#lx length %#lx, expected page %d", n, (unsigned long)pager_log.request_offset[n],
        (unsigned long)pager_log.request_length[n], page);
  return 0;
}

/* Nothing went wrong on the pager's side so far. */
int expect_clean_pager(void) {
  CHECK(PAGER_COUNT(answer_errors) == 0, "%d of the pager's calls to the kernel failed", PAGER_COUNT(answer_errors));
  CHECK(PAGER_COUNT(unexpected) == 0, "%d unexpected requests (unlock, lock_completed, copy)",
        PAGER_COUNT(unexpected));
  return 0;
}

/* Unmaps the object's last mapping: memory_object_terminate must follow,
 * with receive rights for the control and name ports init gave. */
int unmap_last(vm_address_t address, int pages) {
  const int before = PAGER_COUNT(terminates);
  kern_return_t kr = vm_deallocate(mach_task_self(), address, pages * vm_page_size);
  CHECK(kr == KERN_SUCCESS, "vm_deallocate: %d", kr);
  CHECK(pager_wait(&pager_log.terminates, before + 1, kWait), "no memory_object_terminate after the last unmap");
  CHECK(pager_log.terminate_control_same, "terminate's control port is not init's");
  CHECK(pager_log.terminate_rights_received, "terminate did not give receive rights for control and name");
  CHECK(pager_log.terminate_destroy == KERN_SUCCESS, "mach_port_destroy of control/name: %d",
        pager_log.terminate_destroy);
  return expect_clean_pager();
}

/* Starts a probe on page 0 of a fresh mapping whose pager never answers,
 * and waits until its fault is waiting. */
int start_unanswered(vm_address_t* a, struct probe* p) {
  pager_answer[0] = kAnswerNone;
  if (map(a, 2, 0)) return 1;
  CHECK(probe_start(p, word(*a, 0, 9), 0, 0) == KERN_SUCCESS, "probe_start");
  CHECK(pager_wait(&pager_log.requests, 1, kWait), "no data_request");
  pager_pause(kQuiet);
  CHECK(probe_wait(p, 0) == kProbePending, "the fault ended unanswered (state %d)", p->state);
  return 0;
}

/* Data_return n was of `page`, dirty or not, its word `index` `value`. */
int expect_return(int n, int page, boolean_t dirty, int index, uint64_t value) {
  CHECK(PAGER_COUNT(returns) > n, "only %d data_returns", PAGER_COUNT(returns));
  CHECK(pager_log.return_offset[n] == page * vm_page_size && !pager_log.return_dirty[n] == !dirty,
        "data_return %d: offset %#lx dirty %d, expected page %d dirty %d", n,
        (unsigned long)pager_log.return_offset[n], pager_log.return_dirty[n], page, dirty);
  CHECK(pager_log.return_word[n][index] == value, "data_return %d: word %d %#lx, expected %#lx", n, index,
        (unsigned long)pager_log.return_word[n][index], (unsigned long)value);
  return 0;
}

/* Waits for lock_completed on `reply` for [offset, offset + length). */
int expect_lock_completed(mach_port_t reply, vm_offset_t offset, vm_size_t length) {
  struct pager_reply r;
  mach_msg_return_t mr = pager_await_reply(reply, kWait, &r);
  CHECK(mr == MACH_MSG_SUCCESS && r.id == 2206, "no lock_completed (%#x, message %d)", mr, r.id);
  CHECK(r.offset == offset && r.length == length, "lock_completed for %#lx+%#lx, expected %#lx+%#lx",
        (unsigned long)r.offset, (unsigned long)r.length, (unsigned long)offset, (unsigned long)length);
  return 0;
}
