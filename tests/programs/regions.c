/* tests/programs/regions.c: regions [COUNT]
 * Gives its map a little of everything the VM draws (vm/dot.h): allocates
 * COUNT pages (hex, default 4) anywhere, writes each, copies the first half
 * over the second with vm_copy (the source is then copy-on-write), writes
 * the first page again, makes the last page read-only, checks what each
 * page holds and says so. `umach --vm-dot=FILE --run` draws its map. */
#include <mach.h>
#include <mach_init.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  unsigned long count = argc > 1 ? strtoul(argv[1], 0, 16) : 4;
  if (count < 2) count = 2;
  unsigned long half = count / 2, step = vm_page_size / sizeof(unsigned long);
  vm_address_t at = 0;
  if (vm_allocate(mach_task_self(), &at, count * vm_page_size, TRUE) != KERN_SUCCESS) {
    printf("regions: vm_allocate failed\n");
    return 1;
  }
  volatile unsigned long* base = (volatile unsigned long*)at;
  for (unsigned long i = 0; i < count; ++i) base[i * step] = i + 1;
  if (vm_copy(mach_task_self(), at, half * vm_page_size, at + half * vm_page_size) != KERN_SUCCESS) {
    printf("regions: vm_copy failed\n");
    return 1;
  }
  base[0] = 100;
  if (vm_protect(mach_task_self(), at + (count - 1) * vm_page_size, vm_page_size, FALSE, VM_PROT_READ) !=
      KERN_SUCCESS) {
    printf("regions: vm_protect failed\n");
    return 1;
  }
  for (unsigned long i = 0; i < count; ++i) {
    unsigned long want = i == 0 ? 100 : i < half || i >= 2 * half ? i + 1 : i - half + 1;
    if (base[i * step] != want) {
      printf("regions: wrong value at page %lu\n", i);
      return 1;
    }
  }
  printf("regions: ok\n");
  return 0;
}
