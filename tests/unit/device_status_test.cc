// tests/unit/device_status_test.cc: the device calls that control rather
// than move data: device_get_status/device_set_status on the console
// (GNU Mach's tty flavors, as its com driver answers them) and the time
// device, device_set_filter (no device here takes filters), and a console
// read that thread_abort ends. The status and filter calls go through the
// generated client stubs into the kernel's dispatch (as
// tests/mig/kernel_rpc_test.cc does); the aborted read calls the kernel
// routine on a kernel thread, since its caller has to wait.
#include <gtest/gtest.h>

#include <device/device.h>
#include <device/net_status.h>
#include <device/tty_status.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <unistd.h>

#include <string>

#include "core/sched/sched.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "device/devices.h"
#include "device_kserver.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "ipc/msg.h"
#include "mach_kserver.h"
#include <umach/backend.h>

namespace {

umach::Task* g_task = nullptr;  // the task the stubs run as

class DeviceStatus : public ::testing::Test {
 protected:
  void SetUp() override {
    task = umach::Task::create().value();
    g_task = task.get();
    const mach_port_name_t master = umach::ipc::kobject_send_name(umach::device::master_port(), task->space());
    char console_name[] = "console", time_name[] = "time";
    ASSERT_EQ(device_open(master, 0, console_name, &console), D_SUCCESS);
    ASSERT_EQ(device_open(master, 0, time_name, &time), D_SUCCESS);
    self = task->self_name();
  }
  void TearDown() override {
    // Back to com's defaults for the next test (the console outlives tests).
    tty_status defaults{B115200, B115200, 0, TF_EVENP | TF_ODDP | TF_ECHO | TF_CRMOD | TF_XTABS | TF_LITOUT};
    EXPECT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&defaults), TTY_STATUS_COUNT),
              D_SUCCESS);
    int modem = TM_DTR | TM_RTS;
    EXPECT_EQ(device_set_status(console, TTY_MODEM, &modem, 1), D_SUCCESS);
    task->space().check_invariants();
    task->terminate();
    g_task = nullptr;
    EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  }
  tty_status get_tty() {
    tty_status s{};
    mach_msg_type_number_t count = TTY_STATUS_COUNT;
    EXPECT_EQ(device_get_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), &count), D_SUCCESS);
    EXPECT_EQ(count, TTY_STATUS_COUNT);
    return s;
  }
  int get_modem() {
    int bits = -1;
    mach_msg_type_number_t count = 1;
    EXPECT_EQ(device_get_status(console, TTY_MODEM, &bits, &count), D_SUCCESS);
    EXPECT_EQ(count, 1u);
    return bits;
  }

  umach::RefPtr<umach::Task> task;
  mach_port_t console = MACH_PORT_NULL, time = MACH_PORT_NULL, self = MACH_PORT_NULL;
};

TEST_F(DeviceStatus, TheConsoleStartsAsComsLineAt115200) {
  const tty_status s = get_tty();
  EXPECT_EQ(s.tt_ispeed, B115200);
  EXPECT_EQ(s.tt_ospeed, B115200);
  EXPECT_EQ(s.tt_breakc, 0);
  // (TF_HUPCLS, once set, stays for the kernel's life: the console never
  // closes. A test that sets it may have run before.)
  EXPECT_EQ(s.tt_flags & ~TF_HUPCLS, TF_EVENP | TF_ODDP | TF_ECHO | TF_CRMOD | TF_XTABS | TF_LITOUT);
  EXPECT_EQ(get_modem(), TM_DTR | TM_RTS | TM_CTS | TM_DSR | TM_CAR) << "a line that is up";
}

TEST_F(DeviceStatus, TtyStatusSetIsWhatGetGivesBack) {
  tty_status s{B9600, B2400, 3, TF_TANDEM | TF_LITOUT};
  ASSERT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT), D_SUCCESS);
  const tty_status got = get_tty();
  EXPECT_EQ(got.tt_ispeed, B9600);
  EXPECT_EQ(got.tt_ospeed, B2400);
  EXPECT_EQ(got.tt_breakc, 3);
  EXPECT_EQ(got.tt_flags & ~TF_HUPCLS, TF_TANDEM | TF_LITOUT);
}

TEST_F(DeviceStatus, HangUpOnCloseStaysOnceSetAndSpeedZeroHangsUp) {
  tty_status s{B9600, B9600, 0, TF_HUPCLS};
  ASSERT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT), D_SUCCESS);
  s.tt_flags = 0;
  ASSERT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT), D_SUCCESS);
  EXPECT_EQ(get_tty().tt_flags, TF_HUPCLS) << "GNU Mach keeps TS_HUPCLS until the line closes";
  s.tt_ispeed = B0;
  ASSERT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT), D_SUCCESS);
  EXPECT_EQ(get_modem(), TM_CTS | TM_DSR | TM_CAR) << "B0 drops DTR and RTS";
}

TEST_F(DeviceStatus, TtyStatusRefusesShortCountsAndSpeedsOutsideTheTable) {
  tty_status s{B9600, B9600, 0, 0};
  EXPECT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT - 1),
            D_INVALID_OPERATION);
  s.tt_ospeed = NSPEEDS;
  EXPECT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT),
            D_INVALID_OPERATION);
  s.tt_ospeed = B9600;
  s.tt_ispeed = -1;
  EXPECT_EQ(device_set_status(console, TTY_STATUS, reinterpret_cast<int*>(&s), TTY_STATUS_COUNT),
            D_INVALID_OPERATION);
  EXPECT_EQ(get_tty().tt_ispeed, B115200) << "a refused set changes nothing";
  int out[TTY_STATUS_COUNT] = {};
  mach_msg_type_number_t count = TTY_STATUS_COUNT - 1;
  EXPECT_EQ(device_get_status(console, TTY_STATUS, out, &count), D_INVALID_OPERATION);
}

TEST_F(DeviceStatus, ModemBitsSetBreakAndHangUp) {
  int bits = TM_DTR;
  ASSERT_EQ(device_set_status(console, TTY_MODEM, &bits, 1), D_SUCCESS);
  EXPECT_EQ(get_modem(), TM_DTR | TM_CTS | TM_DSR | TM_CAR) << "RTS dropped; the line's inputs read afresh";
  ASSERT_EQ(device_set_status(console, TTY_SET_BREAK, nullptr, 0), D_SUCCESS);
  EXPECT_EQ(get_modem() & TM_BRK, TM_BRK);
  ASSERT_EQ(device_set_status(console, TTY_CLEAR_BREAK, nullptr, 0), D_SUCCESS);
  EXPECT_EQ(get_modem() & TM_BRK, 0);
  bits = TM_HUP;
  ASSERT_EQ(device_set_status(console, TTY_MODEM, &bits, 1), D_SUCCESS);
  EXPECT_EQ(get_modem() & (TM_DTR | TM_RTS), 0);
  EXPECT_EQ(device_set_status(console, TTY_MODEM, &bits, 0), D_INVALID_OPERATION) << "no int to read";
  // com answers one int whatever the count asked; a caller that asked for
  // none hears from its stub that the answer did not fit.
  int got[4] = {-1, -1, -1, -1};
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(device_get_status(console, TTY_MODEM, got, &count), MIG_ARRAY_TOO_LARGE);
  ipc_port_t port = nullptr;
  char name[] = "console";
  ASSERT_EQ(umach::kserver::ds_device_open(umach::device::master_port(), nullptr, 0, 0, name, &port), D_SUCCESS);
  EXPECT_EQ(umach::kserver::ds_device_get_status(port, TTY_MODEM, got, &(count = 0)), D_SUCCESS);
  EXPECT_EQ(count, 1u);
  umach::ipc::TransitRight right{port, MACH_MSG_TYPE_PORT_SEND, false};
  umach::ipc::release_transit_right(right);
}

TEST_F(DeviceStatus, StopAndStartAreTakenAndUnknownFlavorsRefused) {
  EXPECT_EQ(device_set_status(console, TTY_STOP, nullptr, 0), D_SUCCESS);
  EXPECT_EQ(device_set_status(console, TTY_START, nullptr, 0), D_SUCCESS);
  int table[4] = {};
  EXPECT_EQ(device_set_status(console, TTY_SET_TRANSLATION, table, 4), D_INVALID_OPERATION) << "com has none";
  EXPECT_EQ(device_set_status(console, NET_STATUS, table, 4), D_INVALID_OPERATION);
  mach_msg_type_number_t count = 4;
  EXPECT_EQ(device_get_status(console, TTY_FLUSH, table, &count), D_INVALID_OPERATION) << "set only";
  EXPECT_EQ(device_get_status(console, DEV_GET_SIZE, table, &(count = 4)), D_INVALID_OPERATION);
}

TEST_F(DeviceStatus, FlushDropsTheInputThatArrived) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  umach::hosted::set_console_input_fd(fds[0]);
  ASSERT_EQ(write(fds[1], "stale", 5), 5);
  int which = D_READ;
  EXPECT_EQ(device_set_status(console, TTY_FLUSH, &which, 0), D_INVALID_OPERATION) << "a short count";
  ASSERT_EQ(device_set_status(console, TTY_FLUSH, &which, 1), D_SUCCESS);
  io_buf_ptr_inband_t in;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(device_read_inband(console, D_NOWAIT, 0, 10, in, &(count = sizeof in)), D_WOULD_BLOCK);
  ASSERT_EQ(write(fds[1], "kept", 4), 4);
  which = D_WRITE;
  ASSERT_EQ(device_set_status(console, TTY_FLUSH, &which, 1), D_SUCCESS);
  ASSERT_EQ(device_read_inband(console, D_NOWAIT, 0, 10, in, &(count = sizeof in)), D_SUCCESS);
  EXPECT_EQ(std::string(in, count), "kept") << "flushing output leaves input alone";
  ASSERT_EQ(write(fds[1], "gone", 4), 4);
  which = 0;  // both
  ASSERT_EQ(device_set_status(console, TTY_FLUSH, &which, 1), D_SUCCESS);
  EXPECT_EQ(device_read_inband(console, D_NOWAIT, 0, 10, in, &(count = sizeof in)), D_WOULD_BLOCK);
  umach::hosted::set_console_input_fd(STDIN_FILENO);
  close(fds[1]);
  close(fds[0]);
}

TEST_F(DeviceStatus, TheTimeDeviceHasNoStatus) {
  int data[4] = {};
  mach_msg_type_number_t count = 4;
  EXPECT_EQ(device_get_status(time, TTY_STATUS, data, &count), D_INVALID_OPERATION);
  EXPECT_EQ(device_get_status(time, DEV_GET_SIZE, data, &(count = 4)), D_INVALID_OPERATION);
  EXPECT_EQ(device_set_status(time, TTY_STATUS, data, 4), D_INVALID_OPERATION);
}

TEST_F(DeviceStatus, WhatIsNoDeviceAnswersNoSuchDevice) {
  int data[4] = {};
  mach_msg_type_number_t count = 4;
  EXPECT_EQ(device_get_status(self, TTY_STATUS, data, &count), D_NO_SUCH_DEVICE) << "a task port";
  EXPECT_EQ(device_set_status(self, TTY_STATUS, data, 4), D_NO_SUCH_DEVICE);
  filter_t filter[1] = {NETF_IN};
  EXPECT_EQ(device_set_filter(self, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 0, filter, 1), D_NO_SUCH_DEVICE);
  // The kernel routines themselves, for a dead or null port.
  EXPECT_EQ(umach::kserver::ds_device_get_status(nullptr, TTY_STATUS, data, &count), D_NO_SUCH_DEVICE);
  EXPECT_EQ(umach::kserver::ds_device_set_status(umach::ipc::kDeadPort, TTY_STATUS, data, 4), D_NO_SUCH_DEVICE);
}

mach_port_status_t receive_status(mach_port_t self, mach_port_t name) {
  mach_port_status_t st{};
  EXPECT_EQ(mach_port_get_receive_status(self, name, &st), KERN_SUCCESS);
  return st;
}

TEST_F(DeviceStatus, SetFilterRefusesEveryDeviceAndReleasesTheRight) {
  mach_port_t port = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port), KERN_SUCCESS);
  filter_t filter[3] = {NETF_IN, NETF_PUSHLIT | NETF_NOP, 1};
  // A right made for the request goes away with it.
  EXPECT_EQ(device_set_filter(console, port, MACH_MSG_TYPE_MAKE_SEND, NET_HI_PRI, filter, 3), D_INVALID_OPERATION);
  EXPECT_FALSE(receive_status(self, port).mps_srights);
  EXPECT_EQ(receive_status(self, port).mps_mscount, 1u);
  // A send right moved into it, too.
  ASSERT_EQ(mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  EXPECT_EQ(device_set_filter(time, port, MACH_MSG_TYPE_MOVE_SEND, 0, filter, 3), D_INVALID_OPERATION);
  EXPECT_FALSE(receive_status(self, port).mps_srights);
  mach_port_type_t type = 0;
  ASSERT_EQ(mach_port_type(self, port, &type), KERN_SUCCESS);
  EXPECT_EQ(type, MACH_PORT_TYPE_RECEIVE);
  // No port at all.
  EXPECT_EQ(device_set_filter(console, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 0, filter, 3), D_INVALID_OPERATION);
}

// A reader that waits for console input, on a kernel thread of a task so
// that thread_abort can reach it.
struct Reader {
  umach::ipc::Port* console;
  bool inband;
  int input;  // the pipe's end the console reads from: if aborts fail, input ends the wait
  kern_return_t result = KERN_FAILURE;
  mach_msg_type_number_t count = 99;
  io_buf_ptr_t data = reinterpret_cast<io_buf_ptr_t>(1);
  kstd::Atomic<bool> done{false};
  int aborts = 0;
};

void wait_for_input(void* arg) {
  auto* r = static_cast<Reader*>(arg);
  if (r->inband) {
    io_buf_ptr_inband_t buf;
    r->result = umach::kserver::ds_device_read_inband(r->console, nullptr, 0, 0, 0, 10, buf, &r->count);
  } else {
    r->result = umach::kserver::ds_device_read(r->console, nullptr, 0, 0, 0, 10, &r->data, &r->count);
  }
  r->done.store(true, kstd::MemoryOrder::release);
}

void abort_a_reader(void* arg) {
  auto* r = static_cast<Reader*>(arg);
  auto task = umach::Task::create();
  ASSERT_TRUE(task.ok());
  auto k = umach::sched::kernel_thread_prepare("reader", wait_for_input, r, umach::sched::kPriorityUser);
  ASSERT_TRUE(k.ok());
  auto mt = umach::MachThread::create(task.value(), k.value());
  ASSERT_TRUE(mt.ok());
  umach::sched::thread_setrun(*k.value());
  // thread_abort ends a wait under way: abort until the reader answers
  // (it may be between two looks at the input when an abort comes).
  while (!r->done.load(kstd::MemoryOrder::acquire) && r->aborts < 1000) {
    umach::sched::sleep_ns(2'000'000);
    EXPECT_EQ(umach::kserver::thread_abort(mt.value().get()), KERN_SUCCESS);
    ++r->aborts;
  }
  if (!r->done.load(kstd::MemoryOrder::acquire)) EXPECT_EQ(write(r->input, "!", 1), 1);
  umach::sched::thread_join(*k.value());
  task.value()->terminate();
}

class ConsoleRead : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pipe(fds), 0);
    umach::hosted::set_console_input_fd(fds[0]);
    char name[] = "console";
    ASSERT_EQ(umach::kserver::ds_device_open(umach::device::master_port(), nullptr, 0, 0, name, &console), D_SUCCESS);
  }
  void TearDown() override {
    umach::ipc::TransitRight right{console, MACH_MSG_TYPE_PORT_SEND, false};
    umach::ipc::release_transit_right(right);
    umach::hosted::set_console_input_fd(STDIN_FILENO);
    close(fds[1]);
    close(fds[0]);
    EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  }
  int fds[2] = {-1, -1};
  ipc_port_t console = nullptr;
};

TEST_F(ConsoleRead, ThreadAbortEndsAWaitingInbandRead) {
  Reader r{console, true, fds[1]};
  ASSERT_TRUE(umach::hosted::run_in_kernel(abort_a_reader, &r, umach::sched::kPriorityKernel));
  EXPECT_EQ(r.result, MACH_RCV_INTERRUPTED);
  EXPECT_EQ(r.count, 0u);
  EXPECT_GE(r.aborts, 1);
  // Nothing was taken from the input: what comes next is read whole.
  ASSERT_EQ(write(fds[1], "next", 4), 4);
  io_buf_ptr_inband_t buf;
  mach_msg_type_number_t count = 0;
  ASSERT_EQ(umach::kserver::ds_device_read_inband(console, nullptr, 0, D_NOWAIT, 0, 10, buf, &count), D_SUCCESS);
  EXPECT_EQ(std::string(buf, count), "next");
}

TEST_F(ConsoleRead, ThreadAbortEndsAWaitingOutOfLineReadWithNoData) {
  Reader r{console, false, fds[1]};
  ASSERT_TRUE(umach::hosted::run_in_kernel(abort_a_reader, &r, umach::sched::kPriorityKernel));
  EXPECT_EQ(r.result, MACH_RCV_INTERRUPTED);
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.data, nullptr) << "no copy made, none to leak";
}

}  // namespace

// What the stubs call, for a task running in the test's thread (as in
// tests/mig/kernel_rpc_test.cc): the sends dispatch at once, so the reply
// is already queued when the receive polls.
extern "C" {

mach_msg_return_t mach_msg(mach_msg_header_t* msg, mach_msg_option_t option, mach_msg_size_t send_size,
                           mach_msg_size_t rcv_size, mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t) {
  umach::ipc::IpcSpace& space = g_task->space();
  if (option & MACH_SEND_MSG) {
    mach_msg_return_t mr = umach::ipc::mach_msg_send(space, msg, send_size, option, timeout);
    if (mr != MACH_MSG_SUCCESS) return mr;
  }
  if (option & MACH_RCV_MSG)
    return umach::ipc::mach_msg_receive(space, msg, rcv_size, rcv_name, option | MACH_RCV_TIMEOUT, 0);
  return MACH_MSG_SUCCESS;
}

mach_port_t mig_get_reply_port(void) {
  mach_port_name_t name = MACH_PORT_NULL;
  EXPECT_EQ(g_task->space().allocate(MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  return name;
}

void mig_put_reply_port(mach_port_t name) { EXPECT_EQ(g_task->space().destroy(name), KERN_SUCCESS); }

void mig_dealloc_reply_port(mach_port_t name) { (void)g_task->space().destroy(name); }

void mach_msg_destroy(mach_msg_header_t*) {}

}  // extern "C"

// GNU Mach's values, which programs compiled for it pass.
static_assert(sizeof(tty_status) == 16 && TTY_STATUS_COUNT == 4);
static_assert(TTY_STATUS == 0x740001 && TTY_MODEM == 0x740002 && TTY_FLUSH == 0x740003);
static_assert(TTY_STOP == 0x740004 && TTY_START == 0x740005 && TTY_SET_BREAK == 0x740006);
static_assert(TTY_CLEAR_BREAK == 0x740007 && TTY_SET_TRANSLATION == 0x740008);
static_assert(B115200 == 17 && NSPEEDS == 18 && TF_HUPCLS == 0x40 && TM_BRK == 0x200 && TM_DSR == 0x100);
