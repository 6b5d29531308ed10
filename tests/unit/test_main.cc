// tests/unit/test_main.cc: boots the hosted kernel core once (64 MiB of
// physical memory, CPU 0 on the main thread), then runs the suites.
#include <gtest/gtest.h>

#include <umach/backend.h>

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // Death tests fork; "threadsafe" re-executes the binary, which then boots again.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  umach::hosted::set_console_fd(2);
  umach::hosted::boot_for_tests(size_t{64} << 20);
  return RUN_ALL_TESTS();
}
