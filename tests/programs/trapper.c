/* tests/programs/trapper.c: trapper COUNT
 * Makes COUNT null traps (trap slot 1: KERN_INVALID_ARGUMENT, nothing else)
 * and checks each answer; for timing the trap path. */
#include <mach/kern_return.h>
#include <stdio.h>
#include <stdlib.h>
#include <umach/task_runtime.h>

int main(int argc, char** argv) {
  unsigned long count = argc > 1 ? strtoul(argv[1], 0, 10) : 0;
  for (unsigned long i = 0; i < count; ++i) {
    kern_return_t kr = umach_null_trap();
    if (kr != KERN_INVALID_ARGUMENT) {
      printf("trapper: wrong answer %d at call %lu\n", kr, i);
      return 1;
    }
  }
  printf("trapper: done\n");
  return 0;
}
