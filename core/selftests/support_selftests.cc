// core/selftests/support_selftests.cc: self-tests of the kernel support
// library, run on every platform (hosted, amd64, riscv64). The GoogleTest
// suites under tests/ test the same types more deeply on hosted.
#include "core/avl_tree.h"
#include "core/cpu.h"
#include "core/kstd/atomic.h"
#include "core/kstd/cstring.h"
#include "core/list.h"
#include "core/log.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/selftest.h"
#include "core/spinlock.h"
#include "core/zone.h"

namespace umach {
namespace {

struct Counted : RefCounted<Counted> {
  explicit Counted(int* deaths) : deaths(deaths) {}
  static void last_reference_dropped(Counted* c) { ++*c->deaths; }
  int* deaths;
};

struct Item {
  Item() = default;
  explicit Item(uint64_t k) : key(k) {}
  uint64_t key = 0;
  ListNode a_link;
  ListNode b_link;
  AvlNode tree_link;
};
struct ItemKey {
  static uint64_t key(const Item& i) { return i.key; }
};

Result<int> half(int x) {
  if (x % 2) return Error{KERN_INVALID_ARGUMENT};
  return x / 2;
}
Result<int> quarter(int x) {
  int h = UMACH_TRY(half(x));
  return UMACH_TRY(half(h));
}

}  // namespace

UMACH_SELFTEST(result_carries_value_or_error) {
  ST_CHECK(quarter(8).ok());
  ST_CHECK_EQ(quarter(8).value(), 2);
  ST_CHECK_EQ(quarter(6).error(), KERN_INVALID_ARGUMENT);
  ST_CHECK_EQ(quarter(7).error(), KERN_INVALID_ARGUMENT);
}

UMACH_SELFTEST(refcount_reaches_zero_exactly_once) {
  int deaths = 0;
  Counted c(&deaths);
  {
    RefPtr<Counted> a = RefPtr<Counted>::adopt(&c);
    RefPtr<Counted> b = a;
    RefPtr<Counted> m = kstd::move(b);
    ST_CHECK(!b);
    ST_CHECK_EQ(c.ref_count(), 2u);
  }
  ST_CHECK_EQ(deaths, 1);
}

UMACH_SELFTEST(object_sits_on_two_lists) {
  Item x(1), y(2);
  List<Item, &Item::a_link> a;
  List<Item, &Item::b_link> b;
  a.push_back(x);
  a.push_back(y);
  b.push_back(y);
  ST_CHECK_EQ(a.size(), 2u);
  ST_CHECK(b.contains(y) && !b.contains(x));
  a.remove(y);
  ST_CHECK(y.b_link.is_linked() && !y.a_link.is_linked());
  ST_CHECK_EQ(a.front(), &x);
  a.check_invariants();
  b.check_invariants();
  a.remove(x);
  b.remove(y);
}

UMACH_SELFTEST(avl_tree_orders_and_balances) {
  Item items[100];
  AvlTree<Item, &Item::tree_link, ItemKey> tree;
  for (uint64_t i = 0; i < 100; ++i) {
    items[i].key = i * 10;  // keys 0, 10, ..., 990
    ST_CHECK(tree.insert(items[i]));
  }
  Item duplicate(500);
  ST_CHECK(!tree.insert(duplicate));  // keys are unique
  ST_CHECK(!duplicate.tree_link.is_linked());
  tree.check_invariants();
  ST_CHECK(tree.height() <= 9);  // 1.44 log2(102)
  ST_CHECK_EQ(tree.find(500), &items[50]);
  ST_CHECK_EQ(tree.find(505), nullptr);
  ST_CHECK_EQ(tree.lower_bound(505), &items[51]);
  ST_CHECK_EQ(tree.floor(505), &items[50]);
  for (size_t i = 0; i < 100; i += 2) tree.remove(items[i]);
  tree.check_invariants();
  ST_CHECK_EQ(tree.size(), 50u);
  ST_CHECK_EQ(tree.first(), &items[1]);
  ST_CHECK_EQ(tree.next(items[1]), &items[3]);
  for (size_t i = 1; i < 100; i += 2) tree.remove(items[i]);
  ST_CHECK(tree.empty());
}

UMACH_SELFTEST(format_prints_what_printf_would) {
  char buf[96];
  ksnprintf(buf, sizeof buf, "%d|%5u|%-4x|%08lx|%s|%.2s|%c|%%|%zu", -42, 7u, 0xabu, 0xbeefUL, "mach", "umach", 'Z',
            size_t{12});
  ST_CHECK(kstd::memcmp(buf, "-42|    7|ab  |0000beef|mach|um|Z|%|12", 38) == 0);
  ST_CHECK_EQ(ksnprintf(buf, 4, "%s", "truncated"), 9u);
  ST_CHECK(kstd::memcmp(buf, "tru", 4) == 0);
  ksnprintf(buf, sizeof buf, "%lld %llu %p", -9223372036854775807LL - 1, 18446744073709551615ULL, (void*)0x1000);
  ST_CHECK(kstd::memcmp(buf, "-9223372036854775808 18446744073709551615 0x1000", 48) == 0);
}

// try_lock's outcome is the thing under test, so the static analysis (which
// cannot know it) is off for this one function.
bool try_lock_twice(Spinlock& lock, bool& second) UMACH_NO_THREAD_SAFETY_ANALYSIS {
  bool first = lock.try_lock();
  second = lock.try_lock();
  if (first) lock.unlock();
  return first;
}

UMACH_SELFTEST(spinlock_excludes_and_try_lock_fails_when_held) {
  Spinlock lock(LockRank::kTest);
  bool second = true;
  ST_CHECK(try_lock_twice(lock, second));
  ST_CHECK(!second);
  ST_CHECK(!lock.is_locked());
  {
    SpinlockGuard guard(lock);
    ST_CHECK(lock.is_locked());
  }
  ST_CHECK(!lock.is_locked());
}

UMACH_SELFTEST(atomics_return_old_values) {
  kstd::Atomic<uint64_t> a{5};
  ST_CHECK_EQ(a.fetch_add(3), 5u);
  ST_CHECK_EQ(a.exchange(1), 8u);
  uint64_t expected = 2;
  ST_CHECK(!a.compare_exchange(expected, 9));
  ST_CHECK_EQ(expected, 1u);
  ST_CHECK(a.compare_exchange(expected, 9));
  ST_CHECK_EQ(a.load(), 9u);
}

UMACH_SELFTEST(current_cpu_is_a_valid_cpu) {
  Cpu& c = this_cpu();
  c.check_invariants();
  ST_CHECK_EQ(&c, &cpu(c.id));
  ST_CHECK(cpu_count_online() >= 1);
}

UMACH_SELFTEST(clock_is_monotonic) {
  uint64_t a = Platform::clock_ns();
  for (volatile int i = 0; i < 10000; i = i + 1) {
  }
  uint64_t b = Platform::clock_ns();
  ST_CHECK(b >= a);
}

}  // namespace umach
