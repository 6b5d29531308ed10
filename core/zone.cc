// core/zone.cc: see zone.h.
#include "core/zone.h"

#include "core/fault_inject.h"
#include "core/log.h"
#include "core/object.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"

namespace umach {
namespace {

constexpr size_t kPage = Platform::kPageSize;
constexpr size_t kMaxSlabPages = 64;
constexpr size_t kMinPerSlab = 8;
constexpr uint64_t kFreeMarker = 0x5a6f6e6546726565ull;  // "ZoneFree"

// A free element's first two words: its link and a marker tied to its address.
struct FreeWords {
  void* next;
  uint64_t marker;
};

void poison(const void* p, size_t n) { Platform::poison(p, n); }
void unpoison(const void* p, size_t n) { Platform::unpoison(p, n); }

// Reads or writes a free element's words; the element stays poisoned around it.
FreeWords read_words(void* obj) {
  unpoison(obj, sizeof(FreeWords));
  FreeWords w = *static_cast<FreeWords*>(obj);
  poison(obj, sizeof(FreeWords));
  return w;
}
void write_words(void* obj, FreeWords w) {
  unpoison(obj, sizeof(FreeWords));
  *static_cast<FreeWords*>(obj) = w;
  poison(obj, sizeof(FreeWords));
}
uint64_t marker_for(const void* obj) { return kFreeMarker ^ reinterpret_cast<uintptr_t>(obj); }

}  // namespace

Zone::~Zone() {
  if (!registered_.load(kstd::MemoryOrder::acquire)) return;
  drain();
  {
    SpinlockGuard guard(lock_);
    if (live_ != 0) panic("zone %s destroyed with %zu live objects", name_, live_);
    while (Slab* s = empty_.pop_front()) free_slab_locked(s);
    kassert(slabs_ == 0 && partial_.empty() && full_.empty());
  }
  ZoneRegistry::remove(*this);
}

void Zone::compute_geometry_locked() {
  Geometry g;
  g.redzone = Platform::kMemoryChecker ? kstd::align_up(16, align_) : 0;
  size_t body = kstd::align_up(size_, 8);
  g.stride = kstd::align_up(g.redzone + body + (Platform::kMemoryChecker ? 16 : 0), align_);
  g.first = kstd::align_up(sizeof(Slab), align_);
  g.slab_bytes = kPage;
  while ((g.slab_bytes - g.first) / g.stride < kMinPerSlab && g.slab_bytes < kMaxSlabPages * kPage)
    g.slab_bytes *= 2;
  g.capacity = (g.slab_bytes - g.first) / g.stride;
  if (g.capacity == 0) panic("zone %s: elements of %zu bytes do not fit a slab", name_, size_);
  geo_ = g;
}

Zone::Slab* Zone::grow_locked() {
  size_t pages = geo_.slab_bytes / kPage;
  auto pa = page_allocator().alloc(pages, pages);
  if (!pa.ok()) return nullptr;
  char* base = static_cast<char*>(Platform::phys_to_virt(pa.value()));
  unpoison(base, geo_.slab_bytes);
  Slab* slab = kstd::construct_at<Slab>(base);
  slab->zone = this;
  slab->free_head = nullptr;
  slab->in_use = 0;
  slab->magic = Slab::kMagic;
  poison(base + sizeof(Slab), geo_.slab_bytes - sizeof(Slab));
  // Link the elements in address order: the lowest is handed out first.
  for (size_t i = geo_.capacity; i-- > 0;) {
    void* obj = base + geo_.first + i * geo_.stride + geo_.redzone;
    write_words(obj, {slab->free_head, marker_for(obj)});
    slab->free_head = obj;
  }
  ++slabs_;
  return slab;
}

void Zone::free_slab_locked(Slab* slab) {
  kassert(slab->in_use == 0 && !slab->link.is_linked());
  kstd::destroy_at(slab);
  unpoison(slab, geo_.slab_bytes);
  --slabs_;
  page_allocator().free(Platform::virt_to_phys(slab), geo_.slab_bytes / kPage);
}

Zone::Slab* Zone::slab_of(const void* obj) const {
  auto addr = reinterpret_cast<uintptr_t>(obj);
  auto* slab = reinterpret_cast<Slab*>(addr & ~(uintptr_t{geo_.slab_bytes} - 1));
  if (geo_.stride == 0 || slab->magic != Slab::kMagic || slab->zone != this)
    panic("zone %s: %p was not allocated from this zone", name_, obj);
  size_t off = addr - reinterpret_cast<uintptr_t>(slab);
  if (off < geo_.first + geo_.redzone || (off - geo_.first - geo_.redzone) % geo_.stride ||
      (off - geo_.first) / geo_.stride >= geo_.capacity)
    panic("zone %s: %p is not the start of an element", name_, obj);
  return slab;
}

void* Zone::alloc() {
  canary_.check();
  if (!registered_.load(kstd::MemoryOrder::acquire)) ZoneRegistry::add(*this);
  if (fault_inject::should_fail()) return nullptr;
  SpinlockGuard guard(lock_);
  if (geo_.stride == 0) compute_geometry_locked();
  Slab* slab = partial_.front();
  if (!slab) {
    slab = empty_.pop_front();
    if (!slab) slab = grow_locked();
    if (!slab) return nullptr;
    partial_.push_back(*slab);
  }
  void* obj = slab->free_head;
  FreeWords w = read_words(obj);
  if (w.marker != marker_for(obj))
    panic("zone %s: free element %p was written after it was freed", name_, obj);
  slab->free_head = w.next;
  write_words(obj, {nullptr, 0});
  if (++slab->in_use == geo_.capacity) {
    partial_.remove(*slab);
    full_.push_back(*slab);
  }
  ++live_;
  unpoison(obj, size_);
  if constexpr (kDebugChecks) check_local_locked();
  return obj;
}

void Zone::free(void* obj) {
  canary_.check();
  kassert(obj);
  SpinlockGuard guard(lock_);
  slab_of(obj);  // panics on a foreign or misaligned pointer
  if (read_words(obj).marker == marker_for(obj)) panic("zone %s: double free of %p", name_, obj);
  kassert(live_ > 0);
  --live_;
  poison(obj, size_);
  if (!Platform::kMemoryChecker) {
    release_locked(obj);
    if constexpr (kDebugChecks) check_local_locked();
    return;
  }
  // Quarantine: the element stays poisoned and unused for a while, so a
  // late access through a stale pointer is still reported.
  write_words(obj, {nullptr, marker_for(obj)});
  if (quarantine_tail_)
    write_words(quarantine_tail_, {obj, marker_for(quarantine_tail_)});
  else
    quarantine_head_ = obj;
  quarantine_tail_ = obj;
  if (++quarantined_ > kQuarantineMax) {
    void* oldest = quarantine_head_;
    quarantine_head_ = read_words(oldest).next;
    if (!quarantine_head_) quarantine_tail_ = nullptr;
    --quarantined_;
    release_locked(oldest);
  }
  if constexpr (kDebugChecks) check_local_locked();
}

void Zone::release_locked(void* obj) {
  Slab* slab = slab_of(obj);
  write_words(obj, {slab->free_head, marker_for(obj)});
  slab->free_head = obj;
  if (slab->in_use-- == geo_.capacity) {
    full_.remove(*slab);
    partial_.push_back(*slab);
  }
  if (slab->in_use == 0) {
    partial_.remove(*slab);
    if (empty_.empty())
      empty_.push_back(*slab);
    else
      free_slab_locked(slab);
  }
}

void Zone::drain() {
  SpinlockGuard guard(lock_);
  while (void* obj = quarantine_head_) {
    quarantine_head_ = read_words(obj).next;
    --quarantined_;
    release_locked(obj);
  }
  quarantine_tail_ = nullptr;
  while (Slab* s = empty_.pop_front()) free_slab_locked(s);
}

size_t Zone::live() const {
  SpinlockGuard guard(lock_);
  return live_;
}

size_t Zone::slab_count() const {
  SpinlockGuard guard(lock_);
  return slabs_;
}

void Zone::check_local() const {
  SpinlockGuard guard(lock_);
  check_local_locked();
}

void Zone::check_local_locked() const {
  canary_.check();
  kassert(slabs_ == partial_.size() + full_.size() + empty_.size());
  kassert(empty_.size() <= 1);
  kassert(quarantined_ <= kQuarantineMax);
}

void Zone::check_slab_locked(const Slab& slab, const SlabList& list) const {
  kassert(slab.magic == Slab::kMagic && slab.zone == this);
  size_t free_count = 0;
  for (void* e = slab.free_head; e; e = read_words(e).next) {
    kassert(read_words(e).marker == marker_for(e));
    kassert(slab_of(e) == &slab);
    kassert(++free_count <= geo_.capacity);
  }
  kassert(free_count + slab.in_use == geo_.capacity);
  if (&list == &full_) kassert(slab.in_use == geo_.capacity);
  if (&list == &empty_) kassert(slab.in_use == 0);
  if (&list == &partial_) kassert(slab.in_use > 0 && slab.in_use < geo_.capacity);
}

void Zone::check_invariants() const {
  SpinlockGuard guard(lock_);
  check_local_locked();
  size_t in_use = 0;
  const SlabList* lists[] = {&partial_, &full_, &empty_};
  for (const SlabList* list : lists) {
    list->check_invariants();
    for (const Slab& s : *list) {
      check_slab_locked(s, *list);
      in_use += s.in_use;
    }
  }
  size_t q = 0;
  for (void* e = quarantine_head_; e; e = read_words(e).next) {
    kassert(read_words(e).marker == marker_for(e));
    ++q;
  }
  kassert(q == quarantined_);
  kassert(in_use == live_ + quarantined_);
}

// ---- the registry ----

namespace {
[[clang::no_destroy]] constinit Spinlock g_registry_lock{LockRank::kZoneRegistry};
}  // namespace

ZoneRegistry::ZoneList& ZoneRegistry::zones() {
  [[clang::no_destroy]] static constinit ZoneList list;
  return list;
}

void ZoneRegistry::add(Zone& z) {
  SpinlockGuard guard(g_registry_lock);
  if (z.registered_.load(kstd::MemoryOrder::relaxed)) return;
  zones().push_back(z);
  z.registered_.store(true, kstd::MemoryOrder::release);
}

void ZoneRegistry::remove(Zone& z) {
  SpinlockGuard guard(g_registry_lock);
  zones().remove(z);
  z.registered_.store(false, kstd::MemoryOrder::release);
}

void ZoneRegistry::lock() UMACH_NO_THREAD_SAFETY_ANALYSIS { g_registry_lock.lock(); }
void ZoneRegistry::unlock() UMACH_NO_THREAD_SAFETY_ANALYSIS { g_registry_lock.unlock(); }
Zone* ZoneRegistry::first() { return zones().front(); }
Zone* ZoneRegistry::next(Zone& z) { return zones().next(z); }

size_t ZoneRegistry::total_live() {
  size_t n = 0;
  for_each([&](Zone& z) { n += z.live(); });
  return n;
}

void ZoneRegistry::drain_all() {
  for_each([](Zone& z) { z.drain(); });
}

ZoneSnapshot::ZoneSnapshot() {
  ZoneRegistry::for_each([&](Zone& z) {
    kassert(count_ < kMaxZones);
    zones_[count_] = &z;
    live_[count_++] = z.live();
  });
}

long ZoneSnapshot::leaks_since(bool report) const {
  long total = 0;
  ZoneRegistry::for_each([&](Zone& z) {
    size_t before = 0;
    for (size_t i = 0; i < count_; ++i)
      if (zones_[i] == &z) before = live_[i];
    size_t now = z.live();
    if (now != before) {
      total += static_cast<long>(now) - static_cast<long>(before);
      if (report) klog("leak audit: zone %s: %zu live objects, %zu before\n", z.name(), now, before);
    }
  });
  return total;
}

}  // namespace umach
