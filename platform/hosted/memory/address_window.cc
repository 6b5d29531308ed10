// platform/hosted/memory/address_window.cc: the window allocator and the
// residency/claim rules of address ranges (see address_window.h).
#include "platform/hosted/memory/address_window.h"

#include <map>

#include "core/kassert.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::hosted {

namespace {

#if UMACH_HOSTED_TSAN
constexpr AppRegion kRegions[] = {
    {0x0001'0000'0000, 0x0080'0000'0000},
    {0x7e80'0000'0000, 0x7f00'0000'0000},
};
constexpr size_t kDefaultWindow = size_t{16} << 30;
#else
constexpr AppRegion kRegions[] = {
    {0x2000'0000'0000, 0x5000'0000'0000},
};
constexpr size_t kDefaultWindow = size_t{64} << 30;
#endif

struct Windows {
  Spinlock lock{LockRank::kAddressWindows};
  std::map<vaddr_t, size_t> used UMACH_GUARDED_BY(lock);  // base -> size
  AddressRange* shared UMACH_GUARDED_BY(lock) = nullptr;  // the shared model's range
};

Windows& windows() {
  static Windows* w = new Windows;  // never destroyed: vCPUs outlive exit
  return *w;
}

kstd::Atomic<size_t> g_window_size{kDefaultWindow};
kstd::Atomic<int> g_model{static_cast<int>(AddressModel::kWindowPerTask)};

bool overlaps_used(const std::map<vaddr_t, size_t>& used, vaddr_t base, size_t size) {
  auto next = used.lower_bound(base);
  if (next != used.end() && next->first < base + size) return true;
  if (next == used.begin()) return false;
  --next;
  return next->first + next->second > base;
}

}  // namespace

kstd::Span<const AppRegion> window_regions() { return {kRegions, sizeof kRegions / sizeof kRegions[0]}; }

void set_address_model(AddressModel model) { g_model.store(static_cast<int>(model)); }
AddressModel address_model() { return static_cast<AddressModel>(g_model.load()); }

void set_window_size(size_t bytes) {
  kassert(bytes >= (size_t{1} << 30) && bytes % (size_t{1} << 30) == 0);
  g_window_size.store(bytes);
}
size_t window_size() { return g_window_size.load(); }

// First fit over the regions, in steps of the window size; a slot the host
// already uses (EEXIST) is skipped.
Result<AddressRange*> allocate_window(size_t bytes) {
  if (bytes == 0 || bytes % kPageSize) return Error{KERN_INVALID_ARGUMENT};
  Windows& w = windows();
  SpinlockGuard guard(w.lock);
  for (const AppRegion& region : window_regions()) {
    for (vaddr_t base = region.begin; base <= region.end && region.end - base >= bytes; base += bytes) {
      if (overlaps_used(w.used, base, bytes) || !reserve_host_if_free(base, bytes)) continue;
      w.used.emplace(base, bytes);
      return new AddressRange(base, bytes);
    }
  }
  return Error{KERN_NO_SPACE};
}

Result<AddressRange*> range_for_new_task(AddressRange* parent) {
  if (parent != nullptr) {
    parent->retain();
    return parent;
  }
  if (address_model() == AddressModel::kWindowPerTask) return allocate_window(window_size());
  Windows& w = windows();
  {
    SpinlockGuard guard(w.lock);
    if (w.shared != nullptr) {
      w.shared->retain();
      return w.shared;
    }
  }
  auto made = allocate_window(window_size());
  if (!made.ok()) return Error{made.error()};
  SpinlockGuard guard(w.lock);
  if (w.shared == nullptr) {
    w.shared = made.value();  // the model keeps this first reference forever
  } else {
    made.value()->release_ref();  // another CPU made one first
  }
  w.shared->retain();
  return w.shared;
}

size_t windows_in_use() {
  Windows& w = windows();
  SpinlockGuard guard(w.lock);
  return w.used.size();
}

void AddressRange::release_ref() {
  if (refs_.fetch_sub(1, kstd::MemoryOrder::acq_rel) != 1) return;
  {
    SpinlockGuard guard(lock_);
    kassert(pmaps_.load(kstd::MemoryOrder::relaxed) == 0);
  }
  release_host(base_, size_);
  Windows& w = windows();
  {
    SpinlockGuard guard(w.lock);
    w.used.erase(base_);
  }
  delete this;
}

Pmap* AddressRange::resident() const {
  SpinlockGuard guard(lock_);
  return resident_;
}

void AddressRange::activate(Pmap& pmap) {
  kassert(&pmap.range() == this);
  SpinlockGuard guard(lock_);
  if (resident_ == &pmap) return;
  if (resident_ != nullptr) resident_->make_resident(false);
  resident_ = &pmap;
  pmap.make_resident(true);
}

void AddressRange::attach(Pmap& pmap) {
  retain();
  SpinlockGuard guard(lock_);
  pmaps_.fetch_add(1, kstd::MemoryOrder::relaxed);
  if (resident_ == nullptr) {
    resident_ = &pmap;
    pmap.make_resident(true);
  }
}

void AddressRange::detach(Pmap& pmap) {
  {
    SpinlockGuard guard(lock_);
    kassert(pmaps_.load(kstd::MemoryOrder::relaxed) > 0);
    pmaps_.fetch_sub(1, kstd::MemoryOrder::relaxed);
    if (resident_ == &pmap) resident_ = nullptr;
  }
  release_ref();
}

bool AddressRange::try_claim(unsigned cpu) {
  int expected = -1;
  if (owner_.compare_exchange(expected, static_cast<int>(cpu), kstd::MemoryOrder::acquire, kstd::MemoryOrder::acquire))
    return true;
  return expected == static_cast<int>(cpu);
}

void AddressRange::release(unsigned cpu) {
  kassert(owner_.load(kstd::MemoryOrder::relaxed) == static_cast<int>(cpu));
  owner_.store(-1, kstd::MemoryOrder::release);
}

}  // namespace umach::hosted
