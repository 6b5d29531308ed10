/* tests/programs/touch.c: touch ADDRESS COUNT [r|w]
 * Reads (r) or writes (w, the default) the first word of COUNT pages from
 * ADDRESS (hex) up, each a fresh page the kernel must fault in, then checks
 * every value it wrote and says so. */
#include "umach_task.h"

static uintptr_t parse_hex(const char* s) {
  uintptr_t v = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  for (; *s; ++s) {
    int d = (*s >= '0' && *s <= '9') ? *s - '0' : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + (uintptr_t)d;
  }
  return v;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    mach_print("usage: touch ADDRESS COUNT [r|w]\n");
    return 1;
  }
  volatile unsigned long* base = (volatile unsigned long*)parse_hex(argv[1]);
  unsigned long count = parse_hex(argv[2]);
  int write = !(argc > 3 && argv[3][0] == 'r');
  unsigned long sum = 0;
  for (unsigned long i = 0; i < count; ++i) {
    volatile unsigned long* word = base + i * (4096 / sizeof(unsigned long));
    if (write)
      *word = i + 1;
    else
      sum += *word;
  }
  for (unsigned long i = 0; write && i < count; ++i)
    if (base[i * (4096 / sizeof(unsigned long))] != i + 1) {
      mach_print("touch: wrong value\n");
      return 1;
    }
  mach_print(sum == 0 ? "touch: ok\n" : "touch: read garbage\n");
  return 0;
}
