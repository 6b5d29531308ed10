// tests/unit/ipc_space_test.cc: ports, rights and name spaces (ipc/), one
// behaviour per test, with the error codes of the GNU Mach manual.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/fault_inject.h"
#include "core/task/host.h"
#include "ipc/space.h"

namespace {

using umach::RefPtr;
using umach::ipc::IpcSpace;
using umach::ipc::Port;
using umach::ipc::TransitRight;

RefPtr<IpcSpace> new_space() {
  auto s = IpcSpace::create();
  EXPECT_TRUE(s.ok());
  return s.value();
}

class IpcSpaceTest : public ::testing::Test {
 protected:
  void TearDown() override {
    a->check_invariants();
    b->check_invariants();
  }
  mach_port_name_t receive(IpcSpace& s) {
    mach_port_name_t name = MACH_PORT_NULL;
    EXPECT_EQ(s.allocate(MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
    return name;
  }
  // Gives `to` the right `disposition` of `from`'s `name`; returns its name in `to`.
  mach_port_name_t give(IpcSpace& from, mach_port_name_t name, mach_msg_type_name_t disposition, IpcSpace& to) {
    TransitRight r;
    EXPECT_EQ(from.copyin_right(name, disposition, &r), KERN_SUCCESS);
    mach_port_name_t out = MACH_PORT_NULL;
    EXPECT_EQ(to.copyout_right(r, &out), KERN_SUCCESS);
    return out;
  }
  mach_port_type_t type(IpcSpace& s, mach_port_name_t name) {
    mach_port_type_t t = 0;
    EXPECT_EQ(s.type(name, &t), KERN_SUCCESS);
    return t;
  }
  mach_port_urefs_t refs(IpcSpace& s, mach_port_name_t name, mach_port_right_t right) {
    mach_port_urefs_t r = 0;
    EXPECT_EQ(s.get_refs(name, right, &r), KERN_SUCCESS);
    return r;
  }
  mach_port_status_t status(IpcSpace& s, mach_port_name_t name) {
    mach_port_status_t st{};
    EXPECT_EQ(s.get_receive_status(name, &st), KERN_SUCCESS);
    return st;
  }

  RefPtr<IpcSpace> a = new_space();
  RefPtr<IpcSpace> b = new_space();
};

TEST_F(IpcSpaceTest, AllocateReceiveGivesAReceiveRightOnly) {
  mach_port_name_t n = receive(*a);
  EXPECT_TRUE(MACH_PORT_VALID(n));
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(refs(*a, n, MACH_PORT_RIGHT_RECEIVE), 1u);
  EXPECT_EQ(refs(*a, n, MACH_PORT_RIGHT_SEND), 0u);
  EXPECT_FALSE(status(*a, n).mps_srights);
}

TEST_F(IpcSpaceTest, AllocateOnlyMakesReceiveRightsSetsAndDeadNames) {
  mach_port_name_t n;
  EXPECT_EQ(a->allocate(MACH_PORT_RIGHT_SEND, &n), KERN_INVALID_VALUE);
  EXPECT_EQ(a->allocate(MACH_PORT_RIGHT_SEND_ONCE, &n), KERN_INVALID_VALUE);
  EXPECT_EQ(a->allocate(MACH_PORT_RIGHT_NUMBER, &n), KERN_INVALID_VALUE);
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_DEAD_NAME, &n), KERN_SUCCESS);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_DEAD_NAME);
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &n), KERN_SUCCESS);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_PORT_SET);
}

TEST_F(IpcSpaceTest, AReusedSlotGetsANewGenerationAndTheOldNameIsInvalid) {
  mach_port_name_t first = receive(*a);
  ASSERT_EQ(a->destroy(first), KERN_SUCCESS);
  mach_port_name_t second = receive(*a);
  EXPECT_EQ(umach::ipc::name_index(first), umach::ipc::name_index(second));
  EXPECT_NE(first, second);
  mach_port_type_t t;
  EXPECT_EQ(a->type(first, &t), KERN_INVALID_NAME);
}

TEST_F(IpcSpaceTest, AllocateNameTakesTheChosenName) {
  ASSERT_EQ(a->allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x12345678), KERN_SUCCESS);
  EXPECT_EQ(type(*a, 0x12345678), MACH_PORT_TYPE_RECEIVE);
  EXPECT_EQ(a->allocate_name(MACH_PORT_RIGHT_DEAD_NAME, 0x12345678), KERN_NAME_EXISTS);
  EXPECT_EQ(a->allocate_name(MACH_PORT_RIGHT_RECEIVE, MACH_PORT_NULL), KERN_INVALID_VALUE);
  EXPECT_EQ(a->allocate_name(MACH_PORT_RIGHT_RECEIVE, MACH_PORT_DEAD), KERN_INVALID_VALUE);
  EXPECT_EQ(a->allocate_name(MACH_PORT_RIGHT_SEND, 0x777), KERN_INVALID_VALUE);
}

TEST_F(IpcSpaceTest, TableNamesAvoidNamesATaskChose) {
  const mach_port_name_t chosen = umach::ipc::make_name(1, 1);  // the table's first name
  ASSERT_EQ(a->allocate_name(MACH_PORT_RIGHT_DEAD_NAME, chosen), KERN_SUCCESS);
  mach_port_name_t n = receive(*a);
  EXPECT_NE(n, chosen);
  EXPECT_EQ(type(*a, chosen), MACH_PORT_TYPE_DEAD_NAME);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_RECEIVE);
}

TEST_F(IpcSpaceTest, MakeSendAddsASendRightToTheReceiveRightsEntry) {
  mach_port_name_t n = receive(*a);
  EXPECT_EQ(give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *a), n);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_SEND_RECEIVE);
  EXPECT_EQ(give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *a), n);
  EXPECT_EQ(refs(*a, n, MACH_PORT_RIGHT_SEND), 2u);
  EXPECT_EQ(status(*a, n).mps_mscount, 2u);
  EXPECT_TRUE(status(*a, n).mps_srights);
}

TEST_F(IpcSpaceTest, SendRightsToOnePortShareOneNameInAnotherSpace) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t s1 = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  mach_port_name_t s2 = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  EXPECT_EQ(s1, s2);
  EXPECT_EQ(type(*b, s1), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(refs(*b, s1, MACH_PORT_RIGHT_SEND), 2u);
}

TEST_F(IpcSpaceTest, DeallocateDropsOneUserReference) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  (void)give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  EXPECT_EQ(b->deallocate(s), KERN_SUCCESS);
  EXPECT_EQ(refs(*b, s, MACH_PORT_RIGHT_SEND), 1u);
  EXPECT_TRUE(status(*a, n).mps_srights);
  EXPECT_EQ(b->deallocate(s), KERN_SUCCESS);
  mach_port_type_t t;
  EXPECT_EQ(b->type(s, &t), KERN_INVALID_NAME);
  EXPECT_FALSE(status(*a, n).mps_srights);
}

TEST_F(IpcSpaceTest, DeallocateOfAReceiveRightOrSetIsInvalidRight) {
  mach_port_name_t n = receive(*a), set;
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  EXPECT_EQ(a->deallocate(n), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->deallocate(set), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->deallocate(0x4242), KERN_INVALID_NAME);
}

TEST_F(IpcSpaceTest, ModRefsChecksItsRightAndDelta) {
  mach_port_name_t n = receive(*a);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_RECEIVE, 1), KERN_INVALID_VALUE);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_RECEIVE, -2), KERN_INVALID_VALUE);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_NUMBER, 0), KERN_INVALID_VALUE);
  EXPECT_EQ(a->mod_refs(0x4242, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_NAME);
  (void)give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *a);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_SEND, 5), KERN_SUCCESS);
  EXPECT_EQ(refs(*a, n, MACH_PORT_RIGHT_SEND), 6u);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_SEND, -7), KERN_INVALID_VALUE);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_SEND, 0xffff), KERN_UREFS_OVERFLOW);
  EXPECT_EQ(refs(*a, n, MACH_PORT_RIGHT_SEND), 6u);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_SEND, -6), KERN_SUCCESS);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_RECEIVE);
}

TEST_F(IpcSpaceTest, DestroyingTheReceiveRightTurnsSendRightsIntoDeadNames) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  (void)give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  EXPECT_EQ(a->mod_refs(n, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
  mach_port_type_t t;
  EXPECT_EQ(a->type(n, &t), KERN_INVALID_NAME);
  EXPECT_EQ(type(*b, s), MACH_PORT_TYPE_DEAD_NAME);
  EXPECT_EQ(refs(*b, s, MACH_PORT_RIGHT_DEAD_NAME), 2u);
  EXPECT_EQ(b->mod_refs(s, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
  EXPECT_EQ(b->type(s, &t), KERN_INVALID_NAME);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

TEST_F(IpcSpaceTest, EachSendOnceRightHasANameOfItsOwn) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t o1 = give(*a, n, MACH_MSG_TYPE_MAKE_SEND_ONCE, *b);
  mach_port_name_t o2 = give(*a, n, MACH_MSG_TYPE_MAKE_SEND_ONCE, *b);
  EXPECT_NE(o1, o2);
  EXPECT_EQ(type(*b, o1), MACH_PORT_TYPE_SEND_ONCE);
  EXPECT_EQ(status(*a, n).mps_sorights, 2u);
  EXPECT_EQ(b->mod_refs(o1, MACH_PORT_RIGHT_SEND_ONCE, 1), KERN_INVALID_VALUE);
  EXPECT_EQ(b->deallocate(o1), KERN_SUCCESS);
  // Unused, it tells the port so: a send-once notification, queued on the
  // port and carried by the very right until it is received.
  EXPECT_EQ(status(*a, n).mps_msgcount, 1u);
  EXPECT_EQ(status(*a, n).mps_sorights, 2u);
}

TEST_F(IpcSpaceTest, ADeadSendOnceRightIsOneDeadNameReference) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t o = give(*a, n, MACH_MSG_TYPE_MAKE_SEND_ONCE, *b);
  ASSERT_EQ(a->destroy(n), KERN_SUCCESS);
  EXPECT_EQ(type(*b, o), MACH_PORT_TYPE_DEAD_NAME);
  EXPECT_EQ(refs(*b, o, MACH_PORT_RIGHT_DEAD_NAME), 1u);
}

TEST_F(IpcSpaceTest, MovingTheLastSendReferenceTakesTheEntryAlong) {
  mach_port_name_t n = receive(*a);
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  RefPtr<IpcSpace> c = new_space();
  mach_port_name_t moved = give(*b, s, MACH_MSG_TYPE_MOVE_SEND, *c);
  mach_port_type_t t;
  EXPECT_EQ(b->type(s, &t), KERN_INVALID_NAME);
  EXPECT_EQ(type(*c, moved), MACH_PORT_TYPE_SEND);
  EXPECT_TRUE(status(*a, n).mps_srights);
}

TEST_F(IpcSpaceTest, MovingTheReceiveRightLeavesTheSendRightBehind) {
  mach_port_name_t n = receive(*a);
  (void)give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *a);
  mach_port_name_t r = give(*a, n, MACH_MSG_TYPE_MOVE_RECEIVE, *b);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_SEND);
  EXPECT_EQ(type(*b, r), MACH_PORT_TYPE_RECEIVE);
  // The receive right came home to a space that names the port: one entry.
  mach_port_name_t back = give(*b, r, MACH_MSG_TYPE_MOVE_RECEIVE, *a);
  EXPECT_EQ(back, n);
  EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_SEND_RECEIVE);
}

TEST_F(IpcSpaceTest, CopyinNeedsTheRightItsDispositionNames) {
  mach_port_name_t n = receive(*a);
  TransitRight r;
  EXPECT_EQ(a->copyin_right(n, MACH_MSG_TYPE_COPY_SEND, &r), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MOVE_SEND_ONCE, &r), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->copyin_right(0x4242, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_INVALID_NAME);
  EXPECT_EQ(a->copyin_right(n, MACH_MSG_TYPE_INTEGER_32, &r), KERN_INVALID_VALUE);
  EXPECT_EQ(r.port, nullptr);
  EXPECT_EQ(a->copyin_right(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, &r), KERN_SUCCESS);
  EXPECT_EQ(r.port, nullptr);
}

TEST_F(IpcSpaceTest, ASendRightToADeadPortArrivesAsADeadName) {
  mach_port_name_t n = receive(*a);
  TransitRight r;
  ASSERT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  ASSERT_EQ(a->destroy(n), KERN_SUCCESS);
  mach_port_name_t out;
  EXPECT_EQ(b->copyout_right(r, &out), KERN_SUCCESS);
  EXPECT_EQ(out, MACH_PORT_DEAD);
  EXPECT_EQ(b->entry_count(), 0u);
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

TEST_F(IpcSpaceTest, ARightNobodyReceivesIsReleased) {
  mach_port_name_t n = receive(*a);
  TransitRight r;
  ASSERT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  EXPECT_TRUE(status(*a, n).mps_srights);
  umach::ipc::release_transit_right(r);
  EXPECT_FALSE(status(*a, n).mps_srights);
  ASSERT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MOVE_RECEIVE, &r), KERN_SUCCESS);
  umach::ipc::release_transit_right(r);  // the port dies with its receive right
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

TEST_F(IpcSpaceTest, RenameMovesEveryRightToTheNewName) {
  mach_port_name_t n = receive(*a);
  (void)give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *a);
  ASSERT_EQ(a->rename(n, 0x5000), KERN_SUCCESS);
  EXPECT_EQ(type(*a, 0x5000), MACH_PORT_TYPE_SEND_RECEIVE);
  mach_port_type_t t;
  EXPECT_EQ(a->type(n, &t), KERN_INVALID_NAME);
  // The port knows its new name: a MAKE_SEND from it lands on that entry.
  EXPECT_EQ(give(*a, 0x5000, MACH_MSG_TYPE_MAKE_SEND, *a), 0x5000u);
  mach_port_name_t other = receive(*a);
  EXPECT_EQ(a->rename(other, 0x5000), KERN_NAME_EXISTS);
  EXPECT_EQ(a->rename(other, MACH_PORT_NULL), KERN_INVALID_VALUE);
  EXPECT_EQ(a->rename(0x4242, 0x6000), KERN_INVALID_NAME);
}

TEST_F(IpcSpaceTest, MoveMemberPutsAReceiveRightInASetAndTakesItOut) {
  mach_port_name_t n = receive(*a), set;
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  ASSERT_EQ(a->move_member(n, set), KERN_SUCCESS);
  EXPECT_EQ(status(*a, n).mps_pset, set);
  ASSERT_EQ(a->move_member(n, MACH_PORT_NULL), KERN_SUCCESS);
  EXPECT_EQ(status(*a, n).mps_pset, unsigned{MACH_PORT_NULL});
  EXPECT_EQ(a->move_member(n, MACH_PORT_NULL), KERN_NOT_IN_SET);
}

TEST_F(IpcSpaceTest, MoveMemberNeedsAReceiveRightAndASet) {
  mach_port_name_t n = receive(*a), other = receive(*a), set;
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  EXPECT_EQ(b->move_member(s, MACH_PORT_NULL), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->move_member(n, other), KERN_INVALID_RIGHT);
  EXPECT_EQ(a->move_member(n, 0x4242), KERN_INVALID_NAME);
  EXPECT_EQ(a->move_member(0x4242, set), KERN_INVALID_NAME);
}

TEST_F(IpcSpaceTest, DestroyingASetFreesItsMembersAndDyingMembersLeaveIt) {
  mach_port_name_t n1 = receive(*a), n2 = receive(*a), set;
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  ASSERT_EQ(a->move_member(n1, set), KERN_SUCCESS);
  ASSERT_EQ(a->move_member(n2, set), KERN_SUCCESS);
  ASSERT_EQ(a->destroy(n2), KERN_SUCCESS);
  ASSERT_EQ(a->mod_refs(set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
  EXPECT_EQ(status(*a, n1).mps_pset, unsigned{MACH_PORT_NULL});
  EXPECT_EQ(umach::ipc::live_port_sets(), 0u);
}

TEST_F(IpcSpaceTest, ReceiveStatusReflectsTheSetters) {
  mach_port_name_t n = receive(*a);
  EXPECT_EQ(a->set_qlimit(n, MACH_PORT_QLIMIT_MAX + 1), KERN_INVALID_VALUE);
  ASSERT_EQ(a->set_qlimit(n, 3), KERN_SUCCESS);
  ASSERT_EQ(a->set_seqno(n, 77), KERN_SUCCESS);
  ASSERT_EQ(a->set_mscount(n, 9), KERN_SUCCESS);
  mach_port_status_t st = status(*a, n);
  EXPECT_EQ(st.mps_qlimit, 3u);
  EXPECT_EQ(st.mps_seqno, 77u);
  EXPECT_EQ(st.mps_mscount, 9u);
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  EXPECT_EQ(b->set_qlimit(s, 1), KERN_INVALID_RIGHT);
  mach_port_status_t ignored;
  EXPECT_EQ(b->get_receive_status(s, &ignored), KERN_INVALID_RIGHT);
}

TEST_F(IpcSpaceTest, InsertRightUsesTheChosenNameOrRefuses) {
  mach_port_name_t n = receive(*a);
  TransitRight r;
  ASSERT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  ASSERT_EQ(b->insert_right(0x7000, r), KERN_SUCCESS);
  EXPECT_EQ(type(*b, 0x7000), MACH_PORT_TYPE_SEND);
  // Another name for the same port: refused, and the right stays with the caller.
  ASSERT_EQ(a->copyin_right(n, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  EXPECT_EQ(b->insert_right(0x7100, r), KERN_RIGHT_EXISTS);
  // The same name merges.
  EXPECT_EQ(b->insert_right(0x7000, r), KERN_SUCCESS);
  EXPECT_EQ(refs(*b, 0x7000, MACH_PORT_RIGHT_SEND), 2u);
  // A name that denotes something else: refused.
  mach_port_name_t other = receive(*a);
  ASSERT_EQ(a->copyin_right(other, MACH_MSG_TYPE_MAKE_SEND, &r), KERN_SUCCESS);
  EXPECT_EQ(b->insert_right(0x7000, r), KERN_NAME_EXISTS);
  EXPECT_EQ(b->insert_right(MACH_PORT_NULL, r), KERN_INVALID_VALUE);
  umach::ipc::release_transit_right(r);
}

TEST_F(IpcSpaceTest, TerminatingASpaceDestroysEveryRight) {
  mach_port_name_t n = receive(*a), set;
  mach_port_name_t s = give(*a, n, MACH_MSG_TYPE_MAKE_SEND, *b);
  ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_PORT_SET, &set), KERN_SUCCESS);
  ASSERT_EQ(a->allocate_name(MACH_PORT_RIGHT_DEAD_NAME, 0x99999), KERN_SUCCESS);
  a->terminate();
  EXPECT_EQ(a->entry_count(), 0u);
  mach_port_name_t x;
  EXPECT_EQ(a->allocate(MACH_PORT_RIGHT_RECEIVE, &x), KERN_INVALID_TASK);
  EXPECT_EQ(type(*b, s), MACH_PORT_TYPE_DEAD_NAME);
}

TEST_F(IpcSpaceTest, ManyNamesStayDistinctAndFindable) {
  constexpr int kNames = 20000;
  std::vector<mach_port_name_t> names(kNames);
  for (auto& n : names) ASSERT_EQ(a->allocate(MACH_PORT_RIGHT_DEAD_NAME, &n), KERN_SUCCESS);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  for (auto n : names) EXPECT_EQ(type(*a, n), MACH_PORT_TYPE_DEAD_NAME);
  a->check_invariants();
  for (auto n : names) ASSERT_EQ(a->deallocate(n), KERN_SUCCESS);
  EXPECT_EQ(a->entry_count(), 0u);
}

TEST_F(IpcSpaceTest, EveryFailedAllocationLeavesNothingBehind) {
  for (uint64_t nth = 1; nth < 6; ++nth) {
    RefPtr<IpcSpace> s = new_space();
    umach::fault_inject::fail_nth(nth);
    mach_port_name_t n;
    kern_return_t kr = s->allocate(MACH_PORT_RIGHT_RECEIVE, &n);
    umach::fault_inject::fail_nth(0);
    if (kr == KERN_SUCCESS) {
      EXPECT_EQ(s->destroy(n), KERN_SUCCESS);
    } else {
      EXPECT_EQ(kr, KERN_RESOURCE_SHORTAGE);
      EXPECT_EQ(s->entry_count(), 0u);
    }
    s->check_invariants();
  }
  EXPECT_EQ((umach::ipc::live_ports() - umach::host::permanent_ports()), 0u);
}

}  // namespace
