// core/result.h: errors as values.
//
// `Result<T>` holds either a T or a non-zero kern_return_t; it is
// [[nodiscard]], so a caller can never drop an error on the floor.
// `Error{KERN_...}` converts to any Result. UMACH_TRY(expr) returns the error
// of a failed Result from the enclosing function and otherwise yields the value.
#pragma once

#include <mach/kern_return.h>

#include "core/kassert.h"
#include "core/kstd/utility.h"

namespace umach {

struct [[nodiscard]] Error {
  kern_return_t code;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : ok_(true) { kstd::construct_at<T>(&value_, v); }           // NOLINT
  Result(T&& v) : ok_(true) { kstd::construct_at<T>(&value_, kstd::move(v)); }     // NOLINT
  Result(Error e) : ok_(false), code_(e.code) { kassert(e.code != KERN_SUCCESS); } // NOLINT
  Result(Result&& o) : ok_(o.ok_) {
    if (ok_)
      kstd::construct_at<T>(&value_, kstd::move(o.value_));
    else
      code_ = o.code_;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (ok_) value_.~T();
  }

  bool ok() const { return ok_; }
  kern_return_t error() const { return ok_ ? KERN_SUCCESS : code_; }
  T& value() & {
    kassert(ok_);
    return value_;
  }
  const T& value() const& {
    kassert(ok_);
    return value_;
  }
  T take() && {
    kassert(ok_);
    return kstd::move(value_);
  }

 private:
  bool ok_;
  union {
    T value_;
    kern_return_t code_;
  };
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : code_(KERN_SUCCESS) {}
  Result(Error e) : code_(e.code) { kassert(e.code != KERN_SUCCESS); }  // NOLINT
  // From a raw code, as returned by MIG-shaped routines: KERN_SUCCESS is success.
  static Result from_code(kern_return_t kr) { return kr == KERN_SUCCESS ? Result() : Result(Error{kr}); }

  bool ok() const { return code_ == KERN_SUCCESS; }
  kern_return_t error() const { return code_; }
  void take() && {}

 private:
  kern_return_t code_;
};

inline Result<void> success() { return {}; }

}  // namespace umach

// Evaluates a Result; returns its error from the enclosing function, or
// yields its value. A GNU statement expression (clang and gcc have it).
#define UMACH_TRY(expr)                                        \
  ({                                                           \
    auto _umach_try_r = (expr);                                \
    if (!_umach_try_r.ok()) return ::umach::Error{_umach_try_r.error()}; \
    ::kstd::move(_umach_try_r).take();                         \
  })
