// tests/compile_fail/spinlock_misuse.cc: code that must NOT compile.
// Each UMACH_MISUSE_* variant breaks the locking rules in one way; the
// tests in CMakeLists.txt compile it with -Werror=thread-safety and expect
// clang's diagnostic. The variant without a macro is the control: it must
// compile, so the negative tests fail for the right reason only.
#include "core/spinlock.h"

namespace {

class Counter {
 public:
  void bump() {
#ifndef UMACH_MISUSE_UNGUARDED_WRITE
    umach::SpinlockGuard guard(lock_);
#endif
    ++value_;
  }

  void bump_twice() {
    umach::SpinlockGuard guard(lock_);
    bump_locked();
#ifdef UMACH_MISUSE_DOUBLE_ACQUIRE
    lock_.lock();
#endif
    bump_locked();
  }

  void call_locked_without_lock() {
#ifdef UMACH_MISUSE_CALL_WITHOUT_LOCK
    bump_locked();
#endif
  }

  void release_unheld() {
#ifdef UMACH_MISUSE_RELEASE_UNHELD
    lock_.unlock();
#endif
  }

 private:
  void bump_locked() UMACH_REQUIRES(lock_) { ++value_; }

  umach::Spinlock lock_{umach::LockRank::kTest};
  int value_ UMACH_GUARDED_BY(lock_) = 0;
};

}  // namespace

void use_counter(Counter& c) {
  c.bump();
  c.bump_twice();
  c.call_locked_without_lock();
  c.release_unheld();
}
