// core/task/gsync.cc: see gsync.h.
#include "core/task/gsync.h"

#include <mach/gsync.h>

#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/sched/wait_queue.h"
#include "core/task/task.h"
#include "gnumach_kserver.h"
#include "ipc/kserver.h"
#include "vm/fault.h"
#include "vm/vm_user.h"

namespace umach::gsync {
namespace {

struct Key {
  const void* owner;  // the map (private) or the VM object (GSYNC_SHARED)
  uint64_t offset;    // the address, or the offset in the object
  bool operator==(const Key&) const = default;
};

struct Bucket;

// A sleeping gsync_wait, on its own stack. Its bucket's lock guards `link`,
// `key` and `woken`; `bucket` changes (requeue) under both buckets' locks.
struct Waiter {
  ListNode link;
  Key key;
  kstd::Atomic<Bucket*> bucket{nullptr};
  bool woken = false;
  sched::WaitQueue queue;  // the waiter's own: a wake picks exactly it
};

struct Bucket {
  Spinlock lock{LockRank::kGsync};
  List<Waiter, &Waiter::link> waiters UMACH_GUARDED_BY(lock);
};

constexpr size_t kBuckets = 64;
[[clang::no_destroy]] constinit Bucket g_buckets[kBuckets];
kstd::Atomic<size_t> g_waiters{0};

Bucket& bucket_of(const Key& k) {
  uint64_t h = reinterpret_cast<uintptr_t>(k.owner) ^ (k.offset * 0x9e3779b97f4a7c15ull);
  h ^= h >> 29;
  return g_buckets[h % kBuckets];
}

kern_return_t key_of(vm::VmMap& map, uint64_t addr, int flags, Key* out) {
  if (!(flags & GSYNC_SHARED)) {
    *out = Key{&map, addr};
    return KERN_SUCCESS;
  }
  const void* object;
  uint64_t offset;
  if (kern_return_t kr = vm::object_at(map, addr, &object, &offset); kr != KERN_SUCCESS) return kr;
  *out = Key{object, offset};
  return KERN_SUCCESS;
}

bool aligned(uint64_t addr, int flags) { return addr % ((flags & GSYNC_QUAD) ? 8 : 4) == 0; }

// Wakes the first waiter on `key` in `b` (every one with `all`); how many.
unsigned wake_locked(Bucket& b, const Key& key, bool all) UMACH_REQUIRES(b.lock) {
  unsigned n = 0;
  for (Waiter* w = b.waiters.front(); w;) {
    Waiter* next = b.waiters.next(*w);
    if (w->key == key) {
      b.waiters.remove(*w);
      g_waiters.fetch_sub(1, kstd::MemoryOrder::relaxed);
      w->woken = true;
      w->queue.wakeup_one();  // the waiter takes b.lock before it returns: w lives until then
      ++n;
      if (!all) break;
    }
    w = next;
  }
  return n;
}

}  // namespace

kern_return_t wait(vm::VmMap& map, uint64_t addr, uint32_t val1, uint32_t val2, uint32_t msec, int flags) {
  if (!aligned(addr, flags)) return KERN_INVALID_ADDRESS;
  Waiter w;
  if (kern_return_t kr = key_of(map, addr, flags, &w.key); kr != KERN_SUCCESS) return kr;
  const uint64_t deadline =
      (flags & GSYNC_TIMED) ? Platform::clock_ns() + uint64_t{msec} * 1'000'000 : sched::kNoDeadline;
  Bucket& b = bucket_of(w.key);
  w.bucket.store(&b, kstd::MemoryOrder::relaxed);
  const size_t size = (flags & GSYNC_QUAD) ? 8 : 4;
  for (;;) {
    // The word is faulted in first, outside the bucket: that may wait for
    // a pager or for memory, which a spinlock's holder may not (a pager
    // whose own gsync calls hash to this bucket would never answer).
    // Under the lock it is read again without waiting; gone meanwhile
    // (paged out, flushed), it is faulted in again.
    uint32_t words[2] = {};
    if (kern_return_t kr = vm::map_read(map, addr, words, size); kr != KERN_SUCCESS) return kr;
    SpinlockGuard g(b.lock);
    if (vm::map_read_now(map, addr, words, size) != KERN_SUCCESS) continue;
    if (words[0] != val1 || ((flags & GSYNC_QUAD) && words[1] != val2)) return KERN_INVALID_ARGUMENT;
    b.waiters.push_back(w);
    {
      SpinlockGuard q(w.queue.lock);
      w.queue.assert_wait_locked(/*interruptible=*/true, deadline);
    }
    // Counted once it waits (release): whoever sees the count can end
    // the wait (clear_wait), as the tests do.
    g_waiters.fetch_add(1, kstd::MemoryOrder::release);
    break;
  }
  const sched::WaitResult r = sched::thread_block();
  // Off its list whatever ended the sleep; a waker that took it off set
  // woken first. Requeue may have moved it: find its bucket under the lock.
  for (;;) {
    Bucket* now = w.bucket.load(kstd::MemoryOrder::acquire);
    SpinlockGuard g(now->lock);
    if (w.bucket.load(kstd::MemoryOrder::relaxed) != now) continue;
    if (!w.woken) {
      now->waiters.remove(w);
      g_waiters.fetch_sub(1, kstd::MemoryOrder::relaxed);
    }
    break;
  }
  if (w.woken) return KERN_SUCCESS;
  return r == sched::WaitResult::kTimedOut ? KERN_TIMEDOUT : KERN_INTERRUPTED;
}

kern_return_t wake(vm::VmMap& map, uint64_t addr, uint32_t val, int flags) {
  if (!aligned(addr, flags)) return KERN_INVALID_ADDRESS;
  Key key;
  if (kern_return_t kr = key_of(map, addr, flags, &key); kr != KERN_SUCCESS) return kr;
  // The store first, outside the bucket: a sleeper that checks after it
  // sees the new value, one that checked before is on the list by now.
  if (flags & GSYNC_MUTATE)
    if (kern_return_t kr = vm::map_write(map, addr, &val, 4); kr != KERN_SUCCESS) return kr;
  Bucket& b = bucket_of(key);
  SpinlockGuard g(b.lock);
  // GNU Mach's: KERN_INVALID_ARGUMENT when nobody slept there (the
  // GSYNC_MUTATE store is done all the same).
  return wake_locked(b, key, flags & GSYNC_BROADCAST) != 0 ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

namespace {

// Wakes one waiter on `from` if asked, then moves one (every one with
// `all`) to `to`; false (GNU Mach's KERN_INVALID_ARGUMENT) when nobody
// waited on `from`. Both buckets' locks are held (one lock if they are the
// same bucket: the analysis cannot see that, hence no annotations).
bool requeue_locked(Bucket& a, const Key& from, Bucket& b, const Key& to, bool wake_one, bool all)
    UMACH_NO_THREAD_SAFETY_ANALYSIS {
  bool any = false;
  for (Waiter& w : a.waiters) any |= w.key == from;
  if (!any) return false;
  if (wake_one) wake_locked(a, from, false);
  if (from == to) return true;
  for (Waiter* w = a.waiters.front(); w;) {
    Waiter* next = a.waiters.next(*w);
    if (w->key == from) {
      a.waiters.remove(*w);
      w->key = to;
      w->bucket.store(&b, kstd::MemoryOrder::release);
      b.waiters.push_back(*w);
      if (!all) break;
    }
    w = next;
  }
  return true;
}

}  // namespace

kern_return_t requeue(vm::VmMap& map, uint64_t src, uint64_t dst, bool wake_one, int flags)
    UMACH_NO_THREAD_SAFETY_ANALYSIS {
  if (!aligned(src, flags) || !aligned(dst, flags)) return KERN_INVALID_ADDRESS;
  Key from, to;
  if (kern_return_t kr = key_of(map, src, flags, &from); kr != KERN_SUCCESS) return kr;
  if (kern_return_t kr = key_of(map, dst, flags, &to); kr != KERN_SUCCESS) return kr;
  Bucket& a = bucket_of(from);
  Bucket& b = bucket_of(to);
  // Two buckets of one rank: the lower address first (lock_order.h).
  Spinlock& first = &a < &b ? a.lock : b.lock;
  Spinlock& second = &a < &b ? b.lock : a.lock;
  first.lock();
  if (&a != &b) second.lock();
  const bool any = requeue_locked(a, from, b, to, wake_one, flags & GSYNC_BROADCAST);
  if (&a != &b) second.unlock();
  first.unlock();
  return any ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

size_t waiters() { return g_waiters.load(kstd::MemoryOrder::acquire); }

}  // namespace umach::gsync

namespace umach::kserver {

// The task's map, or null (a dead task, another kind of port, no map).
static RefPtr<Task> task_with_map(ipc_port_t port) {
  RefPtr<Task> t = task_from_port(port);
  return t && t->map() ? t : RefPtr<Task>{};
}

kern_return_t gsync_wait(ipc_port_t task, vm_address_t addr, unsigned val1, unsigned val2, natural_t msec, int flags) {
  RefPtr<Task> t = task_with_map(task);
  if (!t) return KERN_INVALID_TASK;
  return gsync::wait(*t->map(), addr, val1, val2, msec, flags);
}

kern_return_t gsync_wake(ipc_port_t task, vm_address_t addr, unsigned val, int flags) {
  RefPtr<Task> t = task_with_map(task);
  if (!t) return KERN_INVALID_TASK;
  return gsync::wake(*t->map(), addr, val, flags);
}

kern_return_t gsync_requeue(ipc_port_t task, vm_address_t src_addr, vm_address_t dst_addr, boolean_t wake_one,
                            int flags) {
  RefPtr<Task> t = task_with_map(task);
  if (!t) return KERN_INVALID_TASK;
  return gsync::requeue(*t->map(), src_addr, dst_addr, wake_one, flags);
}

}  // namespace umach::kserver
