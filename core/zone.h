// core/zone.h: zones, the allocator of kernel objects.
//
// A zone hands out fixed-size elements carved from slabs: runs of pages from
// the page allocator, aligned to their size, with a header at the start, so
// the slab of an element is its address rounded down. Slabs sit on the
// zone's partial, full or empty list; one empty slab is cached, others go
// back to the page allocator at once.
//
// Each kernel type has its own zone (`TypedZone<T>`), so a zone's live count
// is that type's live object count: tests take a `ZoneSnapshot` and assert
// that an operation left nothing behind. Every allocation consults
// fault_inject::should_fail().
//
// With the platform's memory checker (hosted ASan), free elements are
// poisoned, every object has poisoned redzones on both sides, and freed
// elements wait in a FIFO quarantine before reuse: a use-after-free or an
// overflow of a kernel object is reported at the faulting access. Without it,
// a freed element carries a marker that catches double frees and damage to
// a free element's link.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/kstd/utility.h"
#include "core/list.h"
#include "core/object.h"
#include "core/spinlock.h"

namespace umach {

class Zone {
 public:
  static constexpr size_t kQuarantineMax = 64;  // elements held back per zone (checker only)

  // constexpr, so zones can be constinit globals; a zone joins the registry
  // at its first allocation.
  constexpr Zone(const char* name, size_t size, size_t align = 16)
      : canary_(), name_(name), size_(size < kMinSize ? kMinSize : size), align_(align < 16 ? 16 : align) {}
  Zone(const Zone&) = delete;
  Zone& operator=(const Zone&) = delete;
  ~Zone();  // panics if objects are still live

  // An uninitialised element, or nullptr (out of pages, or fault injected).
  [[nodiscard]] void* alloc() UMACH_EXCLUDES(lock_);
  void free(void* obj) UMACH_EXCLUDES(lock_);

  const char* name() const { return name_; }
  size_t element_size() const { return size_; }
  size_t live() const UMACH_EXCLUDES(lock_);
  size_t slab_count() const UMACH_EXCLUDES(lock_);
  // Moves quarantined elements back to their slabs and frees empty slabs.
  void drain() UMACH_EXCLUDES(lock_);

  void check_local() const UMACH_EXCLUDES(lock_);
  void check_invariants() const UMACH_EXCLUDES(lock_);

 private:
  static constexpr size_t kMinSize = 16;  // room for a free element's link and marker

  // At the start of every slab. Guarded by the owning zone's lock.
  struct Slab {
    ListNode link;           // on one of the zone's partial/full/empty lists
    const Zone* zone;
    void* free_head;         // free elements, linked through their first word
    size_t in_use;           // elements allocated or quarantined
    uint32_t magic;
    static constexpr uint32_t kMagic = 0x534c4142;  // "SLAB"
  };
  using SlabList = List<Slab, &Slab::link>;

  struct Geometry {
    size_t redzone = 0;     // poisoned bytes before and after each object (checker only)
    size_t stride = 0;      // bytes per element
    size_t first = 0;       // offset of the first element in a slab
    size_t slab_bytes = 0;  // power of two, >= one page
    size_t capacity = 0;    // elements per slab
  };
  void compute_geometry_locked() UMACH_REQUIRES(lock_);
  Slab* grow_locked() UMACH_REQUIRES(lock_);
  void release_locked(void* obj) UMACH_REQUIRES(lock_);
  void free_slab_locked(Slab* slab) UMACH_REQUIRES(lock_);
  Slab* slab_of(const void* obj) const UMACH_REQUIRES(lock_);
  void check_local_locked() const UMACH_REQUIRES(lock_);
  void check_slab_locked(const Slab& slab, const SlabList& list) const UMACH_REQUIRES(lock_);

  Canary<0x5a4f4e45> canary_;  // "ZONE"
  const char* name_;
  size_t size_;
  size_t align_;
  mutable Spinlock lock_{LockRank::kZone};
  Geometry geo_ UMACH_GUARDED_BY(lock_);
  kstd::Atomic<bool> registered_{false};  // set once, under the registry's lock
  ListNode registry_link_;  // on the registry's list, guarded by the registry's lock
  size_t live_ UMACH_GUARDED_BY(lock_) = 0;
  size_t slabs_ UMACH_GUARDED_BY(lock_) = 0;
  SlabList partial_ UMACH_GUARDED_BY(lock_);
  SlabList full_ UMACH_GUARDED_BY(lock_);
  SlabList empty_ UMACH_GUARDED_BY(lock_);
  void* quarantine_head_ UMACH_GUARDED_BY(lock_) = nullptr;  // oldest first
  void* quarantine_tail_ UMACH_GUARDED_BY(lock_) = nullptr;
  size_t quarantined_ UMACH_GUARDED_BY(lock_) = 0;

  friend class ZoneRegistry;
};

// A zone of T: create/destroy construct and destroy in place.
template <class T>
class TypedZone {
 public:
  constexpr explicit TypedZone(const char* name) : zone_(name, sizeof(T), alignof(T)) {}

  template <class... Args>
  [[nodiscard]] T* create(Args&&... args) {
    void* p = zone_.alloc();
    return p ? kstd::construct_at<T>(p, kstd::forward<Args>(args)...) : nullptr;
  }
  void destroy(T* obj) {
    kstd::destroy_at(obj);
    zone_.free(obj);
  }
  Zone& zone() { return zone_; }
  size_t live() const { return zone_.live(); }

 private:
  Zone zone_;
};

// Every zone that has ever allocated, for leak audits and statistics.
class ZoneRegistry {
 public:
  // Calls fn(zone) for each registered zone, under the registry lock.
  template <class Fn>
  static void for_each(Fn&& fn);
  static size_t total_live();
  static void drain_all();

 private:
  friend class Zone;
  static void add(Zone& z);
  static void remove(Zone& z);
  static void lock();
  static void unlock();
  static Zone* first();
  static Zone* next(Zone& z);
  using ZoneList = List<Zone, &Zone::registry_link_>;
  static ZoneList& zones();
};

template <class Fn>
void ZoneRegistry::for_each(Fn&& fn) {
  lock();
  for (Zone* z = first(); z; z = next(*z)) fn(*z);
  unlock();
}

// Live counts of every zone at one moment; `leaks_since()` lists the zones
// whose count grew (and returns how many objects in all).
class ZoneSnapshot {
 public:
  static constexpr size_t kMaxZones = 128;
  ZoneSnapshot();
  // Logs each zone whose live count differs; returns the total difference.
  long leaks_since(bool report = true) const;

 private:
  const Zone* zones_[kMaxZones];
  size_t live_[kMaxZones];
  size_t count_ = 0;
};

}  // namespace umach
