/* tests/programs/trapper.c: trapper COUNT
 * Makes COUNT null traps (trap slot 1: KERN_INVALID_ARGUMENT, nothing else)
 * and checks each answer; for timing the trap path. */
#include "umach_task.h"

int main(int argc, char** argv) {
  unsigned long count = 0;
  for (const char* s = argc > 1 ? argv[1] : "0"; *s >= '0' && *s <= '9'; ++s) count = count * 10 + (unsigned long)(*s - '0');
  for (unsigned long i = 0; i < count; ++i)
    if (umach_null_trap() != 4 /* KERN_INVALID_ARGUMENT */) {
      mach_print("trapper: wrong answer\n");
      return 1;
    }
  mach_print("trapper: done\n");
  return 0;
}
