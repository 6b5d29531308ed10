/* tests/programs/pager_bench.c: pager_bench COUNT
 * The task program BM_PagerFault times (bench/vm_bench.cc): a pager thread
 * serves a memory object (MIG's memory_object_server), answering each
 * memory_object_data_request with memory_object_data_supply of one page it
 * filled once; the main thread maps COUNT pages (hex, 0x optional) of the
 * object and reads the first word of each, every read a fault the pager
 * serves: the kernel's data_request, a switch to the pager, its
 * data_supply, a switch back. Then it checks the words, unmaps (the kernel
 * sends memory_object_terminate) and says "pager_bench: ok". */
#include <mach.h>
#include <mach_init.h>
#include <mach/memory_object_server.h>
#include <mach/thread_switch.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../examples/thread_start.h"

static mach_port_t object;   /* receive right and a send right */
static vm_address_t page;    /* what every data_supply hands over */
static volatile int terminated;

kern_return_t memory_object_init(mach_port_t mo, mach_port_t control, mach_port_t name, vm_size_t page_size) {
  (void)mo;
  (void)name;
  (void)page_size;
  return memory_object_ready(control, FALSE, MEMORY_OBJECT_COPY_DELAY);
}

kern_return_t memory_object_data_request(mach_port_t mo, mach_port_t control, vm_offset_t offset, vm_size_t length,
                                         vm_prot_t access) {
  (void)mo;
  (void)access;
  /* Not deallocated: the kernel copies the page in, the pager keeps it. */
  return memory_object_data_supply(control, offset, page, length < vm_page_size ? length : vm_page_size, FALSE,
                                   VM_PROT_NONE, FALSE, MACH_PORT_NULL);
}

kern_return_t memory_object_terminate(mach_port_t mo, mach_port_t control, mach_port_t name) {
  (void)mo;
  mach_port_destroy(mach_task_self(), control);
  mach_port_destroy(mach_task_self(), name);
  terminated = 1;
  return KERN_SUCCESS;
}

/* Never sent here: no copies, no locks, nothing paged out. */
kern_return_t memory_object_copy(mach_port_t a, mach_port_t b, vm_offset_t c, vm_size_t d, mach_port_t e) {
  (void)a, (void)b, (void)c, (void)d, (void)e;
  return KERN_FAILURE;
}
kern_return_t memory_object_data_unlock(mach_port_t a, mach_port_t b, vm_offset_t c, vm_size_t d, vm_prot_t e) {
  (void)a, (void)b, (void)c, (void)d, (void)e;
  return KERN_FAILURE;
}
kern_return_t memory_object_lock_completed(mach_port_t a, mach_port_t b, vm_offset_t c, vm_size_t d) {
  (void)a, (void)b, (void)c, (void)d;
  return KERN_FAILURE;
}
kern_return_t memory_object_supply_completed(mach_port_t a, mach_port_t b, vm_offset_t c, vm_size_t d,
                                             kern_return_t e, vm_offset_t f) {
  (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
  return KERN_FAILURE;
}
kern_return_t memory_object_data_return(mach_port_t a, mach_port_t b, vm_offset_t c, vm_offset_t d,
                                        mach_msg_type_number_t e, boolean_t f, boolean_t g) {
  (void)a, (void)b, (void)c, (void)f, (void)g;
  vm_deallocate(mach_task_self(), d, e);
  return KERN_SUCCESS;
}
kern_return_t memory_object_change_completed(mach_port_t a, boolean_t b, memory_object_copy_strategy_t c) {
  (void)a, (void)b, (void)c;
  return KERN_FAILURE;
}

static void serve(long unused) {
  (void)unused;
  mach_msg_server(memory_object_server, 8192, object);
  thread_terminate(mach_thread_self());
}

int main(int argc, char **argv) {
  if (argc < 2) {
    printf("usage: pager_bench COUNT\n");
    return 1;
  }
  const unsigned long count = strtoul(argv[1], 0, 16);
  if (vm_allocate(mach_task_self(), &page, vm_page_size, TRUE) != KERN_SUCCESS ||
      mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &object) != KERN_SUCCESS ||
      mach_port_insert_right(mach_task_self(), object, object, MACH_MSG_TYPE_MAKE_SEND) != KERN_SUCCESS) {
    printf("pager_bench: setup failed\n");
    return 1;
  }
  *(volatile unsigned long *)page = 0x5eed;
  thread_t server;
  vm_address_t stack;
  if (start_thread(serve, 0, &server, &stack) != KERN_SUCCESS) {
    printf("pager_bench: no thread\n");
    return 1;
  }
  vm_address_t at = 0;
  kern_return_t kr = vm_map(mach_task_self(), &at, count * vm_page_size, 0, TRUE, object, 0, FALSE, VM_PROT_READ,
                            VM_PROT_READ, VM_INHERIT_NONE);
  if (kr != KERN_SUCCESS) {
    printf("pager_bench: vm_map: %d\n", kr);
    return 1;
  }
  unsigned long bad = 0;
  for (unsigned long i = 0; i < count; ++i)
    bad += *(volatile unsigned long *)(at + i * vm_page_size) != 0x5eed;
  vm_deallocate(mach_task_self(), at, count * vm_page_size);
  for (int i = 0; i < 1000 && !terminated; ++i) thread_switch(MACH_PORT_NULL, SWITCH_OPTION_DEPRESS, 1);
  printf(bad == 0 && terminated ? "pager_bench: ok\n" : "pager_bench: %lu bad pages, terminated %d\n", bad,
         terminated);
  return 0;
}
