/* tests/programs/pager_checks.h: the checks the pager scenarios
 * (pager_cases.c, pager_data_cases.c) are written with. Each returns 0 if
 * what it checks held; else it has printed "SCENARIO: failed: " and why,
 * and returns 1, which the scenario returns at once (the task then ends
 * with whatever is still waiting). Every wait has a limit. */
#ifndef UMACH_TESTS_PAGER_CHECKS_H
#define UMACH_TESTS_PAGER_CHECKS_H

#include <mach.h>
#include <stdint.h>

#include "pager_harness.h"

enum {
  kWait = 3000, /* ms for what must happen */
  kQuiet = 50,  /* ms in which what must not happen would have */
};

/* The scenario running, for its lines. */
extern const char* g_scenario;

/* Prints "SCENARIO: failed: " and the formatted reason; returns 1. */
int fail(const char* format, ...) __attribute__((__format__(__printf__, 1, 2)));

#define CHECK(cond, ...)              \
  do {                                \
    if (!(cond)) return fail(__VA_ARGS__); \
  } while (0)

/* Word `index` of page `page` of a mapping that starts at `base`, and what
 * the pager's pattern puts there (for a mapping of the object from 0). */
volatile uint64_t* word(vm_address_t base, int page, int index);
uint64_t pattern(int page, int index);
int last_word(void);

/* Maps `pages` pages of the object from page `first` and waits until the
 * object has been initialised (its first mapping). */
int map(vm_address_t* address, int pages, int first);
/* A probe that reads (write = 0) `expected`, or writes `value`, and must finish. */
int expect_access(volatile uint64_t* address, int write, uint64_t value, uint64_t expected);
/* A started probe whose access must raise EXC_BAD_ACCESS (KERN_MEMORY_ERROR) at its address. */
int expect_memory_error(struct probe* p, unsigned ms);
/* Data_request n was for `page`, one page long. */
int expect_request(int n, int page);
/* Data_return n was of `page`, dirty or not, its word `index` `value`. */
int expect_return(int n, int page, boolean_t dirty, int index, uint64_t value);
/* Lock_completed arrives on `reply` for [offset, offset + length). */
int expect_lock_completed(mach_port_t reply, vm_offset_t offset, vm_size_t length);
/* Nothing went wrong on the pager's side so far. */
int expect_clean_pager(void);
/* Unmaps the object's last mapping: memory_object_terminate must follow,
 * with receive rights for the control and name ports init gave. */
int unmap_last(vm_address_t address, int pages);
/* Maps 2 pages and starts a probe on page 0, whose pager never answers;
 * returns once its fault waits. */
int start_unanswered(vm_address_t* a, struct probe* p);

#endif
