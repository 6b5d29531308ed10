// vm/object.h: memory objects as the kernel holds them (Mach's vm_object).
//
// A VmObject is a sparse array of pages by offset (an AVL tree; a page
// paged out to the swap keeps its place with no memory, vm/pageout.h),
// backed by its shadow: an offset missing here reads through to
// `shadow` at offset + shadow_offset, down the chain, and reads as zero
// when no object of the chain has it (anonymous memory), unless the chain
// ends in a pager's object: then its pager gives the page (vm/pager.h).
//
// Copy strategies (memory_object.h, GNU Mach's values):
//   COPY_NONE (0): a copy is made at once, page by page (copy_slowly).
//   COPY_CALL (1): a pager's objects only: the copy is a new memory object
//     the pager manages, told by memory_object_copy (vm/pager.h).
//   COPY_DELAY (2): asymmetric: the source keeps being written in place;
//     a copy object shadows it (source->copy), and before a page of the
//     source is modified its old contents are pushed into the copy
//     (vm/fault.cc). Every mapping of the source's pages loses write
//     access when a copy is made, so the first write faults and pushes.
//   COPY_TEMPORARY (3): symmetric copy-on-write for anonymous memory: both
//     the source's map entry and the copy refer to the object with
//     needs_copy, and whichever writes first puts a shadow object over it.
//     Only for objects no other entry writes directly (not shared).
//
// Chains stay short: when an object's last reference other than one
// shadowing object goes, that object absorbs it (collapse: pages move up,
// the chain loses a link); an object whose shadow has other users but
// provides nothing visible through it skips it (bypass). Every object knows
// the objects shadowing it (shadowers), so collapse happens when the
// reference drops, not at some later fault. Freeing a chain is a loop.
//
// Guarded by g_vm_lock (vm/vm_lock.h). Splitting that lock would put
// pages, copy and shadow links under a per-object lock taken top-down the
// chain.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/avl_tree.h"
#include "core/list.h"
#include "core/result.h"
#include "mach/memory_object.h"
#include "vm/page.h"

namespace umach::vm {

class Pager;

class VmObject {
 public:
  // A new internal object of `size` bytes (page multiple), one reference.
  static VmObject* create(uint64_t size, int strategy = MEMORY_OBJECT_COPY_TEMPORARY) UMACH_REQUIRES(g_vm_lock);

  uint64_t size() const { return size_; }
  uint32_t ref_count() const UMACH_REQUIRES(g_vm_lock) { return ref_count_; }
  VmObject* shadow() const UMACH_REQUIRES(g_vm_lock) { return shadow_; }
  uint64_t shadow_offset() const UMACH_REQUIRES(g_vm_lock) { return shadow_offset_; }
  VmObject* copy() const UMACH_REQUIRES(g_vm_lock) { return copy_; }
  // How copies of it are made: for a pager's object, what its pager
  // declared (pager_copy_strategy, vm/pager.h).
  int copy_strategy() const UMACH_REQUIRES(g_vm_lock);
  // The object's pager (vm/pager.h), or null for memory the kernel
  // manages (anonymous memory, its own objects). Set once, at creation.
  Pager* pager() const { return pager_; }
  void set_pager(Pager* pager) { pager_ = pager; }
  // Anonymous memory (and its shadows and copies): what the default
  // memory manager may take (vm/pager.h). Not a page on its way back to a
  // pager (data_return, data_initialize): handed to the manager it would
  // go round, and the manager could fault on its own data.
  // Nor memory only a message in transit holds (mark_in_transit): what
  // reads the message's data would wait for the manager, and the manager
  // itself, sending its own data (data_supply), would wait for itself.
  // (A page on its way to a pager is in transit too.)
  bool anonymous() const { return !pager_ && strategy_ == MEMORY_OBJECT_COPY_TEMPORARY && !in_transit_; }
  // A page on its way to a pager (in transit too): counted in
  // returns_in_flight() until it goes, or until it arrives.
  void mark_to_pager() UMACH_REQUIRES(g_vm_lock);
  // Only a copy in a message holds it (vm/copy.cc), until it arrives.
  void mark_in_transit() UMACH_REQUIRES(g_vm_lock) { in_transit_ = true; }
  // A map received it (vm/copy.cc's copyout): a page on its way to a
  // pager is the pager's memory now and no longer counted (a pager that
  // kept what it was returned would otherwise hold the count up for good,
  // and pageout would send every page after to the swap area). It is
  // anonymous memory like any if `pageable`: not when a VM_WIRE_FUTURE
  // map could not wire it (a default memory manager's own pages must
  // never go to it).
  void arrived(bool pageable) UMACH_REQUIRES(g_vm_lock);
  // Pages in the object, resident or paged out (pa 0: vm/pageout.h).
  size_t resident_count() const UMACH_REQUIRES(g_vm_lock) { return pages_.size(); }
  size_t paged_out_count() const UMACH_REQUIRES(g_vm_lock) { return paged_out_; }
  // One of its pages left memory (+1) or came back (-1) in place.
  void paged_out_changed(int delta) UMACH_REQUIRES(g_vm_lock);
  ListNode paged_link;  // in the list of objects with pages in swap (object.cc)
  uint32_t id() const { return id_; }  // for dumps

  void reference() UMACH_REQUIRES(g_vm_lock) { ++ref_count_; }
  // Drops a reference; the last one frees the object and drops its shadow's
  // (iteratively). May collapse an object into its only shadower.
  static void deallocate(VmObject* object) UMACH_REQUIRES(g_vm_lock);

  VmPage* lookup(uint64_t offset) const UMACH_REQUIRES(g_vm_lock) { return pages_.find(offset); }
  void insert(VmPage* page, uint64_t offset) UMACH_REQUIRES(g_vm_lock);
  void remove(VmPage* page) UMACH_REQUIRES(g_vm_lock);
  // The first page of the object at or after `offset` (walks).
  VmPage* lower_bound(uint64_t offset) const UMACH_REQUIRES(g_vm_lock) { return pages_.lower_bound(offset); }
  VmPage* next(const VmPage& p) const UMACH_REQUIRES(g_vm_lock) { return pages_.next(p); }

  // The page visible at `offset` through the chain (null: zero, unless
  // the chain ends in a pager's object: see pager_below), and the object
  // it sits in.
  VmPage* chain_lookup(uint64_t offset, VmObject** where = nullptr) UMACH_REQUIRES(g_vm_lock);
  // After chain_lookup found nothing at `offset`: the pager's object the
  // chain ends in, if it covers the offset (the page is the pager's to
  // give), with the offset there; null when the chain shows zeros.
  VmObject* pager_below(uint64_t offset, uint64_t* at) UMACH_REQUIRES(g_vm_lock);
  // How many objects the chain under `offset` walks before it finds the
  // page (or its end): 1 if the object has it.
  unsigned chain_depth(uint64_t offset) UMACH_REQUIRES(g_vm_lock);

  // A new object over `source` (whose reference the caller hands over)
  // covering [offset, offset + size) of it.
  static VmObject* make_shadow(VmObject* source, uint64_t offset, uint64_t size) UMACH_REQUIRES(g_vm_lock);
  // COPY_DELAY: a copy object of the whole of `source` (one reference for
  // the caller), linked as source->copy; the source's pages lose write
  // access everywhere. If neither the source nor its newest copy was
  // written since that copy was made, the copy still shows the source as
  // it is: it is handed out again (as GNU Mach does), so copies of an
  // object nobody writes (a program's image) share one copy object
  // instead of chaining a new one through each older one.
  static VmObject* copy_delayed(VmObject* source) UMACH_REQUIRES(g_vm_lock);
  // A page of this object is about to be written other than by a push into
  // it as a copy object: copy_delayed may not hand its copy out again
  // (fault_locked, object_write).
  void note_written() UMACH_REQUIRES(g_vm_lock) { written_ = true; }
  // COPY_NONE: a new object holding copies of the pages the chain shows in
  // [offset, offset + size). Null when memory is short.
  static VmObject* copy_slowly(VmObject* source, uint64_t offset, uint64_t size) UMACH_REQUIRES(g_vm_lock);

  // Before the page at `offset` of this object is modified: if it has a
  // copy object that lacks that page, the copy gets the current contents
  // (`current` if resident here, else what the chain shows). False when
  // memory is short.
  [[nodiscard]] bool push_to_copy(uint64_t offset, VmPage* current) UMACH_REQUIRES(g_vm_lock);
  // True if a write to the page at `offset` needs no push first.
  bool copy_has(uint64_t offset) const UMACH_REQUIRES(g_vm_lock);

  // Shortens the chain under this object as far as it can.
  void collapse() UMACH_REQUIRES(g_vm_lock);

  // For dumps and tests.
  template <class Fn>
  void for_each_page(Fn&& fn) const UMACH_REQUIRES(g_vm_lock) {
    for (VmPage* p = pages_.first(); p; p = pages_.next(*p)) fn(*p);
  }
  template <class Fn>
  void for_each_shadower(Fn&& fn) UMACH_REQUIRES(g_vm_lock) {
    for (VmObject& o : shadowers_) fn(o);
  }
  void check_invariants() const UMACH_REQUIRES(g_vm_lock);

  VmObject(uint64_t size, int strategy, uint32_t id) : size_(size), strategy_(strategy), id_(id) {}
  ~VmObject() = default;

 private:
  void set_shadow(VmObject* shadow, uint64_t offset) UMACH_REQUIRES(g_vm_lock);
  static void destroy(VmObject* o) UMACH_REQUIRES(g_vm_lock);  // every object ends here
  bool collapse_once() UMACH_REQUIRES(g_vm_lock);
  void free_pages() UMACH_REQUIRES(g_vm_lock);

  uint64_t size_;
  int strategy_;
  uint32_t id_;
  uint32_t ref_count_ = 1;
  Pager* pager_ = nullptr;  // one reference (vm/pager.h)
  VmObject* shadow_ = nullptr;
  uint64_t shadow_offset_ = 0;
  VmObject* copy_ = nullptr;  // the newest copy object (it shadows this one)
  // Written since its newest copy was made (for a source), or since it was
  // made (for a copy): see copy_delayed.
  bool written_ = false;
  bool to_pager_ = false;    // counted in returns_in_flight()
  bool in_transit_ = false;  // (anonymous())
  AvlTree<VmPage, &VmPage::by_offset, VmPage::Key> pages_;
  size_t paged_out_ = 0;  // pages whose contents are in swap only
  ListNode shadower_link_;                                        // in shadow_->shadowers_
  List<VmObject, &VmObject::shadower_link_> shadowers_;  // objects whose shadow_ is this
};

size_t live_objects();
// Pages on their way back to pagers (their one-page objects, in messages
// not yet received): what pageout has handed out and not seen taken
// (GNU Mach's laundry count).
size_t returns_in_flight() UMACH_REQUIRES(g_vm_lock);

// Calls fn(object) for each object with pages in swap (the default
// pager's objects: default_pager_objects).
void for_each_paged_object(void (*fn)(VmObject&, void*), void* arg) UMACH_REQUIRES(g_vm_lock);

// Kernel access to an object's own pages (not its chain), for objects the
// kernel fills itself before anyone maps or copies them (the hosted
// loader's program images). object_write copies n bytes from buf to
// `offset`, making zero-filled pages where the object has none; false when
// memory is short (the pages made so far stay: the caller drops the
// object). object_holds is true if the object's own pages hold exactly
// those n bytes at `offset` (a page it lacks holds zeros).
[[nodiscard]] bool object_write(VmObject& object, uint64_t offset, const void* buf, size_t n)
    UMACH_REQUIRES(g_vm_lock);
bool object_holds(const VmObject& object, uint64_t offset, const void* buf, size_t n) UMACH_REQUIRES(g_vm_lock);

}  // namespace umach::vm
