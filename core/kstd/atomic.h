// kstd/atomic.h: atomics over the compiler's __atomic builtins.
// The memory orders are the C++ ones; the default is sequential consistency,
// and hot paths say which weaker order they rely on.
#pragma once

#include "core/kstd/type_traits.h"

namespace kstd {

enum class MemoryOrder : int {
  relaxed = __ATOMIC_RELAXED,
  acquire = __ATOMIC_ACQUIRE,
  release = __ATOMIC_RELEASE,
  acq_rel = __ATOMIC_ACQ_REL,
  seq_cst = __ATOMIC_SEQ_CST,
};

template <class T>
class Atomic {
  static_assert(is_trivially_copyable_v<T>, "Atomic<T> needs a trivially copyable T");

 public:
  constexpr Atomic() : value_{} {}
  constexpr explicit Atomic(T v) : value_(v) {}
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(MemoryOrder mo = MemoryOrder::seq_cst) const {
    return __atomic_load_n(&value_, static_cast<int>(mo));
  }
  void store(T v, MemoryOrder mo = MemoryOrder::seq_cst) {
    __atomic_store_n(&value_, v, static_cast<int>(mo));
  }
  T exchange(T v, MemoryOrder mo = MemoryOrder::seq_cst) {
    return __atomic_exchange_n(&value_, v, static_cast<int>(mo));
  }
  // On failure `expected` receives the current value, as in C++.
  bool compare_exchange(T& expected, T desired, MemoryOrder success = MemoryOrder::seq_cst,
                        MemoryOrder failure = MemoryOrder::seq_cst) {
    return __atomic_compare_exchange_n(&value_, &expected, desired, false,
                                       static_cast<int>(success), static_cast<int>(failure));
  }
  T fetch_add(T v, MemoryOrder mo = MemoryOrder::seq_cst)
    requires integral<T>
  {
    return __atomic_fetch_add(&value_, v, static_cast<int>(mo));
  }
  T fetch_sub(T v, MemoryOrder mo = MemoryOrder::seq_cst)
    requires integral<T>
  {
    return __atomic_fetch_sub(&value_, v, static_cast<int>(mo));
  }
  T fetch_or(T v, MemoryOrder mo = MemoryOrder::seq_cst)
    requires integral<T>
  {
    return __atomic_fetch_or(&value_, v, static_cast<int>(mo));
  }
  T fetch_and(T v, MemoryOrder mo = MemoryOrder::seq_cst)
    requires integral<T>
  {
    return __atomic_fetch_and(&value_, v, static_cast<int>(mo));
  }

 private:
  T value_;
};

inline void atomic_thread_fence(MemoryOrder mo) { __atomic_thread_fence(static_cast<int>(mo)); }

// A compiler-only barrier: nothing is cached in registers across it.
inline void compiler_barrier() { __asm__ __volatile__("" ::: "memory"); }

}  // namespace kstd
