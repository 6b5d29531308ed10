/* tests/programs/touch.c: touch ADDRESS COUNT [r|w]
 * Reads (r) or writes (w, the default) the first word of COUNT pages from
 * ADDRESS up (both hex, 0x optional), each a fresh page the kernel must
 * fault in, then checks every value it wrote and says so. */
#include <mach_init.h>
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
  int write = !(argc > 3 && argv[3][0] == 'r');
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
