// tests/unit/pset_rpc_test.cc: processor_set_tasks, processor_set_threads
// and mach_port_set_ktype from the generated client stubs (the ones
// libmach carries) through the kernel's dispatch, as a task calls them:
// the ports come back as an out-of-line array of names in the caller's
// space, and the dispatch's conversions (the set's control port, the
// privileged host port, the space) answer the manual's errors. The stubs'
// mach_msg sends into a task's space and receives the reply there (as
// tests/mig/kernel_rpc_test.cc does).
#include <gtest/gtest.h>

#include <mach/mach_host.h>
#include <mach/mach_interface.h>
#include <mach/mach_port.h>
#include <mach/policy.h>

#include <vector>

#include "core/task/host.h"
#include "core/task/task.h"
#include "core/task/traps.h"
#include "ipc/kmsg.h"
#include "ipc/kobject.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/map.h"
#include "vm/vm_user.h"

namespace {

umach::Task* g_task = nullptr;  // the task the stubs run as

class PsetRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    // An address space, for the out-of-line arrays the replies carry.
    task = umach::Task::create(umach::RefPtr<umach::vm::VmMap>::adopt(umach::vm::VmMap::create(nullptr))).value();
    g_task = task.get();
    self = task->self_name();
    host = umach::host::self_name(task->space());
    priv = umach::ipc::kobject_send_name(umach::host::priv_port(), task->space());
    ASSERT_EQ(processor_set_default(host, &set_name), KERN_SUCCESS);
    ASSERT_EQ(host_processor_set_priv(priv, set_name, &set), KERN_SUCCESS);
  }
  void TearDown() override {
    task->space().check_invariants();
    task->terminate();
    g_task = nullptr;
    EXPECT_EQ(umach::ipc::live_kmsgs(), 0u);
  }
  // An out-of-line array of names a reply left in the task's map, read and
  // deallocated.
  std::vector<mach_port_name_t> names_at(mach_port_t* at, mach_msg_type_number_t n) {
    std::vector<mach_port_name_t> v(n);
    umach::vm::VmMap& map = *task->map();
    EXPECT_EQ(umach::vm::map_read(map, reinterpret_cast<uint64_t>(at), v.data(), n * 4), KERN_SUCCESS);
    EXPECT_EQ(umach::vm::deallocate(map, reinterpret_cast<uint64_t>(at), n * 4), KERN_SUCCESS);
    return v;
  }
  static bool contains(const std::vector<mach_port_name_t>& v, mach_port_name_t n) {
    for (mach_port_name_t m : v)
      if (m == n) return true;
    return false;
  }

  umach::RefPtr<umach::Task> task;
  mach_port_name_t self = MACH_PORT_NULL, host = MACH_PORT_NULL, priv = MACH_PORT_NULL;
  mach_port_t set_name = MACH_PORT_NULL, set = MACH_PORT_NULL;
};

TEST_F(PsetRpc, TasksComeBackAsNamesInTheCallersSpace) {
  auto other = umach::Task::create().value();
  umach::ipc::TransitRight right = other->make_send();
  mach_port_name_t other_name = MACH_PORT_NULL;
  ASSERT_EQ(task->space().copyout_right(right, &other_name), KERN_SUCCESS);
  mach_port_t* list = nullptr;
  mach_msg_type_number_t count = 0;
  ASSERT_EQ(processor_set_tasks(set, &list, &count), KERN_SUCCESS);
  const std::vector<mach_port_name_t> names = names_at(list, count);
  EXPECT_TRUE(contains(names, self)) << "its own port, under the name it has";
  EXPECT_TRUE(contains(names, other_name));
  other->terminate();
}

TEST_F(PsetRpc, ThreadsAnswerWithAnArrayToo) {
  mach_port_t* list = nullptr;
  mach_msg_type_number_t count = 0;
  ASSERT_EQ(processor_set_threads(set, &list, &count), KERN_SUCCESS);
  (void)names_at(list, count);  // whatever threads the kernel has (tests/unit/pset_test.cc checks which)
}

TEST_F(PsetRpc, TheNamePortListsNothing) {
  mach_port_t* list = nullptr;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(processor_set_tasks(set_name, &list, &count), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(processor_set_threads(set_name, &list, &count), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(processor_set_max_priority(set_name, 30, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(processor_set_policy_enable(set_name, POLICY_FIXEDPRI), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(processor_set_policy_disable(set_name, POLICY_FIXEDPRI, FALSE), KERN_INVALID_ARGUMENT);
}

// A routine that succeeds takes the send rights its request's body
// carried: the set's count of send rights does not grow with each call.
TEST_F(PsetRpc, TheSetsRightsInRequestsAreTakenNotKept) {
  auto srights = [&](mach_port_name_t n) {
    umach::traps::SendRight right(task->space(), n);  // (one more while it lives)
    umach::SpinlockGuard g(right.port()->lock);
    return right.port()->srights_;
  };
  const uint32_t before = srights(set), name_before = srights(set_name);
  mach_port_t control = MACH_PORT_NULL;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(task_assign(self, set, FALSE), KERN_SUCCESS);
    ASSERT_EQ(host_processor_set_priv(priv, set_name, &control), KERN_SUCCESS);
  }
  EXPECT_EQ(srights(set), before) << "the rights the replies gave joined the name the task has";
  EXPECT_EQ(srights(set_name), name_before);
}

TEST_F(PsetRpc, SetKtypeMarksAReceiveRight) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(mach_port_set_ktype(priv, self, name, MACH_PORT_RIGHT_RECEIVE, 28), KERN_SUCCESS);
}

TEST_F(PsetRpc, SetKtypeTakesOnlyThePrivilegedHostPort) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(mach_port_set_ktype(host, self, name, MACH_PORT_RIGHT_RECEIVE, 28), KERN_INVALID_HOST);
}

TEST_F(PsetRpc, SetKtypeTakesATask) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(mach_port_set_ktype(priv, set, name, MACH_PORT_RIGHT_RECEIVE, 28), KERN_INVALID_TASK);
}

TEST_F(PsetRpc, SetKtypeAnswersTheSpacesErrors) {
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
  EXPECT_EQ(mach_port_set_ktype(priv, self, name, MACH_PORT_RIGHT_RECEIVE, 3), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(mach_port_set_ktype(priv, self, 0x4242, MACH_PORT_RIGHT_RECEIVE, 0), KERN_INVALID_NAME);
  EXPECT_EQ(mach_port_set_ktype(priv, self, self, MACH_PORT_RIGHT_SEND, 0), KERN_INVALID_ARGUMENT)
      << "the task's own port is a kernel port";
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

void mach_msg_destroy(mach_msg_header_t*) {}

}  // extern "C"
