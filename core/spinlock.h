// core/spinlock.h: the kernel's spinlock.
//
// A test-and-test-and-set lock with a bounded spin: after kSpinsBeforeYield
// failed looks it calls Platform::spin_yield(), because on hosted a vCPU is a
// host thread that the host may have descheduled while it holds the lock.
// Annotated for clang's -Wthread-safety: fields say `UMACH_GUARDED_BY(lock_)`,
// and the compiler rejects an access without the lock held.
//
// Each lock has a rank from core/lock_order.h; the order in which locks may
// be taken is documented there, in one place.
#pragma once

#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/lock_order.h"
#include "core/platform/platform.h"
#include "core/thread_annotations.h"

namespace umach {

class UMACH_CAPABILITY("spinlock") Spinlock {
 public:
  static constexpr unsigned kSpinsBeforeYield = 128;

  constexpr explicit Spinlock(LockRank rank) : rank_(rank) {}
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  void lock() UMACH_ACQUIRE() {
    for (;;) {
      if (!locked_.exchange(true, kstd::MemoryOrder::acquire)) return;
      unsigned spins = 0;
      while (locked_.load(kstd::MemoryOrder::relaxed)) {
        if (++spins < kSpinsBeforeYield) {
          Platform::cpu_relax();
        } else {
          Platform::spin_yield();
          spins = 0;
        }
      }
    }
  }

  bool try_lock() UMACH_TRY_ACQUIRE(true) {
    return !locked_.load(kstd::MemoryOrder::relaxed) &&
           !locked_.exchange(true, kstd::MemoryOrder::acquire);
  }

  void unlock() UMACH_RELEASE() {
    kassert(locked_.load(kstd::MemoryOrder::relaxed));
    locked_.store(false, kstd::MemoryOrder::release);
  }

  // For assertions only: true if someone holds it (not necessarily the caller).
  bool is_locked() const { return locked_.load(kstd::MemoryOrder::relaxed); }
  // Tells the analysis the caller holds it, and checks that someone does.
  void assert_held() const UMACH_ASSERT_CAPABILITY(this) { kassert(is_locked()); }
  LockRank rank() const { return rank_; }

 private:
  kstd::Atomic<bool> locked_{false};
  LockRank rank_;
};

// Holds a spinlock for a scope.
class UMACH_SCOPED_CAPABILITY SpinlockGuard {
 public:
  explicit SpinlockGuard(Spinlock& lock) UMACH_ACQUIRE(lock) : lock_(lock) { lock_.lock(); }
  ~SpinlockGuard() UMACH_RELEASE() { lock_.unlock(); }
  SpinlockGuard(const SpinlockGuard&) = delete;
  SpinlockGuard& operator=(const SpinlockGuard&) = delete;

 private:
  Spinlock& lock_;
};

}  // namespace umach
