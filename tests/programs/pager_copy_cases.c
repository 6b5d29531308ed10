/* tests/programs/pager_copy_cases.c: the pager scenarios about copies of
 * a pager's memory by the strategy it declared (pager_cases.c lists them
 * all): COPY_CALL (memory_object_copy) and COPY_NONE. */
#include "pager_checks.h"

/* A page of the caller's with `value` in word 1, sent with
 * memory_object_data_supply to `control` at `offset`. */
static kern_return_t supply_word(mach_port_t control, vm_offset_t offset, uint64_t value) {
  vm_address_t data = 0;
  kern_return_t kr = vm_allocate(mach_task_self(), &data, vm_page_size, TRUE);
  if (kr != KERN_SUCCESS) return kr;
  ((volatile uint64_t*)data)[1] = value;
  kr = memory_object_data_supply(control, offset, data, (mach_msg_type_number_t)vm_page_size, TRUE, VM_PROT_NONE,
                                 FALSE, MACH_PORT_NULL);
  if (kr != KERN_SUCCESS) (void)vm_deallocate(mach_task_self(), data, vm_page_size);
  return kr;
}

static uint64_t copy_pattern(int page, int index) {
  return pager_copy_pattern(page * vm_page_size + index * sizeof(uint64_t));
}

/* COPY_CALL: vm_read of 4 pages of the object (page 0 written, page 1
 * read, pages 2 and 3 never touched) makes a copy the pager hears of
 * (memory_object_copy, then init on the new object's port). The copy's
 * pages come from the copy's pager first: data_unavailable reads through
 * to the source (page 0 as written; page 2 asked of the source's pager),
 * a supply gives its own data (page 1). The source's pages are locked
 * against writes: a write asks data_unlock, and the pager keeps the
 * copy's data (a supply to the copy) before it unlocks; the copy then
 * shows its own page, not the new write. Freeing the copy terminates its
 * object. vm_map with copy = TRUE makes a copy the same way. */
int scenario_copy_call(void) {
  pager_copy_strategy = MEMORY_OBJECT_COPY_CALL;
  pager_accept_copies = 1;
  pager_grant_unlock = 0;
  pager_copy_answer[1] = kAnswerSupply;
  vm_address_t a;
  if (map(&a, 4, 0)) return 1;
  if (expect_access(word(a, 0, 1), 1, 0xaaaa, 0) || expect_access(word(a, 1, 1), 0, 0, pattern(1, 1))) return 1;

  vm_offset_t copy = 0;
  mach_msg_type_number_t count = 0;
  kern_return_t kr = vm_read(mach_task_self(), a, 4 * vm_page_size, &copy, &count);
  CHECK(kr == KERN_SUCCESS && count == 4 * vm_page_size, "vm_read: %d, %u bytes", kr, count);
  CHECK(pager_wait(&pager_log.copy_inits, 1, kWait), "no memory_object_init for the copy (%d copies)",
        PAGER_COUNT(copies));
  CHECK(PAGER_COUNT(copies) == 1 && pager_log.copy_offset == 0 && pager_log.copy_length == 4 * vm_page_size &&
            pager_log.copy_control_same,
        "memory_object_copy: %d of them, offset %#lx length %#lx, control %s", PAGER_COUNT(copies),
        (unsigned long)pager_log.copy_offset, (unsigned long)pager_log.copy_length,
        pager_log.copy_control_same ? "init's" : "another");

  /* The copy's pages, each asked of the copy's pager first. */
  if (expect_access(word(copy, 0, 1), 0, 0, 0xaaaa) || expect_access(word(copy, 1, 1), 0, 0, copy_pattern(1, 1)) ||
      expect_access(word(copy, 2, 1), 0, 0, pattern(2, 1)))
    return 1;
  CHECK(PAGER_COUNT(copy_requests) == 3, "%d data_requests on the copy for 3 pages", PAGER_COUNT(copy_requests));
  CHECK(PAGER_COUNT(requests) == 3 && pager_log.request_offset[2] == 2 * vm_page_size,
        "%d data_requests on the source (the third for %#lx): page 2 should have been asked for once",
        PAGER_COUNT(requests), (unsigned long)pager_log.request_offset[2]);
  /* Read again: nothing more is asked (the pages the copy reads through to stay). */
  if (expect_access(word(copy, 0, 2), 0, 0, pattern(0, 2))) return 1;
  CHECK(PAGER_COUNT(copy_requests) == 3, "a page read through was asked for again");

  /* A write to the source's page 0 waits for the pager. */
  struct probe p;
  CHECK(probe_start(&p, word(a, 0, 1), 1, 0xbbbb) == KERN_SUCCESS, "probe_start");
  CHECK(pager_wait(&pager_log.unlocks, 1, kWait), "no data_unlock for a write to a page copied");
  CHECK(pager_log.unlock_offset == 0 && (pager_log.unlock_access & VM_PROT_WRITE), "data_unlock of %#lx for %d",
        (unsigned long)pager_log.unlock_offset, pager_log.unlock_access);
  CHECK(probe_wait(&p, kQuiet) == kProbePending, "the write went through before the pager unlocked the page");
  /* The pager keeps the copy's data (here: a page of its own), then unlocks. */
  CHECK(supply_word(pager_log.copy_control, 0, 0xcccc) == KERN_SUCCESS, "supply to the copy");
  kr = memory_object_lock_request(pager_log.control, 0, vm_page_size, MEMORY_OBJECT_RETURN_NONE, FALSE, VM_PROT_NONE,
                                  MACH_PORT_NULL);
  CHECK(kr == KERN_SUCCESS, "memory_object_lock_request: %d", kr);
  CHECK(probe_wait(&p, kWait) == kProbeDone, "the write did not go on once unlocked");
  probe_end(&p);
  if (expect_access(word(a, 0, 1), 0, 0, 0xbbbb) || expect_access(word(copy, 0, 1), 0, 0, 0xcccc)) return 1;

  CHECK(vm_deallocate(mach_task_self(), copy, 4 * vm_page_size) == KERN_SUCCESS, "vm_deallocate of the copy");
  CHECK(pager_wait(&pager_log.copy_terminates, 1, kWait), "no memory_object_terminate for the copy");

  /* vm_map with copy = TRUE copies by the same strategy: a second copy. */
  vm_address_t mapped = 0;
  kr = vm_map(mach_task_self(), &mapped, vm_page_size, 0, TRUE, pager_object, vm_page_size, TRUE,
              VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE);
  CHECK(kr == KERN_SUCCESS, "vm_map with copy: %d", kr);
  CHECK(pager_wait(&pager_log.copy_inits, 2, kWait), "no init for the second copy");
  CHECK(pager_log.copy_offset == vm_page_size && pager_log.copy_length == vm_page_size,
        "second memory_object_copy: offset %#lx length %#lx", (unsigned long)pager_log.copy_offset,
        (unsigned long)pager_log.copy_length);
  if (expect_access(word(mapped, 0, 3), 0, 0, pattern(1, 3))) return 1;
  CHECK(vm_deallocate(mach_task_self(), mapped, vm_page_size) == KERN_SUCCESS, "vm_deallocate of the second copy");
  CHECK(pager_wait(&pager_log.copy_terminates, 2, kWait), "no memory_object_terminate for the second copy");
  if (expect_clean_pager()) return 1;
  return unmap_last(a, 4);
}

/* COPY_NONE: vm_read copies the pages at once, the ones the object lacks
 * asked for first; the source's later writes do not reach the copy, and
 * the copy asks the pager nothing. */
int scenario_copy_none(void) {
  pager_copy_strategy = MEMORY_OBJECT_COPY_NONE;
  vm_address_t a;
  if (map(&a, 3, 0)) return 1;
  if (expect_access(word(a, 0, 1), 1, 0xaaaa, 0)) return 1;
  vm_offset_t copy = 0;
  mach_msg_type_number_t count = 0;
  kern_return_t kr = vm_read(mach_task_self(), a, 3 * vm_page_size, &copy, &count);
  CHECK(kr == KERN_SUCCESS && count == 3 * vm_page_size, "vm_read: %d, %u bytes", kr, count);
  CHECK(PAGER_COUNT(requests) == 3, "%d data_requests: the copy should have asked for pages 1 and 2",
        PAGER_COUNT(requests));
  if (expect_access(word(a, 0, 1), 1, 0xbbbb, 0) || expect_access(word(a, 2, 1), 1, 0xdddd, 0)) return 1;
  if (expect_access(word(copy, 0, 1), 0, 0, 0xaaaa) || expect_access(word(copy, 1, 1), 0, 0, pattern(1, 1)) ||
      expect_access(word(copy, 2, 1), 0, 0, pattern(2, 1)))
    return 1;
  CHECK(PAGER_COUNT(requests) == 3 && PAGER_COUNT(copies) == 0 && PAGER_COUNT(unexpected) == 0,
        "requests %d copies %d unexpected %d", PAGER_COUNT(requests), PAGER_COUNT(copies), PAGER_COUNT(unexpected));
  CHECK(vm_deallocate(mach_task_self(), copy, 3 * vm_page_size) == KERN_SUCCESS, "vm_deallocate of the copy");
  if (expect_clean_pager()) return 1;
  return unmap_last(a, 3);
}
