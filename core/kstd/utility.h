// kstd/utility.h: move, forward, swap, exchange, and construction in place.
// Placement construction uses an own tag (`kstd::placement`) instead of the
// standard placement new, so this header never collides with <new> in hosted
// translation units that include both.
#pragma once

#include <stddef.h>

#include "core/kstd/type_traits.h"

namespace kstd {

template <class T>
constexpr remove_reference_t<T>&& move(T&& t) noexcept {
  return static_cast<remove_reference_t<T>&&>(t);
}

template <class T>
constexpr T&& forward(remove_reference_t<T>& t) noexcept {
  return static_cast<T&&>(t);
}

template <class T>
constexpr T&& forward(remove_reference_t<T>&& t) noexcept {
  static_assert(!is_lvalue_reference_v<T>, "forwarding an rvalue as an lvalue");
  return static_cast<T&&>(t);
}

template <class T>
constexpr void swap(T& a, T& b) noexcept {
  T tmp = kstd::move(a);
  a = kstd::move(b);
  b = kstd::move(tmp);
}

template <class T, class U = T>
constexpr T exchange(T& obj, U&& value) noexcept {
  T old = kstd::move(obj);
  obj = kstd::forward<U>(value);
  return old;
}

template <class T>
constexpr const T& min(const T& a, const T& b) { return b < a ? b : a; }
template <class T>
constexpr const T& max(const T& a, const T& b) { return a < b ? b : a; }

struct PlacementTag {};
inline constexpr PlacementTag placement{};

}  // namespace kstd

// Placement form with an own tag: `new (kstd::placement, p) T(...)`.
inline void* operator new(size_t, kstd::PlacementTag, void* where) noexcept { return where; }
inline void operator delete(void*, kstd::PlacementTag, void*) noexcept {}

namespace kstd {

template <class T, class... Args>
T* construct_at(void* where, Args&&... args) {
  return new (placement, where) T(kstd::forward<Args>(args)...);
}

template <class T>
void destroy_at(T* obj) {
  obj->~T();
}

// Integer helpers used by allocators and maps.
constexpr bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }
constexpr size_t align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }
constexpr size_t align_down(size_t x, size_t a) { return x & ~(a - 1); }

}  // namespace kstd
