// vm/map.h: address maps (Mach's vm_map): a task's address space.
//
// A VmMap is an ordered set of entries (an AVL tree by start address, with
// a lookup hint), each a range [start, end) of an object at an offset with
// current and maximum protection, inheritance, a wiring count, and
// needs_copy (the entry's object is shared copy-on-write: the first write
// puts a shadow object over it). An entry with no object is zero-fill
// memory whose object is made at its first fault. Entries are clipped to
// the ranges calls name and merged back with neighbours when they are
// alike. Its pmap (the platform's, contract.h) holds the machine mappings;
// pv entries (vm/page.h) record them.
//
// Guarded by g_vm_lock; the map's own reference count is atomic, so ports
// and tasks hold maps without the lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/avl_tree.h"
#include "core/refptr.h"
#include "core/result.h"
#include "mach/vm_inherit.h"
#include "mach/vm_prot.h"
#include "vm/object.h"
#include "vm/page.h"

namespace umach::vm {

struct VmMapEntry {
  uint64_t start = 0;
  uint64_t end = 0;
  VmObject* object = nullptr;  // one reference, or null: zero fill
  uint64_t offset = 0;         // of start in object
  uint8_t protection = VM_PROT_DEFAULT;
  uint8_t max_protection = VM_PROT_ALL;
  uint8_t inheritance = VM_INHERIT_DEFAULT;
  bool needs_copy = false;
  bool is_shared = false;  // another entry writes the same object directly
  uint16_t wired_count = 0;
  AvlNode by_start;
  VmMapEntry* next_in_copy = nullptr;  // VmMapCopy's list (vm/copy.h)

  uint64_t size() const { return end - start; }
  struct Key {
    static uint64_t key(const VmMapEntry& e) { return e.start; }
  };
};

VmMapEntry* entry_create() UMACH_REQUIRES(g_vm_lock);
void entry_destroy(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);  // drops its object reference

class VmMap : public RefCounted<VmMap> {
 public:
  // A new empty map with a new pmap; `parent` is the map whose memory it
  // will inherit (its pmap decides placement on hosted). Null when short.
  static VmMap* create(VmMap* parent) UMACH_EXCLUDES(g_vm_lock);
  static void last_reference_dropped(VmMap* map);

  uint64_t min() const { return min_; }
  uint64_t max() const { return max_; }
  Platform::Pmap& pmap() { return *pmap_; }

  // Entries.
  VmMapEntry* lookup(uint64_t addr) UMACH_REQUIRES(g_vm_lock);  // containing addr, or null
  VmMapEntry* first() const UMACH_REQUIRES(g_vm_lock) { return entries_.first(); }
  VmMapEntry* next(const VmMapEntry& e) const UMACH_REQUIRES(g_vm_lock) { return entries_.next(e); }
  VmMapEntry* prev(const VmMapEntry& e) const UMACH_REQUIRES(g_vm_lock) { return entries_.prev(e); }
  VmMapEntry* first_at_or_after(uint64_t addr) UMACH_REQUIRES(g_vm_lock);
  size_t entry_count() const UMACH_REQUIRES(g_vm_lock) { return entries_.size(); }

  // Splits the entry containing addr so that an entry starts at addr
  // (nothing if none contains it or one already starts there). False when
  // memory is short.
  [[nodiscard]] bool clip(uint64_t addr) UMACH_REQUIRES(g_vm_lock);
  // Merges the entry with its neighbours where they are alike.
  void simplify(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);
  // True if [start, end) is covered by entries with no hole.
  bool covered(uint64_t start, uint64_t end) UMACH_REQUIRES(g_vm_lock);

  // A free range of `size` bytes at an address whose bits in `mask` are
  // zero, at or after `from`. KERN_NO_SPACE when none.
  Result<uint64_t> find_space(uint64_t from, uint64_t size, uint64_t mask) UMACH_REQUIRES(g_vm_lock);
  // Puts [start, end) of `object` (whose reference the entry takes; may be
  // null) at `offset` into the map; the range must be free.
  Result<VmMapEntry*> enter(uint64_t start, uint64_t end, VmObject* object, uint64_t offset, unsigned prot,
                            unsigned max, unsigned inheritance) UMACH_REQUIRES(g_vm_lock);
  // Inserts a ready entry (vm/copy.cc) into free space.
  void insert(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);
  // Removes whatever is in [start, end), holes allowed.
  Result<void> remove(uint64_t start, uint64_t end) UMACH_REQUIRES(g_vm_lock);
  // Takes entry e out of the map (no unmapping, no object change).
  void unlink(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);

  // Before an entry with needs_copy is written: a shadow object over its
  // object takes its place. False when memory is short.
  [[nodiscard]] bool resolve_needs_copy(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);
  // An entry with no object gets one (zero fill). False when short.
  [[nodiscard]] bool ensure_object(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);

  // The size of all entries (vm_set_size_limit counts against it).
  uint64_t virtual_size() const UMACH_REQUIRES(g_vm_lock) { return size_; }
  uint64_t size_limit() const UMACH_REQUIRES(g_vm_lock) { return size_limit_; }
  uint64_t size_max() const UMACH_REQUIRES(g_vm_lock) { return size_max_; }
  void set_size_limit(uint64_t limit, uint64_t max) UMACH_REQUIRES(g_vm_lock) {
    size_limit_ = limit;
    size_max_ = max;
  }
  bool wire_future = false;  // vm_wire_all(VM_WIRE_FUTURE): guarded by g_vm_lock

  // The pv entries of this map (vm/page.cc).
  AvlTree<PvEntry, &PvEntry::by_va, PvEntry::Key> mappings UMACH_GUARDED_BY(g_vm_lock);

  void check_invariants() UMACH_REQUIRES(g_vm_lock);

  VmMap(Platform::Pmap* pmap, uint64_t min, uint64_t max) : pmap_(pmap), min_(min), max_(max) {}
  ~VmMap() = default;

 private:
  void link(VmMapEntry* e) UMACH_REQUIRES(g_vm_lock);
  static bool mergeable(const VmMapEntry& a, const VmMapEntry& b) UMACH_REQUIRES(g_vm_lock);

  Platform::Pmap* pmap_;
  const uint64_t min_;
  const uint64_t max_;
  AvlTree<VmMapEntry, &VmMapEntry::by_start, VmMapEntry::Key> entries_ UMACH_GUARDED_BY(g_vm_lock);
  VmMapEntry* hint_ UMACH_GUARDED_BY(g_vm_lock) = nullptr;
  uint64_t size_ UMACH_GUARDED_BY(g_vm_lock) = 0;
  uint64_t size_limit_ UMACH_GUARDED_BY(g_vm_lock) = ~uint64_t{0};
  uint64_t size_max_ UMACH_GUARDED_BY(g_vm_lock) = ~uint64_t{0};
};

// Map fork (task_create with inherited memory): a new map with the parent's
// entries by inheritance: SHARE shares the object, COPY makes a
// copy-on-write copy, NONE leaves a hole. Null when memory is short.
VmMap* map_fork(VmMap& parent) UMACH_EXCLUDES(g_vm_lock);

size_t live_maps();
size_t live_entries();

// Gives back the wiring entry `e` holds on its pages in [e->start, end):
// each is found as the wiring fault took it, down the chain (a read-only
// wiring may hold a page borrowed from below).
void unwire_pages(const VmMapEntry* e, uint64_t end) UMACH_REQUIRES(g_vm_lock);

}  // namespace umach::vm
