// tests/unit/pset_test.cc: the processor set's own calls (core/task/
// processor.cc) and mach_port_set_ktype (ipc/mach_port_server.cc), called
// as the kernel's dispatch calls them: processor_set_tasks/threads list
// every task and thread until it terminates, processor_set_max_priority
// caps new threads and (with change_threads) existing ones,
// processor_set_policy_enable/disable keep the mask processor_set_info
// reports, each with the errors of the GNU Mach manual. Every right a call
// hands back is released, so the leak audit after each test holds.
#include <gtest/gtest.h>

#include <mach/port.h>
#include <mach/policy.h>
#include <mach/processor_info.h>
#include <mach/task_special_ports.h>

#include <algorithm>
#include <vector>

#include "core/kalloc.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"
#include "mach_port_kserver.h"
#include <umach/backend.h>

namespace {

using umach::MachThread;
using umach::RefPtr;
using umach::Task;
namespace ipc = umach::ipc;
namespace kserver = umach::kserver;

void nothing(void*) {}

// Runs fn on a kernel thread (joining a thread blocks).
template <class F>
void in_kernel(F fn) {
  ASSERT_TRUE(umach::hosted::run_in_kernel([](void* f) { (*static_cast<F*>(f))(); }, &fn,
                                           umach::sched::kPriorityKernel));
}

RefPtr<MachThread> make_thread(RefPtr<Task> task) {
  auto k = umach::sched::kernel_thread("pset", nothing, nullptr, umach::sched::kPriorityUser);
  EXPECT_TRUE(k.ok());
  umach::sched::thread_join(*k.value());
  auto t = MachThread::create(std::move(task), k.value());
  return t.ok() ? t.value() : RefPtr<MachThread>();
}

// A port array a routine handed back: its rights released, the array freed.
std::vector<ipc::Port*> take_array(ipc_port_t* list, mach_msg_type_number_t count) {
  std::vector<ipc::Port*> ports(list, list + count);
  for (ipc::Port* p : ports) umach::release_send_right(p);
  umach::kfree(list, count * sizeof *list);
  return ports;
}

bool contains(const std::vector<ipc::Port*>& ports, const ipc::Port* p) {
  for (const ipc::Port* q : ports)
    if (q == p) return true;
  return false;
}

// The default set's name and control ports (send rights, released at the
// end); the set's scheduling state goes back to its defaults.
class ProcessorSet : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(kserver::processor_set_default(umach::host::port(), &name), KERN_SUCCESS);
    // The request's right to the name port, which the routine takes.
    ASSERT_EQ(kserver::host_processor_set_priv(umach::host::priv_port(), ipc::copy_send(name), &control),
              KERN_SUCCESS);
  }
  void TearDown() override {
    EXPECT_EQ(kserver::processor_set_max_priority(control, umach::sched::kPriorityHighest, FALSE), KERN_SUCCESS);
    EXPECT_EQ(kserver::processor_set_policy_disable(control, POLICY_FIXEDPRI, FALSE), KERN_SUCCESS);
    umach::release_send_right(control);
    umach::release_send_right(name);
  }
  processor_set_sched_info_data_t sched_info() {
    processor_set_sched_info_data_t s{};
    mach_msg_type_number_t n = PROCESSOR_SET_SCHED_INFO_COUNT;
    ipc_port_t host = nullptr;
    EXPECT_EQ(kserver::processor_set_info(name, PROCESSOR_SET_SCHED_INFO, &host, reinterpret_cast<integer_t*>(&s),
                                          &n),
              KERN_SUCCESS);
    umach::release_send_right(host);
    return s;
  }
  std::vector<ipc::Port*> tasks() {
    ipc_port_t* list = nullptr;
    mach_msg_type_number_t count = 0;
    EXPECT_EQ(kserver::processor_set_tasks(control, &list, &count), KERN_SUCCESS);
    return take_array(list, count);
  }
  std::vector<ipc::Port*> threads() {
    ipc_port_t* list = nullptr;
    mach_msg_type_number_t count = 0;
    EXPECT_EQ(kserver::processor_set_threads(control, &list, &count), KERN_SUCCESS);
    return take_array(list, count);
  }

  ipc_port_t name = nullptr;
  ipc_port_t control = nullptr;
};

TEST_F(ProcessorSet, TasksListsEveryTaskUntilItTerminates) {
  RefPtr<Task> a = Task::create().value(), b = Task::create().value();
  const RefPtr<ipc::Port> a_port = a->self_port();
  std::vector<ipc::Port*> seen = tasks();
  EXPECT_TRUE(contains(seen, a_port.get()));
  EXPECT_TRUE(contains(seen, b->self_port().get()));
  a->terminate();
  seen = tasks();
  EXPECT_FALSE(contains(seen, a_port.get())) << "a terminated task leaves the set";
  EXPECT_TRUE(contains(seen, b->self_port().get()));
  b->terminate();
}

TEST_F(ProcessorSet, TasksGivesEachTasksKernelPort) {
  RefPtr<Task> a = Task::create().value();
  RefPtr<Task> stand_in = Task::create().value();
  // What task_get_special_port(TASK_KERNEL_PORT) gives: here another port.
  ASSERT_EQ(a->set_special_port(TASK_KERNEL_PORT, stand_in->make_send().port), KERN_SUCCESS);
  std::vector<ipc::Port*> seen = tasks();
  EXPECT_FALSE(contains(seen, a->self_port().get()));
  EXPECT_EQ(std::count(seen.begin(), seen.end(), stand_in->self_port().get()), 2) << "its own entry and a's";
  a->terminate();
  stand_in->terminate();
}

TEST_F(ProcessorSet, ThreadsListsEveryThreadUntilItTerminates) {
  in_kernel([this] {
    RefPtr<Task> task = Task::create().value();
    RefPtr<MachThread> a = make_thread(task), b = make_thread(task);
    ASSERT_TRUE(a && b);
    const RefPtr<ipc::Port> a_port = a->self_port(), b_port = b->self_port();
    std::vector<ipc::Port*> seen = threads();
    EXPECT_TRUE(contains(seen, a_port.get()));
    EXPECT_TRUE(contains(seen, b_port.get()));
    a->terminate();
    seen = threads();
    EXPECT_FALSE(contains(seen, a_port.get())) << "a terminated thread leaves the set";
    EXPECT_TRUE(contains(seen, b_port.get()));
    task->terminate_all();
    EXPECT_FALSE(contains(threads(), b_port.get()));
  });
}

TEST_F(ProcessorSet, OnlyTheControlPortListsTasksAndThreads) {
  RefPtr<Task> task = Task::create().value();
  ipc_port_t* list = nullptr;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(kserver::processor_set_tasks(name, &list, &count), KERN_INVALID_ARGUMENT) << "the name port";
  EXPECT_EQ(kserver::processor_set_threads(name, &list, &count), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(kserver::processor_set_tasks(task->self_port().get(), &list, &count), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(kserver::processor_set_threads(nullptr, &list, &count), KERN_INVALID_ARGUMENT);
  task->terminate();
}

TEST_F(ProcessorSet, MaxPriorityCapsNewThreads) {
  in_kernel([this] {
    RefPtr<Task> task = Task::create().value();
    RefPtr<MachThread> before = make_thread(task);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->max_priority(), umach::sched::kPriorityUser);
    EXPECT_EQ(kserver::processor_set_max_priority(control, 30, FALSE), KERN_SUCCESS);
    EXPECT_EQ(sched_info().max_priority, 30);
    EXPECT_EQ(before->max_priority(), umach::sched::kPriorityUser) << "without change_threads";
    RefPtr<MachThread> after = make_thread(task);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->max_priority(), 30);
    EXPECT_EQ(after->base_priority(), 30) << "its priority came down with it";
    task->terminate_all();
  });
}

TEST_F(ProcessorSet, MaxPriorityWithChangeThreadsLowersHigherMaxima) {
  in_kernel([this] {
    RefPtr<Task> task = Task::create().value();
    RefPtr<MachThread> high = make_thread(task), low = make_thread(task);
    ASSERT_TRUE(high && low);
    ASSERT_EQ(low->set_priority(40, true), KERN_SUCCESS);
    EXPECT_EQ(kserver::processor_set_max_priority(control, 35, TRUE), KERN_SUCCESS);
    EXPECT_EQ(high->max_priority(), 35);
    EXPECT_EQ(high->base_priority(), 35);
    EXPECT_EQ(low->max_priority(), 40) << "a maximum already below the set's stays";
    EXPECT_EQ(low->base_priority(), 40);
    task->terminate_all();
  });
}

TEST_F(ProcessorSet, MaxPriorityRefusesBadPrioritiesAndTheNamePort) {
  EXPECT_EQ(kserver::processor_set_max_priority(control, -1, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(kserver::processor_set_max_priority(control, umach::sched::kPriorityLowest + 1, FALSE),
            KERN_INVALID_ARGUMENT);
  EXPECT_EQ(kserver::processor_set_max_priority(name, 30, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(sched_info().max_priority, umach::sched::kPriorityHighest) << "nothing changed";
}

TEST_F(ProcessorSet, FixedPriorityMayBeEnabledAndDisabled) {
  EXPECT_EQ(sched_info().policies, POLICY_TIMESHARE);
  EXPECT_EQ(kserver::processor_set_policy_enable(control, POLICY_FIXEDPRI), KERN_SUCCESS);
  EXPECT_EQ(sched_info().policies, POLICY_TIMESHARE | POLICY_FIXEDPRI);
  EXPECT_EQ(kserver::processor_set_policy_enable(control, POLICY_TIMESHARE), KERN_SUCCESS);
  EXPECT_EQ(kserver::processor_set_policy_disable(control, POLICY_FIXEDPRI, TRUE), KERN_SUCCESS);
  EXPECT_EQ(sched_info().policies, POLICY_TIMESHARE);
  EXPECT_EQ(kserver::processor_set_policy_disable(control, POLICY_FIXEDPRI, FALSE), KERN_SUCCESS)
      << "already disabled";
}

// thread_policy takes what the set enables: FIXEDPRI once enabled, with
// its quantum in ms rounded up to ticks; disabling it with change_threads
// moves its threads back to timesharing.
TEST_F(ProcessorSet, FixedPriorityThreadsGetTheirQuantumWhileTheSetAllowsIt) {
  in_kernel([this] {
    RefPtr<Task> task = Task::create().value();
    RefPtr<MachThread> t = make_thread(task);
    ASSERT_TRUE(t);
    EXPECT_EQ(kserver::thread_policy(t.get(), POLICY_FIXEDPRI, 20), KERN_FAILURE) << "not enabled yet";
    ASSERT_EQ(kserver::processor_set_policy_enable(control, POLICY_FIXEDPRI), KERN_SUCCESS);
    EXPECT_EQ(kserver::thread_policy(t.get(), POLICY_FIXEDPRI, 22), KERN_SUCCESS);
    thread_sched_info s{};
    mach_msg_type_number_t n = THREAD_SCHED_INFO_COUNT;
    ASSERT_EQ(t->info(THREAD_SCHED_INFO, reinterpret_cast<integer_t*>(&s), &n), KERN_SUCCESS);
    EXPECT_EQ(s.policy, POLICY_FIXEDPRI);
    EXPECT_EQ(s.data, 22);
    EXPECT_EQ(t->sched_thread().quantum_ticks(), 5u) << "22 ms in 5 ms ticks, rounded up";
    EXPECT_EQ(kserver::processor_set_policy_disable(control, POLICY_FIXEDPRI, TRUE), KERN_SUCCESS);
    EXPECT_EQ(t->policy(), POLICY_TIMESHARE);
    EXPECT_EQ(t->sched_thread().quantum_ticks(), umach::sched::kQuantumTicks);
    EXPECT_EQ(kserver::thread_policy(t.get(), POLICY_FIXEDPRI, 20), KERN_FAILURE) << "disabled again";
    EXPECT_EQ(kserver::thread_policy(t.get(), POLICY_TIMESHARE, 0), KERN_SUCCESS);
    task->terminate_all();
  });
}

TEST_F(ProcessorSet, TimesharingCannotBeDisabled) {
  EXPECT_EQ(kserver::processor_set_policy_disable(control, POLICY_TIMESHARE, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(sched_info().policies, POLICY_TIMESHARE);
}

TEST_F(ProcessorSet, PoliciesRefuseBadValuesAndTheNamePort) {
  for (int bad : {0, -1, POLICY_LAST + 1, POLICY_TIMESHARE | POLICY_FIXEDPRI}) {
    EXPECT_EQ(kserver::processor_set_policy_enable(control, bad), KERN_INVALID_ARGUMENT) << bad;
    EXPECT_EQ(kserver::processor_set_policy_disable(control, bad, FALSE), KERN_INVALID_ARGUMENT) << bad;
  }
  EXPECT_EQ(kserver::processor_set_policy_enable(name, POLICY_FIXEDPRI), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(kserver::processor_set_policy_disable(name, POLICY_FIXEDPRI, FALSE), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(sched_info().policies, POLICY_TIMESHARE);
}

// ---- mach_port_set_ktype ----

constexpr mach_port_ktype_t kNone = 0, kUserDevice = 28;  // GNU Mach's MACH_PORT_KTYPE_*

// The routine as the dispatch calls it: the task's port came in the
// request's body, translated to the task's space; the dispatch releases
// that send right once the routine succeeded (tools/mig), and a failed
// request is destroyed with it (pset_rpc_test.cc checks the real path).
kern_return_t set_ktype(ipc_port_t host, Task* task, mach_port_name_t n, mach_port_right_t right,
                        mach_port_ktype_t ktype) {
  ipc::Port* body = task ? task->make_send().port : nullptr;
  const kern_return_t kr = kserver::mach_port_set_ktype(host, task ? &task->space() : nullptr, n, right, ktype);
  umach::release_send_right(body);
  return kr;
}

class SetKtype : public ::testing::Test {
 protected:
  void SetUp() override {
    task = Task::create().value();
    ASSERT_EQ(task->space().allocate(MACH_PORT_RIGHT_RECEIVE, &receive), KERN_SUCCESS);
  }
  void TearDown() override { task->terminate(); }
  kern_return_t set(mach_port_name_t n, mach_port_right_t right, mach_port_ktype_t ktype) {
    return set_ktype(umach::host::priv_port(), task.get(), n, right, ktype);
  }

  RefPtr<Task> task;
  mach_port_name_t receive = MACH_PORT_NULL;
};

TEST_F(SetKtype, AReceiveRightBecomesAUserDeviceAndBack) {
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice), KERN_SUCCESS);
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice), KERN_SUCCESS) << "again";
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_RECEIVE, kNone), KERN_SUCCESS);
  mach_port_type_t type = 0;
  ASSERT_EQ(task->space().type(receive, &type), KERN_SUCCESS);
  EXPECT_EQ(type, MACH_PORT_TYPE_RECEIVE) << "the right is as it was";
}

TEST_F(SetKtype, OnlyThePrivilegedHostPortMaySetIt) {
  EXPECT_EQ(set_ktype(umach::host::port(), task.get(), receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice),
            KERN_INVALID_HOST);
  EXPECT_EQ(set_ktype(nullptr, task.get(), receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice), KERN_INVALID_HOST);
}

TEST_F(SetKtype, NoSpaceOrADeadOneIsAnInvalidTask) {
  EXPECT_EQ(set_ktype(umach::host::priv_port(), nullptr, receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice),
            KERN_INVALID_TASK);
  task->terminate();
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_RECEIVE, kUserDevice), KERN_INVALID_TASK);
}

TEST_F(SetKtype, OtherTypesAreInvalidArguments) {
  for (mach_port_ktype_t bad : {1u, 10u, 27u, 29u, ~0u})
    EXPECT_EQ(set(receive, MACH_PORT_RIGHT_RECEIVE, bad), KERN_INVALID_ARGUMENT) << bad;
}

TEST_F(SetKtype, TheNameMustHoldTheRight) {
  EXPECT_EQ(set(0x4242, MACH_PORT_RIGHT_RECEIVE, kUserDevice), KERN_INVALID_NAME);
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_SEND, kUserDevice), KERN_INVALID_RIGHT);
  EXPECT_EQ(set(receive, MACH_PORT_RIGHT_NUMBER, kUserDevice), KERN_INVALID_VALUE);
  mach_port_name_t set_name = MACH_PORT_NULL, dead = MACH_PORT_NULL;
  ASSERT_EQ(task->space().allocate(MACH_PORT_RIGHT_PORT_SET, &set_name), KERN_SUCCESS);
  ASSERT_EQ(task->space().allocate(MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
  EXPECT_EQ(set(set_name, MACH_PORT_RIGHT_PORT_SET, kUserDevice), KERN_INVALID_RIGHT) << "a port set is no port";
  EXPECT_EQ(set(dead, MACH_PORT_RIGHT_DEAD_NAME, kUserDevice), KERN_INVALID_RIGHT);
}

TEST_F(SetKtype, ASendRightToAUserPortIsAcceptedAsGnuMachDoes) {
  ipc::TransitRight right;
  ASSERT_EQ(task->space().copyin_right(receive, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  RefPtr<Task> other = Task::create().value();
  mach_port_name_t send = MACH_PORT_NULL;
  ASSERT_EQ(other->space().copyout_right(right, &send), KERN_SUCCESS);
  EXPECT_EQ(set_ktype(umach::host::priv_port(), other.get(), send, MACH_PORT_RIGHT_SEND, kUserDevice), KERN_SUCCESS);
  other->terminate();
}

TEST_F(SetKtype, AKernelPortKeepsItsType) {
  const mach_port_name_t self = task->self_name();
  EXPECT_EQ(set(self, MACH_PORT_RIGHT_SEND, kUserDevice), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(set(self, MACH_PORT_RIGHT_SEND, kNone), KERN_INVALID_ARGUMENT);
}

}  // namespace
