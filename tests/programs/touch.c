/* tests/programs/touch.c: touch ADDRESS COUNT [r|w][n]
 * Allocates COUNT pages at ADDRESS with vm_allocate (unless `n`: then the
 * pages are touched unallocated, which must end the thread), then reads
 * (r) or writes (w, the default) the first word of each page (both hex, 0x
 * optional), each a fresh page the kernel must fault in, then checks every
 * value it wrote and says so. */
#include <mach.h>
#include <mach_init.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    printf("usage: touch ADDRESS COUNT [r|w]\n");
    return 1;
  }
  unsigned long step = vm_page_size / sizeof(unsigned long);
  volatile unsigned long* base = (volatile unsigned long*)strtoul(argv[1], 0, 16);
  unsigned long count = strtoul(argv[2], 0, 16);
  int write = !(argc > 3 && strchr(argv[3], 'r'));
  if (!(argc > 3 && strchr(argv[3], 'n'))) {
    vm_address_t at = (vm_address_t)base;
    /* Outside the task's memory this fails, and the touch below faults. */
    (void)vm_allocate(mach_task_self(), &at, count * vm_page_size, 0);
  }
  unsigned long sum = 0;
  for (unsigned long i = 0; i < count; ++i) {
    volatile unsigned long* word = base + i * step;
    if (write)
      *word = i + 1;
    else
      sum += *word;
  }
  for (unsigned long i = 0; write && i < count; ++i)
    if (base[i * step] != i + 1) {
      printf("touch: wrong value at page %lu\n", i);
      return 1;
    }
  printf(sum == 0 ? "touch: ok\n" : "touch: read garbage\n");
  return 0;
}
