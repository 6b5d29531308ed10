// tests/unit/test_main.cc: boots the hosted kernel core once (64 MiB of
// physical memory), then runs the suites with a leak audit around every
// test: a test that leaves a kernel object in any zone, or a physical page,
// behind fails the run.
//
// UMACH_TEST_VCPUS (set per test binary) says what runs the kernel:
//   0: nothing; the main thread stays CPU 0 and tests call the core directly;
//   N: the scheduler runs on N vCPU host threads, and tests hand it work
//      with hosted::run_in_kernel() from the main thread, which is no CPU.
#include <gtest/gtest.h>

#include <unistd.h>

#include <memory>

#ifndef UMACH_TEST_VCPUS
#error "each test binary says how many vCPUs run its kernel (0 for none)"
#endif

#include "core/page_alloc.h"
#include "core/selftest.h"
#include "core/zone.h"
#include <umach/backend.h>

namespace {

class LeakAudit : public testing::EmptyTestEventListener {
 public:
  void OnTestStart(const testing::TestInfo&) override {
    umach::drain_caches();
    snapshot_ = std::make_unique<umach::ZoneSnapshot>();
    free_pages_ = umach::page_allocator().free_pages();
  }
  void OnTestEnd(const testing::TestInfo& info) override {
    // Other vCPUs may still be dropping their last references (a timeout
    // firing as its thread is reaped): give them a moment before judging.
    long objects = 0, pages = 0;
    for (int attempt = 0; attempt < 50; ++attempt) {
      umach::drain_caches();
      objects = snapshot_->leaks_since(false);
      pages = static_cast<long>(free_pages_) - static_cast<long>(umach::page_allocator().free_pages());
      if (objects == 0 && pages == 0) break;
      usleep(2000);
    }
    if (objects != 0) snapshot_->leaks_since(true);
    if (objects != 0 || pages != 0) {
      fprintf(stderr, "leak audit: %s.%s left %ld kernel objects and %ld pages behind\n", info.test_suite_name(),
              info.name(), objects, pages);
      failed_ = true;
    }
  }
  bool failed() const { return failed_; }

 private:
  std::unique_ptr<umach::ZoneSnapshot> snapshot_;
  size_t free_pages_ = 0;
  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // Death tests fork; "threadsafe" re-executes the binary, which then boots again.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  umach::hosted::set_console_fd(2);
  umach::hosted::boot_for_tests(size_t{64} << 20);
  if (UMACH_TEST_VCPUS > 0) umach::hosted::start_machine_for_tests(UMACH_TEST_VCPUS);
  auto* audit = new LeakAudit;  // owned by GoogleTest's listener list
  testing::UnitTest::GetInstance()->listeners().Append(audit);
  int status = RUN_ALL_TESTS();
  return status != 0 ? status : audit->failed() ? 1 : 0;
}
