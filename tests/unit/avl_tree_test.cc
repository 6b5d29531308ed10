// tests/unit/avl_tree_test.cc: the ordered map, against std::map as oracle.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "core/avl_tree.h"

namespace {

using umach::AvlNode;
using umach::AvlTree;

struct Entry {
  Entry() = default;
  explicit Entry(uint64_t start) : start(start) {}
  uint64_t start = 0;
  AvlNode by_start;
};
struct ByStart {
  static uint64_t key(const Entry& e) { return e.start; }
};
using Tree = AvlTree<Entry, &Entry::by_start, ByStart>;

TEST(AvlTree, RandomOperationsMatchStdMap) {
  std::mt19937_64 rng(12345);
  std::vector<std::unique_ptr<Entry>> pool;
  std::map<uint64_t, Entry*> oracle;
  Tree tree;
  for (int step = 0; step < 20000; ++step) {
    uint64_t k = rng() % 2000;
    if (rng() % 3) {
      auto e = std::make_unique<Entry>(k);
      bool inserted = tree.insert(*e);
      EXPECT_EQ(inserted, !oracle.count(k));
      if (inserted) {
        oracle[k] = e.get();
        pool.push_back(std::move(e));
      }
    } else if (auto it = oracle.find(k); it != oracle.end()) {
      tree.remove(*it->second);
      oracle.erase(it);
    }
    uint64_t q = rng() % 2100;
    auto lb = oracle.lower_bound(q);
    EXPECT_EQ(tree.lower_bound(q), lb == oracle.end() ? nullptr : lb->second);
    auto ub = oracle.upper_bound(q);
    EXPECT_EQ(tree.floor(q), ub == oracle.begin() ? nullptr : std::prev(ub)->second);
    EXPECT_EQ(tree.find(q), oracle.count(q) ? oracle[q] : nullptr);
    if (step % 1000 == 0) tree.check_invariants();
  }
  tree.check_invariants();
  EXPECT_EQ(tree.size(), oracle.size());
  // In-order walk both ways.
  auto it = oracle.begin();
  for (Entry* e = tree.first(); e; e = tree.next(*e), ++it) EXPECT_EQ(e, it->second);
  EXPECT_EQ(it, oracle.end());
  auto rit = oracle.rbegin();
  for (Entry* e = tree.last(); e; e = tree.prev(*e), ++rit) EXPECT_EQ(e, rit->second);
  for (auto& [k, e] : oracle) tree.remove(*e);
  EXPECT_TRUE(tree.empty());
}

TEST(AvlTree, SequentialInsertStaysLogarithmic) {
  constexpr size_t kN = 100000;
  auto entries = std::make_unique<Entry[]>(kN);
  Tree tree;
  for (size_t i = 0; i < kN; ++i) {
    entries[i].start = i * 4096;
    ASSERT_TRUE(tree.insert(entries[i]));
  }
  EXPECT_LE(tree.height(), 25);  // 1.44 log2(kN + 2) ~ 24
  tree.check_invariants();
  for (size_t i = 0; i < kN; i += 3) tree.remove(entries[i]);
  tree.check_invariants();
  for (size_t i = 0; i < kN; ++i)
    if (entries[i].by_start.is_linked()) tree.remove(entries[i]);
  EXPECT_TRUE(tree.empty());
}

TEST(AvlTree, ExtremeKeys) {
  Entry lo(0), hi(~uint64_t{0});
  Tree tree;
  ASSERT_TRUE(tree.insert(hi));
  ASSERT_TRUE(tree.insert(lo));
  EXPECT_EQ(tree.floor(~uint64_t{0} - 1), &lo);
  EXPECT_EQ(tree.lower_bound(1), &hi);
  EXPECT_EQ(tree.find(~uint64_t{0}), &hi);
  tree.remove(lo);
  tree.remove(hi);
}

TEST(AvlTreeDeathTest, DestroyingANonEmptyTreePanics) {
  EXPECT_DEATH(
      {
        Entry* e = new Entry(1);
        Tree* t = new Tree;
        t->insert(*e);
        delete t;
      },
      "assertion failed");
}

}  // namespace
