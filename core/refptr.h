// core/refptr.h: intrusive reference counts.
//
// `RefCounted<T>` gives T an atomic count starting at 1 (the creator's
// reference). When the last reference goes, `T::last_reference_dropped()`
// runs exactly once; the object decides how it dies (back to its zone, or
// onto a deferred-free list so that freeing a long chain never recurses).
// `RefPtr<T>` owns one reference; a raw `T*` borrows and its comment says
// who keeps it alive.
#pragma once

#include <stdint.h>

#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/kstd/utility.h"

namespace umach {

template <class T>
class RefCounted {
 public:
  RefCounted() = default;
  RefCounted(const RefCounted&) = delete;
  RefCounted& operator=(const RefCounted&) = delete;

  void ref() const {
    uint32_t old = refs_.fetch_add(1, kstd::MemoryOrder::relaxed);
    kassert(old > 0 && old < kMaxRefs);  // no resurrection, no overflow
  }

  // A new reference unless the last one already went (the object is being
  // destroyed): for finding an object through a table or port that still
  // points at it until its destruction unlinks it.
  [[nodiscard]] bool try_ref() const {
    uint32_t old = refs_.load(kstd::MemoryOrder::relaxed);
    do {
      if (old == 0) return false;
      kassert(old < kMaxRefs);
    } while (!refs_.compare_exchange(old, old + 1, kstd::MemoryOrder::relaxed, kstd::MemoryOrder::relaxed));
    return true;
  }

  // Drops one reference; the caller must not touch the object afterwards.
  void unref() const {
    // acq_rel rather than release plus a fence on the last drop: the same
    // ordering, and one that TSan models.
    uint32_t old = refs_.fetch_sub(1, kstd::MemoryOrder::acq_rel);
    kassert(old > 0);
    if (old == 1) T::last_reference_dropped(static_cast<T*>(const_cast<RefCounted*>(this)));
  }

  // Drops a reference known not to be the last (the caller holds another).
  void unref_not_last() const {
    uint32_t old = refs_.fetch_sub(1, kstd::MemoryOrder::release);
    kassert(old > 1);
  }

  uint32_t ref_count() const { return refs_.load(kstd::MemoryOrder::relaxed); }

 protected:
  ~RefCounted() = default;

 private:
  static constexpr uint32_t kMaxRefs = 0x7fffffffu;
  mutable kstd::Atomic<uint32_t> refs_{1};
};

template <class T>
class RefPtr {
 public:
  constexpr RefPtr() = default;
  constexpr RefPtr(decltype(nullptr)) {}  // NOLINT

  // Takes over a reference the caller already owns (e.g. a fresh object's).
  static RefPtr adopt(T* obj) { return RefPtr(obj, AdoptTag{}); }
  // Takes a new reference on a borrowed object.
  static RefPtr share(T* obj) {
    if (obj) obj->ref();
    return RefPtr(obj, AdoptTag{});
  }

  RefPtr(const RefPtr& o) : ptr_(o.ptr_) {
    if (ptr_) ptr_->ref();
  }
  RefPtr(RefPtr&& o) : ptr_(kstd::exchange(o.ptr_, nullptr)) {}
  RefPtr& operator=(const RefPtr& o) {
    RefPtr(o).swap(*this);
    return *this;
  }
  RefPtr& operator=(RefPtr&& o) {
    RefPtr(kstd::move(o)).swap(*this);
    return *this;
  }
  ~RefPtr() { reset(); }

  void reset() {
    if (T* p = kstd::exchange(ptr_, nullptr)) p->unref();
  }
  // Gives the reference to the caller, who must drop it later.
  [[nodiscard]] T* leak_ref() { return kstd::exchange(ptr_, nullptr); }
  void swap(RefPtr& o) { kstd::swap(ptr_, o.ptr_); }

  T* get() const { return ptr_; }
  T* operator->() const {
    kassert(ptr_);
    return ptr_;
  }
  T& operator*() const {
    kassert(ptr_);
    return *ptr_;
  }
  explicit operator bool() const { return ptr_ != nullptr; }
  bool operator==(const RefPtr& o) const { return ptr_ == o.ptr_; }
  bool operator==(const T* o) const { return ptr_ == o; }

 private:
  struct AdoptTag {};
  RefPtr(T* obj, AdoptTag) : ptr_(obj) {}
  T* ptr_ = nullptr;
};

}  // namespace umach
