/* tests/programs/hello.c: prints through the mach_print trap. The table of
 * pointers needs relative relocations, so running it proves the loader
 * applied them. Four separate mach_print calls, on purpose: the loader's
 * test (tests/hosted/loader_test.cc) checks each string it receives. */
#include <mach/mach_traps.h>

static const char* const lines[] = {"hello from a task program\n", "argv[0]: ", "\n"};

int main(int argc, char** argv) {
  /* Read through a volatile pointer, so the compiler cannot fold the table
   * away and its pointers stay relocated data. */
  const char* const* volatile table = lines;
  mach_print(table[0]);
  if (argc > 0) {
    mach_print(table[1]);
    mach_print(argv[0]);
    mach_print(table[2]);
  }
  return 0;
}
