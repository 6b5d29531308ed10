// tests/unit/list_test.cc: intrusive lists.
#include <gtest/gtest.h>

#include <vector>

#include "core/list.h"

namespace {

using umach::List;
using umach::ListNode;

struct Thread {
  explicit Thread(int id) : id(id) {}
  int id;
  ListNode run_link;   // on a run queue
  ListNode task_link;  // on its task's thread list
};
using RunQueue = List<Thread, &Thread::run_link>;
using TaskThreads = List<Thread, &Thread::task_link>;

std::vector<int> ids(const RunQueue& q) {
  std::vector<int> v;
  for (const Thread& t : q) v.push_back(t.id);
  return v;
}

TEST(List, KeepsInsertionOrder) {
  Thread a(1), b(2), c(3);
  RunQueue q;
  q.push_back(b);
  q.push_front(a);
  q.push_back(c);
  EXPECT_EQ(ids(q), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(q.size(), 3u);
  q.check_invariants();
  while (q.pop_front()) {
  }
}

TEST(List, ObjectOnTwoListsLeavesOneIndependently) {
  Thread a(1), b(2);
  RunQueue q;
  TaskThreads t;
  q.push_back(a);
  q.push_back(b);
  t.push_back(a);
  t.push_back(b);
  q.remove(a);
  EXPECT_FALSE(a.run_link.is_linked());
  EXPECT_TRUE(a.task_link.is_linked());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(q.front(), &b);
  q.check_invariants();
  t.check_invariants();
  q.remove(b);
  t.remove(a);
  t.remove(b);
}

TEST(List, NextAndPrevWalkBothWays) {
  Thread a(1), b(2), c(3);
  RunQueue q;
  q.push_back(a);
  q.push_back(c);
  q.insert_after(a, b);
  EXPECT_EQ(q.next(a), &b);
  EXPECT_EQ(q.next(c), nullptr);
  EXPECT_EQ(q.prev(a), nullptr);
  EXPECT_EQ(q.prev(c), &b);
  EXPECT_EQ(q.back(), &c);
  while (q.pop_front()) {
  }
  EXPECT_TRUE(q.empty());
}

TEST(ListDeathTest, InsertingALinkedNodePanics) {
  Thread a(1);
  RunQueue q, r;
  q.push_back(a);
  EXPECT_DEATH(r.push_back(a), "assertion failed");
  q.remove(a);
}

TEST(ListDeathTest, DestroyingALinkedObjectPanics) {
  EXPECT_DEATH(
      {
        RunQueue* q = new RunQueue;
        Thread* a = new Thread(1);
        q->push_back(*a);
        delete a;
      },
      "assertion failed");
}

}  // namespace
