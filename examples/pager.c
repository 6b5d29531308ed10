/* examples/pager.c: an external pager whose memory is computed on demand.
 *
 * In Mach, memory need not come from the kernel: any task can be the
 * "memory manager" (pager) of a memory object. The object is just a port
 * the pager holds the receive right of; a task maps it with vm_map like
 * any memory. The kernel keeps the pages it has in its cache, and when a
 * thread touches one it does not have, it asks the pager for it with a
 * message (memory_object.defs) and makes the thread wait for the answer:
 *
 *   kernel -> pager  memory_object_init(object, control, name, page size)
 *                    once, when the object is first mapped. `control` is
 *                    the kernel's port for this object: the pager answers
 *                    through it.
 *   pager -> kernel  memory_object_ready(control, may_cache, copy strategy)
 *                    faults wait until the pager says it is ready.
 *   kernel -> pager  memory_object_data_request(object, control, offset,
 *                    length, access) on a fault on a page it lacks.
 *   pager -> kernel  memory_object_data_supply(control, offset, data, ...)
 *                    the page, out of line; the faulting thread goes on.
 *                    (Or memory_object_data_unavailable: zeros; or
 *                    memory_object_data_error: the thread gets an
 *                    EXC_BAD_ACCESS exception.)
 *   kernel -> pager  memory_object_terminate(object, control, name) when
 *                    the object's last mapping goes; the pager gets the
 *                    receive rights of control and name, to destroy.
 *
 * Here a pager thread serves an object whose page n holds, in its 64-bit
 * word i, the number n * 1000000 + i: nothing is stored, every page is
 * computed when the kernel asks for it. The main thread maps 8 pages,
 * reads a few words out of order (the pager says which page it was asked
 * for), reads a page it has already touched (no request: the kernel has
 * it), unmaps, and waits for the pager to see memory_object_terminate.
 * The pager's requests are MIG's: memory_object_server decodes them and
 * calls the memory_object_* functions below.
 *
 * Run it: umach run pager */
#include <mach.h>
#include <mach/memory_object_server.h>
#include <mach_init.h>
#include <stdint.h>
#include <stdio.h>

#include "thread_start.h"

enum { kPages = 8 };

static volatile int g_requests; /* data_requests the pager served */

/* What word i of page n of our object holds. */
static uint64_t computed_word(vm_offset_t page, vm_offset_t i) { return page * 1000000 + i; }

/* ---- The pager: MIG's memory_object_server calls these ---- */

kern_return_t memory_object_init(mach_port_t object, mach_port_t control, mach_port_t name, vm_size_t page_size) {
  (void)object, (void)name, (void)page_size;
  /* may_cache FALSE: the kernel drops the object (and tells us, with
   * memory_object_terminate) as soon as nobody maps it, rather than keep
   * its pages for a later vm_map. COPY_DELAY: copies of the memory (a
   * vm_map with copy, a fork) are the kernel's business, copy on write. */
  return memory_object_ready(control, FALSE, MEMORY_OBJECT_COPY_DELAY);
}

kern_return_t memory_object_data_request(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                         vm_size_t length, vm_prot_t access) {
  (void)object, (void)access;
  printf("pager: data_request for page %lu\n", (unsigned long)(offset / vm_page_size));
  /* Counted before the answer: once the page is supplied, the faulting
   * thread may run on another CPU at once. */
  ++g_requests;
  /* Compute the pages into memory of our own... */
  vm_address_t data = 0;
  kern_return_t kr = vm_allocate(mach_task_self(), &data, length, TRUE);
  if (kr == KERN_SUCCESS) {
    uint64_t* words = (uint64_t*)data;
    const vm_size_t per_page = vm_page_size / sizeof *words;
    for (vm_size_t i = 0; i < length / sizeof *words; ++i)
      words[i] = computed_word(offset / vm_page_size + i / per_page, i % per_page);
    /* ...and hand them over, out of line with dealloc: they leave our
     * address space and become the object's pages. No reply wanted. */
    kr = memory_object_data_supply(control, offset, data, (mach_msg_type_number_t)length, TRUE, VM_PROT_NONE,
                                   FALSE, MACH_PORT_NULL);
  }
  if (kr != KERN_SUCCESS) (void)memory_object_data_error(control, offset, length, kr);
  /* Each request brought another send right for control (init's is the
   * one we keep). */
  (void)mach_port_deallocate(mach_task_self(), control);
  return KERN_SUCCESS;
}

kern_return_t memory_object_terminate(mach_port_t object, mach_port_t control, mach_port_t name) {
  printf("pager: memory_object_terminate: destroying the object's ports\n");
  (void)mach_port_destroy(mach_task_self(), control);
  (void)mach_port_destroy(mach_task_self(), name);
  /* We serve no other object: destroying its port ends the server loop. */
  (void)mach_port_destroy(mach_task_self(), object);
  return KERN_SUCCESS;
}

/* The rest of the interface: this pager never asks for what would bring
 * them (lock requests, supply replies, attribute changes) and keeps no
 * dirty data, so it refuses them; mach_msg_server then frees what each
 * request carried. */
kern_return_t memory_object_copy(mach_port_t old_object, mach_port_t old_control, vm_offset_t offset,
                                 vm_size_t length, mach_port_t new_object) {
  (void)old_object, (void)old_control, (void)offset, (void)length, (void)new_object;
  return KERN_FAILURE;
}
kern_return_t memory_object_data_unlock(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_size_t length, vm_prot_t access) {
  (void)object, (void)control, (void)offset, (void)length, (void)access;
  return KERN_FAILURE;
}
kern_return_t memory_object_lock_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
                                           vm_size_t length) {
  (void)reply, (void)control, (void)offset, (void)length;
  return KERN_FAILURE;
}
kern_return_t memory_object_supply_completed(mach_port_t reply, mach_port_t control, vm_offset_t offset,
                                             vm_size_t length, kern_return_t result, vm_offset_t error_offset) {
  (void)reply, (void)control, (void)offset, (void)length, (void)result, (void)error_offset;
  return KERN_FAILURE;
}
kern_return_t memory_object_data_return(mach_port_t object, mach_port_t control, vm_offset_t offset,
                                        vm_offset_t data, mach_msg_type_number_t size, boolean_t dirty,
                                        boolean_t kernel_copy) {
  (void)object, (void)control, (void)offset, (void)data, (void)size, (void)dirty, (void)kernel_copy;
  return KERN_FAILURE;
}
kern_return_t memory_object_change_completed(mach_port_t reply, boolean_t may_cache,
                                             memory_object_copy_strategy_t strategy) {
  (void)reply, (void)may_cache, (void)strategy;
  return KERN_FAILURE;
}

/* The pager thread: serves the object's port until it is destroyed, then
 * tells the main thread on `done` (a send right) and ends. */
static mach_port_t g_object, g_done;

static void pager(long unused) {
  (void)unused;
  (void)mach_msg_server(memory_object_server, 0, g_object);
  mach_msg_header_t m = {0};
  m.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
  m.msgh_size = sizeof m;
  m.msgh_remote_port = g_done;
  (void)mach_msg(&m, MACH_SEND_MSG, sizeof m, 0, MACH_PORT_NULL, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  (void)thread_terminate(mach_thread_self());
}

/* Reads word i of page n of the mapping and says what it found. */
static int show(vm_address_t base, vm_offset_t n, vm_offset_t i) {
  const volatile uint64_t* word = (const volatile uint64_t*)(base + n * vm_page_size) + i;
  const uint64_t value = *word; /* a fault, the first time on each page */
  printf("main: page %lu, word %lu holds %lu\n", (unsigned long)n, (unsigned long)i, (unsigned long)value);
  return value == computed_word(n, i);
}

int main(void) {
  const mach_port_t self = mach_task_self();

  /* The memory object is a port of ours; vm_map takes a send right. */
  if (mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_object) != KERN_SUCCESS ||
      mach_port_insert_right(self, g_object, g_object, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS ||
      mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &g_done) != KERN_SUCCESS ||
      mach_port_insert_right(self, g_done, g_done, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS)
    return 1;
  thread_t pager_thread;
  vm_address_t pager_stack;
  if (start_thread(pager, 0, &pager_thread, &pager_stack) != KERN_SUCCESS) return 1;

  /* Map it: 8 pages anywhere, shared (copy FALSE: we see the pager's
   * pages themselves), read/write. The kernel sends memory_object_init. */
  vm_address_t base = 0;
  kern_return_t kr = vm_map(self, &base, kPages * vm_page_size, 0, TRUE, g_object, 0, FALSE,
                            VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_NONE);
  printf("main: vm_map of the pager's port, %d pages: %s\n", kPages, kr == KERN_SUCCESS ? "ok" : "failed");
  if (kr != KERN_SUCCESS) return 1;
  /* Each first touch of a page waits for the pager; the second read of
   * page 2 finds it in the kernel's cache. */
  int right = show(base, 5, 7);
  right += show(base, 2, 0);
  right += show(base, 7, 100);
  right += show(base, 2, 1);
  right += show(base, 0, 42);
  printf("main: %d of 5 words as computed; the pager served %d data requests\n", right, g_requests);

  /* The last mapping goes: the kernel terminates the object, the pager
   * destroys its ports and its thread tells us it is done. */
  printf("main: unmapping\n");
  (void)vm_deallocate(self, base, kPages * vm_page_size);
  mach_msg_header_t m;
  (void)mach_msg(&m, MACH_RCV_MSG, 0, sizeof m, g_done, MACH_MSG_TIMEOUT_NONE, MACH_PORT_NULL);
  printf("main: the pager is done\n");

  (void)thread_terminate(pager_thread); /* ended already, or about to */
  (void)mach_port_deallocate(self, pager_thread);
  (void)vm_deallocate(self, pager_stack, kThreadStackPages * vm_page_size);
  (void)mach_port_destroy(self, g_done);
  return right == 5 && g_requests == 4 ? 0 : 1;
}
