/* tests/programs/cow.c: cow OBJECT COUNT
 * Maps the first COUNT pages of the memory object whose send right is named
 * OBJECT copy-on-write (vm_map with copy; both hex, 0x optional), writes the
 * first word of each page (each a write fault on a copy-on-write page: the
 * kernel copies the page before the write lands), then checks that each
 * page kept the object's second word (whoever made the object put i + 1
 * there in page i) and holds what it wrote, and says so. The object itself
 * must not change: its maker checks. BM_CowFault runs it. */
#include <mach.h>
#include <mach_init.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    printf("usage: cow OBJECT COUNT\n");
    return 1;
  }
  mach_port_t object = (mach_port_t)strtoul(argv[1], 0, 16);
  unsigned long count = strtoul(argv[2], 0, 16);
  vm_address_t at = 0;
  kern_return_t kr = vm_map(mach_task_self(), &at, count * vm_page_size, 0, TRUE, object, 0, TRUE,
                            VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY);
  if (kr != KERN_SUCCESS) {
    printf("cow: vm_map failed (%d)\n", kr);
    return 1;
  }
  unsigned long step = vm_page_size / sizeof(unsigned long);
  volatile unsigned long* base = (volatile unsigned long*)at;
  for (unsigned long i = 0; i < count; ++i) base[i * step] = ~i;
  for (unsigned long i = 0; i < count; ++i)
    if (base[i * step] != ~i || base[i * step + 1] != i + 1) {
      printf("cow: wrong value at page %lu\n", i);
      return 1;
    }
  printf("cow: ok\n");
  return 0;
}
