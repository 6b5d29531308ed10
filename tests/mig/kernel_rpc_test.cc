// tests/mig/kernel_rpc_test.cc: RPCs from the generated client stubs (the
// ones libmach carries) to the kernel, through ipc/: the stubs' mach_msg
// sends into a task's space and receives the kernel's reply there. A
// task's port is a kernel port: its messages run the generated dispatch,
// which calls ipc/'s routines on the task's space.
#include <gtest/gtest.h>

#include <cstring>

#include <device/device.h>
#include <mach/host_info.h>
#include <mach/mach_host.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/machine.h>
#include <mach/processor_info.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/page_alloc.h"
#include "device/devices.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/task/task.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/vm_user.h"
#include <umach/backend.h>
#include <unistd.h>

namespace {

umach::Task* g_task = nullptr;  // the task the stubs run as
int g_destroyed = 0;

class KernelRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    // An address space, for the replies that carry out-of-line memory
    // (the stubs hand back its addresses; the test reads them through
    // the VM, not as host pointers).
    task = umach::Task::create(umach::RefPtr<umach::vm::VmMap>::adopt(umach::vm::VmMap::create(nullptr))).value();
    g_task = task.get();
    g_destroyed = 0;
    self = task->self_name();
  }
  void TearDown() override {
    task->space().check_invariants();
    task->terminate();
    g_task = nullptr;
    EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  }
  mach_port_type_t type(mach_port_name_t name) {
    mach_port_type_t t = 0;
    return task->space().type(name, &t) == KERN_SUCCESS ? t : MACH_PORT_TYPE_NONE;
  }

  umach::RefPtr<umach::Task> task;
  mach_port_name_t self = MACH_PORT_NULL;
};

TEST_F(KernelRpc, TheTaskNamesItsOwnPortWithASendRight) {
  EXPECT_TRUE(MACH_PORT_VALID(self));
  EXPECT_EQ(type(self), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(task->self_name(), self);  // one name, one more reference
}

TEST_F(KernelRpc, MachPortAllocateMakesAReceiveRight) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(type(name), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_SEND, &name), KERN_INVALID_VALUE);
}

TEST_F(KernelRpc, AFailedCallAnswersTheManualsError) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(mach_port_deallocate(self, name), KERN_INVALID_RIGHT);
  EXPECT_EQ(mach_port_deallocate(self, 0x4242), KERN_INVALID_NAME);
  EXPECT_EQ(mach_port_mod_refs(self, name, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  EXPECT_EQ(type(name), MACH_PORT_TYPE_NONE);
}

TEST_F(KernelRpc, InsertRightTakesTheRightTheRequestCarried) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  ASSERT_EQ(mach_port_insert_right(self, name, name, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  EXPECT_EQ(type(name), MACH_PORT_TYPE_SEND_RECEIVE);
  mach_port_urefs_t refs = 0;
  ASSERT_EQ(mach_port_get_refs(self, name, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  EXPECT_EQ(refs, 1u);
  // Under a name that denotes another right: refused, and the right the
  // request carried is released with it.
  mach_port_t other = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &other), KERN_SUCCESS);
  EXPECT_EQ(mach_port_insert_right(self, other, name, MACH_MSG_TYPE_MAKE_SEND), KERN_RIGHT_EXISTS);
  ASSERT_EQ(mach_port_get_refs(self, name, MACH_PORT_RIGHT_SEND, &refs), KERN_SUCCESS);
  EXPECT_EQ(refs, 1u);
  mach_port_status_t st{};
  ASSERT_EQ(mach_port_get_receive_status(self, name, &st), KERN_SUCCESS);
  EXPECT_TRUE(st.mps_srights);
  EXPECT_EQ(st.mps_mscount, 2u);  // both MAKE_SENDs happened; the refused one was released
}

TEST_F(KernelRpc, ExtractRightHandsTheRightBackInTheReply) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  mach_port_t right = MACH_PORT_NULL;
  mach_msg_type_name_t got = 0;
  ASSERT_EQ(mach_port_extract_right(self, name, MACH_MSG_TYPE_MAKE_SEND_ONCE, &right, &got), KERN_SUCCESS);
  EXPECT_EQ(got, unsigned{MACH_MSG_TYPE_PORT_SEND_ONCE});
  EXPECT_EQ(type(right), MACH_PORT_TYPE_SEND_ONCE);
  EXPECT_EQ(mach_port_extract_right(self, 0x4242, MACH_MSG_TYPE_MAKE_SEND, &right, &got), KERN_INVALID_NAME);
  // GNU Mach's ipc_object_copyin: the two reserved names denote no right.
  EXPECT_EQ(mach_port_extract_right(self, MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, &right, &got), KERN_INVALID_NAME);
  EXPECT_EQ(mach_port_extract_right(self, MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND, &right, &got), KERN_INVALID_NAME);
  // GNU Mach's order: the disposition first (KERN_INVALID_VALUE).
  EXPECT_EQ(mach_port_extract_right(self, MACH_PORT_NULL, 99, &right, &got), KERN_INVALID_VALUE);
}

TEST_F(KernelRpc, InsertRightLooksAtTheNameBeforeTheRight) {
  // GNU Mach's order: an invalid name (KERN_INVALID_VALUE) before a null
  // or dead right (KERN_INVALID_CAPABILITY).
  EXPECT_EQ(mach_port_insert_right(self, MACH_PORT_NULL, MACH_PORT_NULL, MACH_MSG_TYPE_MOVE_SEND), KERN_INVALID_VALUE);
  EXPECT_EQ(mach_port_insert_right(self, 0x4242, MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND), KERN_INVALID_CAPABILITY);
}

TEST_F(KernelRpc, ExtractingADeadNamesSendRightGivesMachPortDead) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  ASSERT_EQ(mach_port_insert_right(self, name, name, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
  ASSERT_EQ(mach_port_mod_refs(self, name, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);  // two references
  ASSERT_EQ(mach_port_mod_refs(self, name, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  ASSERT_EQ(type(name), MACH_PORT_TYPE_DEAD_NAME);
  mach_port_t right = MACH_PORT_NULL;
  mach_msg_type_name_t got = 0;
  ASSERT_EQ(mach_port_extract_right(self, name, MACH_MSG_TYPE_MOVE_SEND, &right, &got), KERN_SUCCESS);
  EXPECT_EQ(right, MACH_PORT_DEAD);
  EXPECT_EQ(got, unsigned{MACH_MSG_TYPE_PORT_SEND});
  mach_port_urefs_t refs = 0;
  ASSERT_EQ(mach_port_get_refs(self, name, MACH_PORT_RIGHT_DEAD_NAME, &refs), KERN_SUCCESS);
  EXPECT_EQ(refs, 1u) << "one reference went with the right";
}

TEST_F(KernelRpc, ReceiveStatusComesBackAsAStruct) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  ASSERT_EQ(mach_port_set_qlimit(self, name, 3), KERN_SUCCESS);
  ASSERT_EQ(mach_port_set_seqno(self, name, 11), KERN_SUCCESS);
  mach_port_status_t st{};
  ASSERT_EQ(mach_port_get_receive_status(self, name, &st), KERN_SUCCESS);
  EXPECT_EQ(st.mps_qlimit, 3u);
  EXPECT_EQ(st.mps_seqno, 11u);
}

TEST_F(KernelRpc, ARoutineTheKernelLacksAnswersBadId) {
  int start = 0;
  emulation_vector_t vector = nullptr;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(task_get_emulation_vector(self, &start, &vector, &count), MIG_BAD_ID);
}

TEST_F(KernelRpc, MachPortNamesListsEveryNameWithItsType) {
  mach_port_t receive = MACH_PORT_NULL, set = MACH_PORT_NULL, dead = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &receive), KERN_SUCCESS);
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  ASSERT_EQ(mach_port_allocate_name(self, MACH_PORT_RIGHT_DEAD_NAME, 0x12345600), KERN_SUCCESS);
  dead = 0x12345600;
  mach_port_array_t names = nullptr;
  mach_port_type_array_t types = nullptr;
  mach_msg_type_number_t name_count = 0, type_count = 0;
  ASSERT_EQ(mach_port_names(self, &names, &name_count, &types, &type_count), KERN_SUCCESS);
  ASSERT_EQ(name_count, type_count);
  // The reply arrived while the stub's reply port still had its name.
  EXPECT_EQ(name_count, task->space().entry_count() + 1);
  std::vector<mach_port_name_t> got_names(name_count);
  std::vector<mach_port_type_t> got_types(type_count);
  umach::vm::VmMap& map = *task->map();
  ASSERT_EQ(umach::vm::map_read(map, reinterpret_cast<uintptr_t>(names), got_names.data(), name_count * 4), KERN_SUCCESS);
  ASSERT_EQ(umach::vm::map_read(map, reinterpret_cast<uintptr_t>(types), got_types.data(), type_count * 4), KERN_SUCCESS);
  auto type_of = [&](mach_port_name_t n) -> mach_port_type_t {
    for (size_t i = 0; i < got_names.size(); ++i)
      if (got_names[i] == n) return got_types[i];
    return 0;
  };
  EXPECT_EQ(type_of(self), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(type_of(receive), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(type_of(set), MACH_PORT_TYPE_PORT_SET);
  EXPECT_EQ(type_of(dead), MACH_PORT_TYPE_DEAD_NAME);
  // The arrays are the caller's memory, to deallocate like any other.
  EXPECT_EQ(umach::vm::deallocate(map, reinterpret_cast<uintptr_t>(names), name_count * 4), KERN_SUCCESS);
  EXPECT_EQ(umach::vm::deallocate(map, reinterpret_cast<uintptr_t>(types), type_count * 4), KERN_SUCCESS);
}

TEST_F(KernelRpc, GetSetStatusNamesTheMembers) {
  mach_port_t set = MACH_PORT_NULL, a = MACH_PORT_NULL, b = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &a), KERN_SUCCESS);
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &b), KERN_SUCCESS);
  mach_port_array_t members = nullptr;
  mach_msg_type_number_t count = 99;
  ASSERT_EQ(mach_port_get_set_status(self, set, &members, &count), KERN_SUCCESS);
  EXPECT_EQ(count, 0u);  // an empty set: a null region
  EXPECT_EQ(members, nullptr);
  ASSERT_EQ(mach_port_move_member(self, a, set), KERN_SUCCESS);
  ASSERT_EQ(mach_port_move_member(self, b, set), KERN_SUCCESS);
  ASSERT_EQ(mach_port_get_set_status(self, set, &members, &count), KERN_SUCCESS);
  ASSERT_EQ(count, 2u);
  mach_port_name_t got[2];
  ASSERT_EQ(umach::vm::map_read(*task->map(), reinterpret_cast<uintptr_t>(members), got, sizeof got), KERN_SUCCESS);
  EXPECT_TRUE((got[0] == a && got[1] == b) || (got[0] == b && got[1] == a));
  EXPECT_EQ(mach_port_get_set_status(self, a, &members, &count), KERN_INVALID_RIGHT);
  EXPECT_EQ(mach_port_get_set_status(self, 0x4242, &members, &count), KERN_INVALID_NAME);
}

TEST_F(KernelRpc, VmReadHandsBackACopyThatLaterWritesDoNotChange) {
  umach::vm::VmMap& map = *task->map();
  vm_address_t src = 0;
  ASSERT_EQ(vm_allocate(self, &src, 3 * 4096, TRUE), KERN_SUCCESS);
  const char text[] = "read me out of line";
  ASSERT_EQ(umach::vm::map_write(map, src + 4000, text, sizeof text), KERN_SUCCESS);
  vm_offset_t data = 0;
  mach_msg_type_number_t count = 0;
  ASSERT_EQ(vm_read(self, src, 3 * 4096, &data, &count), KERN_SUCCESS);
  ASSERT_EQ(count, 3u * 4096);
  ASSERT_NE(data, src);
  const char later[] = "written after the read";
  ASSERT_EQ(umach::vm::map_write(map, src + 4000, later, sizeof later), KERN_SUCCESS);
  char seen[sizeof text];
  ASSERT_EQ(umach::vm::map_read(map, data + 4000, seen, sizeof seen), KERN_SUCCESS);
  EXPECT_STREQ(seen, text);
  EXPECT_EQ(vm_read(self, 0x7000'0000, 4096, &data, &count), KERN_INVALID_ADDRESS);
}

TEST_F(KernelRpc, VmWriteCopiesTheCallersDataOverTheTarget) {
  umach::vm::VmMap& map = *task->map();
  vm_address_t src = 0, dst = 0;
  ASSERT_EQ(vm_allocate(self, &src, 2 * 4096, TRUE), KERN_SUCCESS);
  ASSERT_EQ(vm_allocate(self, &dst, 2 * 4096, TRUE), KERN_SUCCESS);
  const char text[] = "vm_write carried me";
  ASSERT_EQ(umach::vm::map_write(map, src + 4096, text, sizeof text), KERN_SUCCESS);
  ASSERT_EQ(vm_write(self, dst, src, 2 * 4096), KERN_SUCCESS);
  char seen[sizeof text];
  ASSERT_EQ(umach::vm::map_read(map, dst + 4096, seen, sizeof seen), KERN_SUCCESS);
  EXPECT_STREQ(seen, text);
  // Errors leave the target alone, and the copy the request carried goes
  // with the request (the leak audit would see it).
  EXPECT_EQ(vm_write(self, dst + 1, src, 4096), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(vm_write(self, 0x7000'0000, src, 4096), KERN_INVALID_ADDRESS);
  ASSERT_EQ(vm_protect(self, dst, 4096, FALSE, VM_PROT_READ), KERN_SUCCESS);
  EXPECT_EQ(vm_write(self, dst, src, 4096), KERN_PROTECTION_FAILURE);
}

// A request whose out-of-line item the routine does not expect (OOL data
// to mach_port_allocate; vm_write's data in line) is refused by the
// dispatch's check and destroyed with its copy (the leak audit sees it).
TEST_F(KernelRpc, OutOfLineDataARoutineDoesNotTakeIsDestroyedWithTheRequest) {
  vm_address_t src = 0;
  ASSERT_EQ(vm_allocate(self, &src, 4096, TRUE), KERN_SUCCESS);
  mach_port_t reply = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &reply), KERN_SUCCESS);
  struct {
    mach_msg_header_t head;
    uint32_t word, number;
    uint64_t address;
  } m;
  for (int inl = 0; inl < 2; ++inl) {
    std::memset(&m, 0, sizeof m);
    m.head.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) | MACH_MSGH_BITS_COMPLEX;
    m.head.msgh_size = sizeof m;
    m.head.msgh_remote_port = self;
    m.head.msgh_local_port = reply;
    m.head.msgh_id = inl ? 2027 : 3204;  // vm_write with its data in line; mach_port_allocate
    m.word = MACH_MSG_TYPE_BYTE | (8u << 8) | (uint32_t(inl) << 29);
    m.number = inl ? 8 : 4096;
    m.address = src;
    ASSERT_EQ(umach::ipc::mach_msg_send(task->space(), &m.head, sizeof m, MACH_SEND_MSG, 0), MACH_MSG_SUCCESS);
    mig_reply_header_t answer{};
    ASSERT_EQ(umach::ipc::mach_msg_receive(task->space(), &answer.Head, sizeof answer, reply,
                                           MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0),
              MACH_MSG_SUCCESS);
    EXPECT_EQ(answer.RetCode, MIG_BAD_ARGUMENTS) << m.head.msgh_id;
  }
}

TEST_F(KernelRpc, HostInfoAnswersEveryFlavorAndRefusesShortCounts) {
  const mach_port_name_t host = umach::host::self_name(task->space());
  host_basic_info_data_t basic{};
  mach_msg_type_number_t count = HOST_BASIC_INFO_COUNT;
  ASSERT_EQ(host_info(host, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&basic), &count), KERN_SUCCESS);
  EXPECT_EQ(count, HOST_BASIC_INFO_COUNT);
  EXPECT_EQ(basic.max_cpus, static_cast<integer_t>(umach::sched::cpu_count()));
  EXPECT_EQ(basic.memory_size, umach::page_allocator().total_pages() * 4096);
  EXPECT_EQ(basic.cpu_type, CPU_TYPE_X86_64);
  count = HOST_BASIC_INFO_COUNT - 1;
  EXPECT_EQ(host_info(host, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&basic), &count), KERN_FAILURE);
  host_sched_info_data_t sched{};
  count = HOST_SCHED_INFO_COUNT;
  ASSERT_EQ(host_info(host, HOST_SCHED_INFO, reinterpret_cast<host_info_t>(&sched), &count), KERN_SUCCESS);
  EXPECT_EQ(sched.min_timeout, 5);
  EXPECT_EQ(sched.min_quantum, 10);
  host_load_info_data_t load{};
  count = HOST_LOAD_INFO_COUNT;
  ASSERT_EQ(host_info(host, HOST_LOAD_INFO, reinterpret_cast<host_info_t>(&load), &count), KERN_SUCCESS);
  EXPECT_GE(load.mach_factor[0], 0);
  integer_t slots[8];
  count = 8;
  ASSERT_EQ(host_info(host, HOST_PROCESSOR_SLOTS, slots, &count), KERN_SUCCESS);
  EXPECT_EQ(count, umach::sched::cpu_count());
  EXPECT_EQ(host_info(host, 99, slots, &count), KERN_INVALID_ARGUMENT);
  // Only the host's ports name the host.
  count = HOST_BASIC_INFO_COUNT;
  EXPECT_EQ(host_info(self, HOST_BASIC_INFO, reinterpret_cast<host_info_t>(&basic), &count), KERN_INVALID_HOST);
}

TEST_F(KernelRpc, TheKernelSaysItsVersionAndUptime) {
  const mach_port_name_t host = umach::host::self_name(task->space());
  kernel_version_t version{};
  ASSERT_EQ(host_get_kernel_version(host, version), KERN_SUCCESS);
  EXPECT_EQ(std::string(version).rfind("umach ", 0), 0u) << version;
  time_value64_t first{}, second{};
  ASSERT_EQ(host_get_uptime64(host, &first), KERN_SUCCESS);
  ASSERT_EQ(host_get_uptime64(host, &second), KERN_SUCCESS);
  EXPECT_TRUE(second.seconds > first.seconds ||
              (second.seconds == first.seconds && second.nanoseconds >= first.nanoseconds));
  EXPECT_LT(first.nanoseconds, 1'000'000'000);
  EXPECT_EQ(host_get_uptime64(self, &first), KERN_INVALID_HOST);
}

TEST_F(KernelRpc, TheTimeOfDayIsTheHostsAndThePrivilegedPortSetsAndSlewsIt) {
  const mach_port_name_t host = umach::host::self_name(task->space());
  const mach_port_name_t priv = umach::ipc::kobject_send_name(umach::host::priv_port(), task->space());
  time_value_t now{};
  ASSERT_EQ(host_get_time(host, &now), KERN_SUCCESS);
  const int64_t real = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::llabs(now.seconds - real), 5) << "the hosted clock is the host's";
  EXPECT_GE(now.microseconds, 0);
  EXPECT_LT(now.microseconds, 1'000'000);
  // Set it (the privileged port only), read it back, put it back.
  time_value64_t set{1'000'000'000, 250'000'000}, got{};
  EXPECT_EQ(host_set_time64(host, set), KERN_INVALID_HOST);
  ASSERT_EQ(host_set_time64(priv, set), KERN_SUCCESS);
  ASSERT_EQ(host_get_time64(host, &got), KERN_SUCCESS);
  EXPECT_EQ(got.seconds, 1'000'000'000);
  EXPECT_GE(got.nanoseconds, 250'000'000);
  time_value_t bad{1, 1'000'000};
  EXPECT_EQ(host_set_time(priv, bad), KERN_INVALID_ARGUMENT);
  // An adjustment is slewed: right after it, nearly all of it is pending.
  time_value64_t second{1, 0}, none{0, 0}, left{};
  ASSERT_EQ(host_adjust_time64(priv, second, &left), KERN_SUCCESS);
  EXPECT_EQ(left.seconds, 0);
  EXPECT_EQ(left.nanoseconds, 0);
  ASSERT_EQ(host_adjust_time64(priv, none, &left), KERN_SUCCESS);
  const int64_t pending = left.seconds * 1'000'000'000 + left.nanoseconds;
  EXPECT_GT(pending, 990'000'000) << "500 ppm of a few ms was applied at most";
  EXPECT_LE(pending, 1'000'000'000);
  EXPECT_EQ(host_adjust_time64(host, none, &left), KERN_INVALID_HOST);
  time_value_t back{real, 0}, old{};
  ASSERT_EQ(host_set_time(priv, back), KERN_SUCCESS);
  ASSERT_EQ(host_adjust_time(priv, time_value_t{0, 0}, &old), KERN_SUCCESS);
  EXPECT_EQ(old.seconds, 0);
}

int g_reboot_status = -1;
int g_reboots = 0;

TEST_F(KernelRpc, HostRebootTakesThePrivilegedPortAndEndsTheMachineWithItsStatus) {
  umach::host::set_reboot_hook([](int status) {
    g_reboot_status = status;
    ++g_reboots;
  });
  const mach_port_name_t host = umach::host::self_name(task->space());
  const mach_port_name_t priv = umach::ipc::kobject_send_name(umach::host::priv_port(), task->space());
  EXPECT_EQ(host_reboot(host, 0x08), KERN_INVALID_HOST) << "the host port cannot";
  EXPECT_EQ(host_reboot(self, 0x08), KERN_INVALID_HOST);
  EXPECT_EQ(g_reboots, 0);
  EXPECT_EQ(host_reboot(priv, 0x08), KERN_SUCCESS);  // RB_HALT
  EXPECT_EQ(g_reboot_status, 0);
  EXPECT_EQ(host_reboot(priv, 0), KERN_SUCCESS);  // a reboot
  EXPECT_EQ(g_reboot_status, umach::host::kRebootStatus);
  EXPECT_EQ(host_reboot(priv, 0x1000), KERN_SUCCESS);  // RB_DEBUGGER: nothing to enter
  EXPECT_EQ(g_reboots, 2);
  umach::host::set_reboot_hook(nullptr);
}

TEST_F(KernelRpc, TheProcessorsAndTheirOneSetAnswerFromTheScheduler) {
  const mach_port_name_t host = umach::host::self_name(task->space());
  const mach_port_name_t priv = umach::ipc::kobject_send_name(umach::host::priv_port(), task->space());
  const unsigned cpus = umach::sched::cpu_count();
  // The OOL arrays land in the task's map: read their names through it.
  auto names_at = [&](mach_port_t* at, mach_msg_type_number_t n) {
    std::vector<mach_port_name_t> v(n);
    EXPECT_EQ(umach::vm::map_read(*task->map(), reinterpret_cast<uint64_t>(at), v.data(), n * 4), KERN_SUCCESS);
    return v;
  };
  mach_port_t* list = nullptr;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(host_processors(host, &list, &count), KERN_INVALID_HOST) << "the privileged port lists them";
  ASSERT_EQ(host_processors(priv, &list, &count), KERN_SUCCESS);
  ASSERT_EQ(count, cpus);
  const std::vector<mach_port_name_t> cpu = names_at(list, count);
  EXPECT_EQ(type(cpu[0]), MACH_PORT_TYPE_SEND);

  integer_t info[8] = {};
  mach_port_t info_host = MACH_PORT_NULL;
  mach_msg_type_number_t n = 8;
  ASSERT_EQ(processor_info(cpu[0], PROCESSOR_BASIC_INFO, &info_host, info, &n), KERN_SUCCESS);
  ASSERT_EQ(n, PROCESSOR_BASIC_INFO_COUNT);
  processor_basic_info_data_t b;
  std::memcpy(&b, info, sizeof b);
  EXPECT_EQ(b.cpu_type, CPU_TYPE_X86_64);
  EXPECT_EQ(b.running, 1);
  EXPECT_EQ(b.slot_num, 0);
  EXPECT_EQ(b.is_master, 1);
  EXPECT_EQ(info_host, host) << "the host's port comes back, under the name the task has for it";
  n = 2;
  EXPECT_EQ(processor_info(cpu[0], PROCESSOR_BASIC_INFO, &info_host, info, &n), KERN_FAILURE) << "a short count";
  n = 8;
  EXPECT_EQ(processor_info(cpu[0], 99, &info_host, info, &n), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(processor_info(self, PROCESSOR_BASIC_INFO, &info_host, info, &n), KERN_INVALID_ARGUMENT);

  mach_port_t set_name = MACH_PORT_NULL, set = MACH_PORT_NULL, other = MACH_PORT_NULL;
  ASSERT_EQ(processor_set_default(host, &set_name), KERN_SUCCESS);
  n = 8;
  ASSERT_EQ(processor_set_info(set_name, PROCESSOR_SET_BASIC_INFO, &info_host, info, &n), KERN_SUCCESS);
  processor_set_basic_info_data_t sb;
  std::memcpy(&sb, info, sizeof sb);
  EXPECT_EQ(sb.processor_count, static_cast<integer_t>(cpus));
  EXPECT_GE(sb.task_count, 1) << "this test's task at least";
  n = 8;
  ASSERT_EQ(processor_set_info(set_name, PROCESSOR_SET_SCHED_INFO, &info_host, info, &n), KERN_SUCCESS);
  EXPECT_EQ(n, PROCESSOR_SET_SCHED_INFO_COUNT);
  EXPECT_EQ(processor_set_info(self, PROCESSOR_SET_SCHED_INFO, &info_host, info, &n), KERN_INVALID_ARGUMENT);

  EXPECT_EQ(host_processor_set_priv(host, set_name, &set), KERN_INVALID_HOST);
  EXPECT_EQ(host_processor_set_priv(priv, self, &set), KERN_INVALID_ARGUMENT);
  ASSERT_EQ(host_processor_set_priv(priv, set_name, &set), KERN_SUCCESS);
  EXPECT_NE(set, set_name) << "the control port is another port";

  // One set: it cannot be made or destroyed; assigning to it changes nothing.
  EXPECT_EQ(processor_set_create(host, &other, &other), KERN_FAILURE);
  EXPECT_EQ(processor_set_destroy(set), KERN_FAILURE);
  EXPECT_EQ(processor_set_destroy(set_name), KERN_INVALID_ARGUMENT) << "the name port controls nothing";
  EXPECT_EQ(task_assign(self, set, FALSE), KERN_SUCCESS);
  EXPECT_EQ(task_assign(self, set_name, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(task_assign_default(self, FALSE), KERN_SUCCESS);
  ASSERT_EQ(task_get_assignment(self, &other), KERN_SUCCESS);
  EXPECT_EQ(other, set_name);
  ASSERT_EQ(processor_get_assignment(cpu[0], &other), KERN_SUCCESS);
  EXPECT_EQ(other, set_name);
  EXPECT_EQ(processor_assign(cpu[0], set, FALSE), KERN_SUCCESS);
  EXPECT_EQ(processor_start(cpu[0]), KERN_FAILURE) << "CPUs are not taken on- or offline";
  EXPECT_EQ(processor_exit(cpu[0]), KERN_FAILURE);
  EXPECT_EQ(processor_start(self), KERN_INVALID_ARGUMENT);

  ASSERT_EQ(host_processor_sets(host, &list, &count), KERN_SUCCESS);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(names_at(list, count)[0], set_name);
  ASSERT_EQ(processor_set_processors(set_name, &list, &count), KERN_SUCCESS);
  EXPECT_EQ(names_at(list, count), cpu);
}

TEST_F(KernelRpc, TheConsoleDeviceReadsWhatInputHasArrived) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  umach::hosted::set_console_input_fd(fds[0]);
  const mach_port_name_t master = umach::ipc::kobject_send_name(umach::device::master_port(), task->space());
  mach_port_t console = MACH_PORT_NULL, time = MACH_PORT_NULL;
  char console_name[] = "console", time_name[] = "time";
  ASSERT_EQ(device_open(master, 0, console_name, &console), D_SUCCESS);
  ASSERT_EQ(device_open(master, 0, time_name, &time), D_SUCCESS);
  io_buf_ptr_inband_t in;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(device_read_inband(console, D_NOWAIT, 0, 10, in, &(count = sizeof in)), D_WOULD_BLOCK) << "no input yet";
  ASSERT_EQ(write(fds[1], "typed\n", 6), 6);
  ASSERT_EQ(device_read_inband(console, 0, 0, 100, in, &(count = sizeof in)), D_SUCCESS);
  EXPECT_EQ(std::string(in, count), "typed\n");
  ASSERT_EQ(write(fds[1], "more than asked", 15), 15);
  ASSERT_EQ(device_read_inband(console, 0, 0, 4, in, &(count = sizeof in)), D_SUCCESS);
  EXPECT_EQ(std::string(in, count), "more") << "at most bytes_wanted; the rest stays";
  io_buf_ptr_t data = nullptr;
  ASSERT_EQ(device_read(console, 0, 0, 100, &data, &count), D_SUCCESS);
  ASSERT_EQ(count, 11u);
  char out[11];
  ASSERT_EQ(umach::vm::map_read(*task->map(), reinterpret_cast<uint64_t>(data), out, sizeof out), KERN_SUCCESS);
  EXPECT_EQ(std::string(out, 11), " than asked") << "out of line, in the task's memory";
  EXPECT_EQ(device_read(console, 0, 0, -1, &data, &count), D_INVALID_SIZE);
  EXPECT_EQ(device_read_inband(time, 0, 0, 10, in, &count), D_INVALID_OPERATION);
  EXPECT_EQ(device_read_inband(self, 0, 0, 10, in, &count), D_NO_SUCH_DEVICE);
  close(fds[1]);
  ASSERT_EQ(device_read(console, 0, 0, 100, &data, &count), D_SUCCESS);
  EXPECT_EQ(count, 0u) << "the end of the input reads as nothing";
  umach::hosted::set_console_input_fd(STDIN_FILENO);
  close(fds[0]);
}

TEST_F(KernelRpc, TheConsoleDeviceTakesWritesInLineAndOutOfLine) {
  const mach_port_name_t master = umach::ipc::kobject_send_name(umach::device::master_port(), task->space());
  mach_port_t console = MACH_PORT_NULL, none = MACH_PORT_NULL;
  char console_name[] = "console", nosuch[] = "nosuch", line[] = "console: in line\n";
  ASSERT_EQ(device_open(master, 0, console_name, &console), D_SUCCESS);
  EXPECT_EQ(type(console), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(device_open(master, 0, nosuch, &none), D_NO_SUCH_DEVICE);
  EXPECT_EQ(device_open(self, 0, console_name, &none), D_INVALID_OPERATION) << "only the master port opens devices";
  int written = 0;
  ASSERT_EQ(device_write_inband(console, 0, 0, line, 17, &written), D_SUCCESS);
  EXPECT_EQ(written, 17);
  vm_address_t buf = 0;
  ASSERT_EQ(vm_allocate(self, &buf, 4096, TRUE), KERN_SUCCESS);
  const char text[] = "console: out of line\n";
  ASSERT_EQ(umach::vm::map_write(*task->map(), buf, text, sizeof text - 1), KERN_SUCCESS);
  ASSERT_EQ(device_write(console, 0, 0, reinterpret_cast<io_buf_ptr_t>(buf), sizeof text - 1, &written), D_SUCCESS);
  EXPECT_EQ(written, static_cast<int>(sizeof text - 1));
  mach_port_t pager = MACH_PORT_NULL;
  EXPECT_EQ(device_map(console, VM_PROT_READ, 0, 4096, &pager, 0), D_INVALID_OPERATION);
  EXPECT_EQ(device_close(console), D_SUCCESS);
  EXPECT_EQ(device_close(self), D_NO_SUCH_DEVICE) << "a task port is no device";
}

TEST_F(KernelRpc, TheTimeDeviceMapsTheClockReadOnly) {
  const mach_port_name_t master = umach::ipc::kobject_send_name(umach::device::master_port(), task->space());
  mach_port_t time = MACH_PORT_NULL, pager = MACH_PORT_NULL;
  char time_name[] = "time";
  ASSERT_EQ(device_open(master, 0, time_name, &time), D_SUCCESS);
  EXPECT_EQ(device_map(time, VM_PROT_READ | VM_PROT_WRITE, 0, sizeof(mapped_time_value_t), &pager, 0), D_READ_ONLY);
  EXPECT_EQ(device_map(time, VM_PROT_READ, 0, 2 * 4096, &pager, 0), D_INVALID_SIZE);
  ASSERT_EQ(device_map(time, VM_PROT_READ, 0, sizeof(mapped_time_value_t), &pager, 0), D_SUCCESS);
  vm_address_t at = 0;
  ASSERT_EQ(vm_map(self, &at, 4096, 0, TRUE, pager, 0, FALSE, VM_PROT_READ, VM_PROT_READ, VM_INHERIT_NONE),
            KERN_SUCCESS);
  EXPECT_EQ(vm_protect(self, at, 4096, FALSE, VM_PROT_READ | VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
  // This test runs no scheduler (no ticks): move the clock by hand, as a
  // tick would, and see the mapping follow.
  umach::device::update_mapped_time();
  mapped_time_value_t seen{};
  ASSERT_EQ(umach::vm::map_read(*task->map(), at, &seen, sizeof seen), KERN_SUCCESS);
  EXPECT_EQ(seen.seconds, seen.check_seconds);
  EXPECT_EQ(seen.time_value.seconds, seen.check_seconds64);
  time_value_t now{};
  ASSERT_EQ(host_get_time(umach::host::self_name(task->space()), &now), KERN_SUCCESS);
  EXPECT_LE(std::llabs(seen.time_value.seconds - now.seconds), 1);
  const mach_port_name_t priv = umach::ipc::kobject_send_name(umach::host::priv_port(), task->space());
  ASSERT_EQ(host_set_time(priv, time_value_t{now.seconds + 3600, 0}), KERN_SUCCESS);
  umach::device::update_mapped_time();
  ASSERT_EQ(umach::vm::map_read(*task->map(), at, &seen, sizeof seen), KERN_SUCCESS);
  EXPECT_GE(seen.time_value.seconds, now.seconds + 3600);
  ASSERT_EQ(host_set_time(priv, now), KERN_SUCCESS);
  umach::device::update_mapped_time();
}

TEST_F(KernelRpc, ATaskThatEndedIsNoLongerAnswered) {
  mach_port_t name = MACH_PORT_NULL;
  auto other = umach::Task::create().value();
  umach::ipc::TransitRight right = other->make_send();
  mach_port_name_t other_name = MACH_PORT_NULL;
  ASSERT_EQ(task->space().copyout_right(right, &other_name), KERN_SUCCESS);
  ASSERT_EQ(mach_port_allocate(other_name, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(other->space().entry_count(), 1u);  // it went into the other task's space
  other->terminate();
  EXPECT_EQ(mach_port_allocate(other_name, MACH_PORT_RIGHT_RECEIVE, &name), MACH_SEND_INVALID_DEST);
}

}  // namespace

// What the stubs call, for a task running in the kernel's test thread:
// the sends dispatch at once, so the reply is already queued when the
// receive polls.
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

void mach_msg_destroy(mach_msg_header_t*) { ++g_destroyed; }

}  // extern "C"
