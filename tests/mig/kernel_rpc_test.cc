// tests/mig/kernel_rpc_test.cc: RPCs from the generated client stubs (the
// ones libmach carries) to the kernel, through ipc/: the stubs' mach_msg
// sends into a task's space and receives the kernel's reply there. A
// task's port is a kernel port: its messages run the generated dispatch,
// which calls ipc/'s routines on the task's space.
#include <gtest/gtest.h>

#include <cstring>

#include <mach/mach_port.h>

#include "core/task/task.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"

namespace {

umach::Task* g_task = nullptr;  // the task the stubs run as
int g_destroyed = 0;

class KernelRpc : public ::testing::Test {
 protected:
  void SetUp() override {
    task = umach::Task::create().value();
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
  mach_port_t name = MACH_PORT_NULL;
  ASSERT_EQ(mach_port_allocate(self, MACH_PORT_RIGHT_PORT_SET, &name), KERN_SUCCESS);
  mach_port_array_t members = nullptr;
  mach_msg_type_number_t count = 0;
  EXPECT_EQ(mach_port_get_set_status(self, name, &members, &count), MIG_BAD_ID);
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
