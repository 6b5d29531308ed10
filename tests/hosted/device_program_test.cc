// tests/hosted/device_program_test.cc: the console device's control calls
// made by a task program through libmach (tests/programs/console_calls.c):
// the status and filter calls, and a device_read that thread_abort from
// another task ends (with tests/programs/aborter.c). On 1 vCPU.
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "core/sched/sched.h"
#include "device/devices.h"
#include "ipc/kobject.h"
#include "platform/hosted/task/test_task.h"
#include "tests/hosted/run_program.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

constexpr mach_port_name_t kService = 0x1000, kWaiter = 0x2000, kMaster = 0x3000;

std::unique_ptr<TestTask> load(const char* path, std::vector<std::string> args) {
  auto t = TestTask::load(path, args);
  EXPECT_TRUE(t.ok()) << "cannot load " << path;
  return t.ok() ? std::move(t).take() : nullptr;
}

// The device master port, as the bootstrap task gets it.
void give_master(TestTask& t) {
  umach::ipc::TransitRight right = umach::ipc::kobject_make_send(umach::device::master_port());
  ASSERT_EQ(t.task().space().insert_right(kMaster, right), KERN_SUCCESS);
}

// D_INVALID_OPERATION is 2505, MIG's D_SUCCESS 0.
TEST(DeviceProgram, StatusAndFilterCallsAnswerAsGnuMachsComDriver) {
  auto t = load(UMACH_PROGRAM_CONSOLE_CALLS, {"console_calls", "status"});
  ASSERT_TRUE(t);
  give_master(*t);
  umach::testing::ProgramRun r{t.get()};
  ASSERT_TRUE(umach::hosted::run_in_kernel(umach::testing::run_program_thread, &r, umach::sched::kPriorityKernel));
  EXPECT_EQ(t->output(),
            "set TTY_STATUS: 0\n"
            "get TTY_STATUS: 0 count 4 speeds 13 11 break 3 flags 0x8\n"
            "get TTY_MODEM: 0 0x166\n"  // DTR RTS CTS CAR DSR
            "short count: 2505\n"
            "unknown flavor: 2505\n"
            "time device: 2505\n"
            "flush: 0\n"
            "defaults: 0\n"
            "set_filter: 2505\n"
            "receive status: 0 send rights 0 made 1\n");
  EXPECT_EQ(t->end_reason(), "terminated");
}

// thread_abort from another task ends the console read the task waits in.
struct AbortPair {
  TestTask* reader;
  TestTask* aborter;
  umach::RefPtr<umach::ipc::Port> thread_port = {};
};

void run_abort_pair(void* arg) {
  auto* p = static_cast<AbortPair*>(arg);
  auto reader = p->reader->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(reader.ok());
  p->thread_port = p->reader->thread()->self_port();
  umach::ipc::TransitRight right = umach::ipc::kobject_make_send(p->thread_port.get());
  ASSERT_EQ(p->aborter->task().space().insert_right(kWaiter, right), KERN_SUCCESS);
  auto aborter = p->aborter->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(aborter.ok());
  umach::sched::thread_join(*aborter.value());
  umach::sched::thread_join(*reader.value());
}

TEST(DeviceProgram, ThreadAbortEndsAnotherTasksConsoleRead) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  umach::hosted::set_console_input_fd(fds[0]);  // no input comes
  auto reader = load(UMACH_PROGRAM_CONSOLE_CALLS, {"console_calls", "read"});
  auto aborter = load(UMACH_PROGRAM_ABORTER, {"aborter"});
  ASSERT_TRUE(reader && aborter);
  give_master(*reader);
  umach::ipc::IpcSpace& a = aborter->task().space();
  ASSERT_EQ(a.allocate_name(MACH_PORT_RIGHT_RECEIVE, kService), KERN_SUCCESS);
  umach::ipc::TransitRight right;
  ASSERT_EQ(a.copyin_right(kService, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  ASSERT_EQ(reader->task().space().insert_right(kService, right), KERN_SUCCESS);
  AbortPair pair{reader.get(), aborter.get()};
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_abort_pair, &pair, umach::sched::kPriorityKernel));
  EXPECT_EQ(reader->output(), "read: 0x10004005 count 0\n");  // MACH_RCV_INTERRUPTED, nothing read
  EXPECT_EQ(aborter->output(), "aborter: 0 out: 1\n");
  pair.thread_port = nullptr;
  umach::hosted::set_console_input_fd(STDIN_FILENO);
  close(fds[1]);
  close(fds[0]);
}

}  // namespace
