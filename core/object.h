// core/object.h: the kernel object pattern.
//
// Every kernel object carries a Canary (a per-type magic word, overwritten
// when the object dies) and two tiers of self-check:
//   - `check_local() const`: cheap, O(1) or O(neighbours); called after each
//     mutating operation when kDebugChecks is on (debug_check_local below);
//   - `check_invariants() const`: a full walk of the structure, called at
//     test boundaries, so a million-entry structure is checked once, linearly,
//     rather than after every insertion.
// Both panic with the object's address on the first broken invariant.
#pragma once

#include <stdint.h>

#include "core/config.h"
#include "core/kassert.h"

namespace umach {

template <uint32_t Magic>
class Canary {
 public:
  static constexpr uint32_t kDead = 0xdeadc0deu;
  static_assert(Magic != kDead, "a live canary must differ from a dead one");

  constexpr Canary() = default;
  Canary(const Canary&) : value_(Magic) {}
  Canary& operator=(const Canary&) { return *this; }
  ~Canary() { value_ = kDead; }

  bool valid() const { return value_ == Magic; }
  void check() const { kassert(valid()); }

 private:
  volatile uint32_t value_ = Magic;  // volatile: the dead mark in ~Canary is never elided
};

// Runs the cheap tier in debug builds; compiles (and is type-checked) always.
template <class T>
inline void debug_check_local(const T& obj) {
  if constexpr (kDebugChecks) obj.check_local();
}

}  // namespace umach
