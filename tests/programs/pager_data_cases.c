/* tests/programs/pager_data_cases.c: the pager scenarios about data the
 * kernel already has (pager_cases.c lists them all): lock_request,
 * data_unlock, data_return, memory_object_destroy. */
#include "pager_checks.h"

#include <mach/gnumach.h>
#include <mach/vm_sync.h>

/* lock_request: the dirty page comes back (data_return) and, flushed,
 * is asked for again; the clean one is flushed without a return; then
 * lock_completed. */
int scenario_lock_request(void) {
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 1), 1, 0xdead, 0) || expect_access(word(a, 1, 1), 0, 0, pattern(1, 1))) return 1;
  mach_port_t reply;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");
  kern_return_t kr = memory_object_lock_request(pager_log.control, 0, 2 * vm_page_size, MEMORY_OBJECT_RETURN_DIRTY,
                                                TRUE, VM_PROT_NONE, reply);
  CHECK(kr == KERN_SUCCESS, "memory_object_lock_request: %d", kr);
  if (expect_lock_completed(reply, 0, 2 * vm_page_size)) return 1;
  /* The return went to the object's port, the answer to ours: the
   * server thread may still be at it. */
  CHECK(pager_wait(&pager_log.returns, 1, kWait), "no data_return of the dirty page");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(returns) == 1, "%d data_returns for one dirty page", PAGER_COUNT(returns));
  if (expect_return(0, 0, TRUE, 1, 0xdead) || expect_return(0, 0, TRUE, 0, pattern(0, 0))) return 1;
  /* Flushed: both pages are asked for again (this pager forgot the write). */
  if (expect_access(word(a, 0, 1), 0, 0, pattern(0, 1)) || expect_access(word(a, 1, 2), 0, 0, pattern(1, 2)))
    return 1;
  CHECK(PAGER_COUNT(requests) == 4, "%d data_requests for two pages flushed once", PAGER_COUNT(requests));
  (void)mach_port_destroy(mach_task_self(), reply);
  return unmap_last(a, 2);
}

/* lock_request with VM_PROT_NO_CHANGE (GNU Mach: leave each page's lock
 * as it is), neither returning nor flushing: only lock_completed. */
int scenario_lock_no_change(void) {
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 1), 1, 0xbeef, 0)) return 1;
  mach_port_t reply;
  CHECK(mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply) == KERN_SUCCESS, "reply port");
  kern_return_t kr = memory_object_lock_request(pager_log.control, 0, 2 * vm_page_size, MEMORY_OBJECT_RETURN_NONE,
                                                FALSE, VM_PROT_NO_CHANGE, reply);
  CHECK(kr == KERN_SUCCESS, "memory_object_lock_request: %d", kr);
  if (expect_lock_completed(reply, 0, 2 * vm_page_size)) return 1;
  /* Nothing changed: the page is still there, written and writable. */
  if (expect_access(word(a, 0, 1), 0, 0, 0xbeef) || expect_access(word(a, 0, 2), 1, 0xbeef, 0)) return 1;
  CHECK(PAGER_COUNT(requests) == 1 && PAGER_COUNT(unlocks) == 0 && PAGER_COUNT(returns) == 0,
        "requests %d unlocks %d returns %d after a lock_request that changes nothing", PAGER_COUNT(requests),
        PAGER_COUNT(unlocks), PAGER_COUNT(returns));
  (void)mach_port_destroy(mach_task_self(), reply);
  return unmap_last(a, 2);
}

/* A page supplied write-locked reads without asking; a write asks
 * data_unlock, and goes through once the pager's lock_request unlocks it. */
int scenario_unlock(void) {
  pager_lock_value[0] = VM_PROT_WRITE;
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 3), 0, 0, pattern(0, 3))) return 1;
  CHECK(PAGER_COUNT(unlocks) == 0, "a data_unlock for a read");
  if (expect_access(word(a, 0, 3), 1, 5, 0)) return 1;
  CHECK(PAGER_COUNT(unlocks) == 1, "%d data_unlocks for a write to a write-locked page", PAGER_COUNT(unlocks));
  CHECK(pager_log.unlock_offset == 0 && (pager_log.unlock_access & VM_PROT_WRITE),
        "data_unlock for offset %#lx access %d", (unsigned long)pager_log.unlock_offset, pager_log.unlock_access);
  if (expect_access(word(a, 0, 3), 0, 0, 5)) return 1;
  CHECK(PAGER_COUNT(requests) == 1, "%d data_requests for one page", PAGER_COUNT(requests));
  return unmap_last(a, 2);
}

/* The last unmap gives back the dirty page and the precious one (clean),
 * with their data, before memory_object_terminate; not the clean one. */
int scenario_returns(void) {
  pager_precious[1] = TRUE;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  if (expect_access(word(a, 0, 2), 1, 0xabc, 0) || expect_access(word(a, 1, 0), 0, 0, pattern(1, 0)) ||
      expect_access(word(a, 2, 0), 0, 0, pattern(2, 0)))
    return 1;
  CHECK(PAGER_COUNT(returns) == 0, "a data_return before the unmap");
  if (unmap_last(a, 4)) return 1;
  /* Same port, in order: the returns were served before terminate. */
  CHECK(PAGER_COUNT(returns) == 2, "%d data_returns for one dirty and one precious page", PAGER_COUNT(returns));
  const int dirty_first = pager_log.return_offset[0] == 0;
  if (expect_return(dirty_first ? 0 : 1, 0, TRUE, 2, 0xabc) || expect_return(dirty_first ? 1 : 0, 1, FALSE, 3, pattern(1, 3)))
    return 1;
  return 0;
}

/* vm_msync of a pager's memory: the dirty page goes back (data_return,
 * the kernel keeping it), not the clean one; written again and synced
 * with VM_SYNC_INVALIDATE it goes back and leaves, so the next read asks
 * the pager for it. */
int scenario_msync(void) {
  vm_address_t a;
  if (map(&a, 2, 0)) return 1;
  if (expect_access(word(a, 0, 3), 1, 0xf00d, 0) || expect_access(word(a, 1, 0), 0, 0, pattern(1, 0))) return 1;
  kern_return_t kr = vm_msync(mach_task_self(), a, 2 * vm_page_size, VM_SYNC_SYNCHRONOUS);
  CHECK(kr == KERN_SUCCESS, "vm_msync: %d", kr);
  CHECK(pager_wait(&pager_log.returns, 1, kWait), "no data_return of the dirty page");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(returns) == 1, "%d data_returns for one dirty page", PAGER_COUNT(returns));
  if (expect_return(0, 0, TRUE, 3, 0xf00d)) return 1;
  /* Still mapped and current; clean now: a second sync returns nothing. */
  if (expect_access(word(a, 0, 3), 0, 0, 0xf00d)) return 1;
  CHECK(vm_msync(mach_task_self(), a, 2 * vm_page_size, VM_SYNC_SYNCHRONOUS) == KERN_SUCCESS, "second vm_msync");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(returns) == 1, "%d data_returns after syncing clean pages", PAGER_COUNT(returns));
  if (expect_access(word(a, 0, 3), 1, 0xf00e, 0)) return 1;
  kr = vm_msync(mach_task_self(), a, vm_page_size, VM_SYNC_SYNCHRONOUS | VM_SYNC_INVALIDATE);
  CHECK(kr == KERN_SUCCESS, "vm_msync with VM_SYNC_INVALIDATE: %d", kr);
  CHECK(pager_wait(&pager_log.returns, 2, kWait), "no data_return of the page written again");
  if (expect_return(1, 0, TRUE, 3, 0xf00e)) return 1;
  const int requests = PAGER_COUNT(requests);
  if (expect_access(word(a, 0, 3), 0, 0, pattern(0, 3))) return 1;  /* this pager forgot the write */
  CHECK(PAGER_COUNT(requests) == requests + 1, "the invalidated page was not asked for again");
  return unmap_last(a, 2);
}

/* vm_msync of one range over ten mappings of the object (one page each,
 * the object's pages in reverse order so that no two entries merge), each
 * page written: every dirty page goes back, however many mappings and
 * pagers the range holds. */
int scenario_msync_many(void) {
  enum { kPages = 10 };
  vm_address_t a = 0;
  CHECK(vm_allocate(mach_task_self(), &a, kPages * vm_page_size, TRUE) == KERN_SUCCESS, "vm_allocate");
  CHECK(vm_deallocate(mach_task_self(), a, kPages * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  for (int i = 0; i < kPages; ++i) {
    vm_address_t at = a + i * vm_page_size;
    kern_return_t kr = vm_map(mach_task_self(), &at, vm_page_size, 0, FALSE, pager_object,
                              (kPages - 1 - i) * vm_page_size, FALSE, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL,
                              VM_INHERIT_NONE);
    CHECK(kr == KERN_SUCCESS && at == a + i * vm_page_size, "vm_map of page %d: %d", i, kr);
  }
  CHECK(pager_wait(&pager_log.inits, 1, kWait), "no memory_object_init after vm_map");
  for (int i = 0; i < kPages; ++i)
    if (expect_access(word(a, i, 1), 1, 0x600 + i, 0)) return 1;
  kern_return_t kr = vm_msync(mach_task_self(), a, kPages * vm_page_size, VM_SYNC_SYNCHRONOUS);
  CHECK(kr == KERN_SUCCESS, "vm_msync: %d", kr);
  CHECK(pager_wait(&pager_log.returns, kPages, kWait), "%d data_returns for %d dirty pages",
        PAGER_COUNT(returns), kPages);
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(returns) == kPages, "%d data_returns for %d dirty pages", PAGER_COUNT(returns), kPages);
  unsigned seen = 0;
  for (int n = 0; n < kPages; ++n) {
    const int page = (int)(pager_log.return_offset[n] / vm_page_size);
    CHECK(page >= 0 && page < kPages && !(seen & (1u << page)), "data_return %d of page %d", n, page);
    seen |= 1u << page;
    if (expect_return(n, page, TRUE, 1, 0x600 + (kPages - 1 - page))) return 1;
  }
  return unmap_last(a, kPages);
}

/* memory_object_destroy: memory_object_terminate comes at once, with the
 * object still mapped (the manual); a later fault on a page the kernel
 * lacks fails (EXC_BAD_ACCESS, KERN_MEMORY_ERROR), the pages it has stay
 * readable, and the last unmap terminates nothing more. */
int scenario_destroy(void) {
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  if (expect_access(word(a, 0, 0), 0, 0, pattern(0, 0))) return 1;
  kern_return_t kr = memory_object_destroy(pager_log.control, KERN_FAILURE);
  CHECK(kr == KERN_SUCCESS, "memory_object_destroy: %d", kr);
  /* The ports come back at once, mappings or not (the manual). */
  CHECK(pager_wait(&pager_log.terminates, 1, kWait), "no memory_object_terminate for a destroyed object");
  CHECK(pager_log.terminate_rights_received && pager_log.terminate_destroy == KERN_SUCCESS,
        "terminate's rights: received %d, destroyed %d", pager_log.terminate_rights_received,
        pager_log.terminate_destroy);
  struct probe p;
  CHECK(probe_start(&p, word(a, 2, 0), 0, 0) == KERN_SUCCESS, "probe_start");
  if (expect_memory_error(&p, kWait)) return 1;
  CHECK(PAGER_COUNT(requests) == 1, "%d data_requests after memory_object_destroy", PAGER_COUNT(requests));
  if (expect_access(word(a, 0, 1), 0, 0, pattern(0, 1))) return 1; /* what it had stays */
  CHECK(vm_deallocate(mach_task_self(), a, 4 * vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 1, "%d terminates for one destroyed object", PAGER_COUNT(terminates));
  return expect_clean_pager();
}

/* memory_object_destroy of an object only the cache holds (may_cache, no
 * mapping left): it ends there, with one memory_object_terminate. */
int scenario_destroy_cached(void) {
  pager_may_cache = TRUE;
  vm_address_t a;
  if (map(&a, 1, 0)) return 1;
  if (expect_access(word(a, 0, 0), 0, 0, pattern(0, 0))) return 1;
  CHECK(vm_deallocate(mach_task_self(), a, vm_page_size) == KERN_SUCCESS, "vm_deallocate");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 0, "a may_cache object terminated at its last unmap");
  kern_return_t kr = memory_object_destroy(pager_log.control, KERN_FAILURE);
  CHECK(kr == KERN_SUCCESS, "memory_object_destroy: %d", kr);
  CHECK(pager_wait(&pager_log.terminates, 1, kWait), "no memory_object_terminate for a destroyed cached object");
  pager_pause(kQuiet);
  CHECK(PAGER_COUNT(terminates) == 1, "%d terminates for one destroyed object", PAGER_COUNT(terminates));
  return expect_clean_pager();
}
