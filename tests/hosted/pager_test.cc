// tests/hosted/pager_test.cc: GNU Mach's external-pager protocol from the
// pager's side (tests/programs/pager_cases.c): a task that is its own
// pager maps its memory object's port with vm_map and touches the mapping
// from probe threads, one scenario per test. Each program prints
// "SCENARIO: ok" or the first check that failed (tests/programs/
// expected_pager.h, shared with the bare-metal self-tests); the leak audit
// of tests/unit/test_main.cc runs around each. On 2 vCPUs.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <sys/mman.h>
#include <unistd.h>

#include "device/devices.h"
#include "ipc/kobject.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include "tests/programs/expected_pager.h"

namespace {

void expect_ok(const char* scenario) {
  auto t = umach::testing::run_program(UMACH_PROGRAM_PAGER_CASES, {"pager_cases", scenario});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(), std::string(scenario) + umach::test_programs::kPagerScenarioOk);
  EXPECT_EQ(t->end_reason(), "terminated");
}

TEST(Pager, DataRequestPerMissingPageAnsweredByDataSupply) { expect_ok("supply"); }

TEST(Pager, DataUnavailableZeroFillsThePage) { expect_ok("unavailable"); }

TEST(Pager, DataErrorRaisesBadAccessWithKernMemoryError) { expect_ok("error"); }

TEST(Pager, MisalignedPartialOrMisaddressedSupplyChangesNothing) { expect_ok("garbage"); }

TEST(Pager, SupplyOfDataThePagerHasNotGotWaitsForIt) { expect_ok("supply_unsupplied"); }

TEST(Pager, SupplyWhoseDataCannotBeHadFailsAndChangesNothing) { expect_ok("supply_source_error"); }

// device_write of a page the pager has not supplied: the kernel asks for
// it and the console gets the pager's bytes ("AP"), not zeros (which the
// console log drops). The program gets the device master port as
// kMaster (0x3000), and the kernel's console goes to a memfd meanwhile.
TEST(Pager, DeviceWriteOfUnsuppliedMemoryWritesThePagersData) {
  auto loaded = umach::hosted::TestTask::load(UMACH_PROGRAM_PAGER_CASES, {"pager_cases", "device_write"});
  ASSERT_TRUE(loaded.ok());
  auto t = std::move(loaded).take();
  umach::ipc::TransitRight master = umach::ipc::kobject_make_send(umach::device::master_port());
  ASSERT_EQ(t->task().space().insert_right(0x3000, master), KERN_SUCCESS);
  const int console = memfd_create("console", 0);
  ASSERT_GE(console, 0);
  umach::hosted::set_console_fd(console);
  umach::testing::ProgramRun r{t.get()};
  const bool ran = umach::hosted::run_in_kernel(umach::testing::run_program_thread, &r, umach::sched::kPriorityKernel);
  umach::hosted::set_console_fd(STDERR_FILENO);  // where tests/unit/test_main.cc has it
  ASSERT_TRUE(ran && r.started);
  char got[64] = {};
  const ssize_t n = pread(console, got, sizeof got - 1, 0);
  close(console);
  // The program's own lines are echoed there too, after the bytes written.
  EXPECT_EQ(std::string(got, n > 0 ? static_cast<size_t>(n) : 0), "APdevice_write: ok\n");
  EXPECT_EQ(t->output(), std::string("device_write") + umach::test_programs::kPagerScenarioOk);
  EXPECT_EQ(t->end_reason(), "terminated");
}

TEST(Pager, DestroyedPagerPortFailsWaitingAndLaterFaults) { expect_ok("destroyed"); }

TEST(Pager, ThreadAbortEndsAWaitForASilentPager) { expect_ok("silent_abort"); }

TEST(Pager, ThreadTerminateEndsAWaitForASilentPager) { expect_ok("silent_terminate"); }

TEST(Pager, TaskTerminateWithAFaultWaitingEndsTheTask) {
  auto t = umach::testing::run_program(UMACH_PROGRAM_PAGER_CASES, {"pager_cases", "end_waiting"});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output(), umach::test_programs::kPagerEndWaitingOutput);
  EXPECT_EQ(t->end_reason(), "terminated");
}

TEST(Pager, MapsOfOnePortShareOneObject) { expect_ok("shared"); }

TEST(Pager, AttributesFollowReadyAndChangeAttributes) { expect_ok("attributes"); }

TEST(Pager, FaultsWaitUntilThePagerIsReady) { expect_ok("ready_wait"); }

TEST(Pager, TerminateAfterTheLastUnmapGivesReceiveRights) { expect_ok("terminate"); }

TEST(Pager, LockRequestReturnsDirtyPagesFlushesAndCompletes) { expect_ok("lock_request"); }

TEST(Pager, LockRequestWithNoChangeLeavesPagesAsTheyAre) { expect_ok("lock_no_change"); }

TEST(Pager, WriteToAWriteLockedPageAsksDataUnlock) { expect_ok("unlock"); }

TEST(Pager, LastUnmapReturnsDirtyAndPreciousPagesBeforeTerminate) { expect_ok("returns"); }
TEST(Pager, MsyncReturnsDirtyPagesAndInvalidateDropsThem) { expect_ok("msync"); }

TEST(Pager, MsyncOverTenMappingsReturnsEveryDirtyPage) { expect_ok("msync_many"); }
TEST(Pager, AMayCacheObjectOutlivesItsLastMappingUntilThePagerClearsIt) { expect_ok("cache"); }

TEST(Pager, DestroyedObjectTerminatesAtOnceAndFailsLaterFaults) { expect_ok("destroy"); }
TEST(Pager, DestroyingAnObjectOnlyTheCacheHoldsTerminatesItOnce) { expect_ok("destroy_cached"); }
TEST(Pager, CopyCallTellsThePagerAndReadsThroughWhatItLacks) { expect_ok("copy_call"); }
TEST(Pager, CopyNoneCopiesAtOnceAskingForMissingPages) { expect_ok("copy_none"); }

TEST(Pager, UnknownScenarioPrintsUsage) {
  auto t = umach::testing::run_program(UMACH_PROGRAM_PAGER_CASES, {"pager_cases", "no_such"});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->output().rfind(umach::test_programs::kPagerUsagePrefix, 0), 0u) << t->output();
}

}  // namespace
