// vm/object.cc: see object.h.
#include "vm/object.h"

#include "core/kstd/cstring.h"
#include "core/zone.h"
#include "vm/pager.h"

namespace umach::vm {
namespace {

[[clang::no_destroy]] constinit TypedZone<VmObject> g_objects("vm.object");
uint32_t g_next_id = 1;  // guarded by g_vm_lock
[[clang::no_destroy]] List<VmObject, &VmObject::paged_link> g_paged_objects UMACH_GUARDED_BY(g_vm_lock);

// A page's copy of `src` (null: zeros), or null when short.
VmPage* page_copy_of(const VmPage* src) UMACH_REQUIRES(g_vm_lock) {
  VmPage* p = page_grab(src == nullptr);
  if (p && src) kstd::memcpy(p->data(), src->data(), kPageSize);
  return p;
}

}  // namespace

size_t live_objects() { return g_objects.live(); }

VmObject* VmObject::create(uint64_t size, int strategy) {
  return g_objects.create(size, strategy, g_next_id++);
}

namespace {
size_t g_to_pager_live UMACH_GUARDED_BY(g_vm_lock) = 0;
}  // namespace

size_t returns_in_flight() { return g_to_pager_live; }

void VmObject::destroy(VmObject* o) {
  if (o->to_pager_) --g_to_pager_live;
  g_objects.destroy(o);
}

void VmObject::mark_to_pager() {
  if (!to_pager_) ++g_to_pager_live;
  to_pager_ = true;
  in_transit_ = true;
}

void VmObject::arrived(bool pageable) {
  if (to_pager_) --g_to_pager_live;
  to_pager_ = false;
  in_transit_ = !pageable;
}

int VmObject::copy_strategy() const { return pager_ ? pager_copy_strategy(pager_) : strategy_; }

void VmObject::insert(VmPage* page, uint64_t offset) {
  kassert(!page->object);
  page->object = this;
  page->offset = offset;
  bool fresh = pages_.insert(*page);
  kassert(fresh);
  if (!page->pa) paged_out_changed(+1);  // (collapse moves paged-out pages)
  if (pager_) pager_->absent_clear(offset);  // its own page now hides the shadow's (or zeros)
  page_activate(page);
}

void VmObject::remove(VmPage* page) {
  kassert(page->object == this);
  pages_.remove(*page);
  page->object = nullptr;
  if (!page->pa) paged_out_changed(-1);
}

void VmObject::paged_out_changed(int delta) {
  if (delta > 0 && paged_out_++ == 0) g_paged_objects.push_back(*this);
  if (delta < 0 && --paged_out_ == 0) g_paged_objects.remove(*this);
}

void for_each_paged_object(void (*fn)(VmObject&, void*), void* arg) {
  for (VmObject& o : g_paged_objects) fn(o, arg);
}

void VmObject::set_shadow(VmObject* shadow, uint64_t offset) {
  if (shadow_) shadow_->shadowers_.remove(*this);
  shadow_ = shadow;
  shadow_offset_ = offset;
  if (shadow_) shadow_->shadowers_.push_back(*this);
}

VmPage* VmObject::chain_lookup(uint64_t offset, VmObject** where) {
  ++g_counters.lookups;
  for (VmObject* o = this; o; o = o->shadow_) {
    if (offset >= o->size_) break;
    if (VmPage* p = o->pages_.find(offset)) {
      ++g_counters.hits;
      if (where) *where = o;
      return p;
    }
    // A pager's object shows its shadow only where it is absent (a copy's
    // data_unavailable, what an internal object never gave its manager);
    // elsewhere the page is its pager's to give.
    if (o->pager_ && !o->pager_->absent_at(offset)) break;
    offset += o->shadow_offset_;
  }
  if (where) *where = nullptr;
  return nullptr;
}

VmObject* VmObject::pager_below(uint64_t offset, uint64_t* at) {
  VmObject* o = this;
  for (;;) {
    if (offset >= o->size_) return nullptr;
    if (o->pager_ && !o->pager_->absent_at(offset)) break;
    if (!o->shadow_) return nullptr;  // absent at the chain's end: zeros
    offset += o->shadow_offset_;
    o = o->shadow_;
  }
  *at = offset;
  return o;
}

unsigned VmObject::chain_depth(uint64_t offset) {
  unsigned depth = 0;
  for (VmObject* o = this; o; o = o->shadow_) {
    ++depth;
    if (offset >= o->size_ || o->pages_.find(offset)) break;
    if (o->pager_ && !o->pager_->absent_at(offset)) break;
    offset += o->shadow_offset_;
  }
  return depth;
}

void VmObject::free_pages() {
  while (VmPage* p = pages_.first()) {
    remove(p);
    page_protect(p, VM_PROT_NONE);  // nothing should map it; never leave a stale mapping
    p->wire_count = 0;
    page_release(p);
  }
}

void VmObject::deallocate(VmObject* object) {
  while (object) {
    kassert(object->ref_count_ > 0);
    if (--object->ref_count_ > 0) {
      // Its only user left may be one object shadowing it: that one absorbs it.
      if (object->ref_count_ == 1 && object->shadowers_.front() &&
          object->shadowers_.front() == object->shadowers_.back())
        object->shadowers_.front()->collapse();
      return;
    }
    kassert(object->shadowers_.empty());  // each holds a reference
    VmObject* next = object->shadow_;
    if (next && next->copy_ == object) next->copy_ = nullptr;
    object->set_shadow(nullptr, 0);
    // A pager hears of it once the VM lock is dropped (reap_pagers), and
    // gets back what it lacks first.
    if (object->pager_) pager_object_freed(object->pager_, object);
    object->free_pages();
    destroy(object);
    object = next;  // drop the reference the dead object held, without recursion
  }
}

VmObject* VmObject::make_shadow(VmObject* source, uint64_t offset, uint64_t size) {
  VmObject* o = create(size, MEMORY_OBJECT_COPY_TEMPORARY);
  if (!o) return nullptr;
  o->set_shadow(source, offset);
  return o;
}

VmObject* VmObject::copy_delayed(VmObject* source) {
  if (VmObject* old = source->copy_;
      old && !source->written_ && !old->written_ && old->shadow_ == source && old->shadow_offset_ == 0 &&
      old->size_ == source->size_) {
    // Every write to the source since `old` was made would have set
    // written_ (they all fault, its pages being write-protected then), and
    // old holds only pages pushed into it: it is the source as it is now.
    old->reference();
    return old;
  }
  VmObject* c = create(source->size_, MEMORY_OBJECT_COPY_TEMPORARY);  // the caller's reference
  if (!c) return nullptr;
  source->written_ = false;
  source->reference();  // c's, as its shadow; the copy link itself holds none
  c->set_shadow(source, 0);
  if (VmObject* old = source->copy_) {
    // An older copy keeps its view by shadowing the new one: every page
    // the source changed since the older copy was made was pushed into it.
    c->reference();
    old->set_shadow(c, old->shadow_offset_);
    --source->ref_count_;  // old's reference to the source went; c and the caller hold it
  }
  source->copy_ = c;
  // Every mapping of the source's pages loses write access: the next write
  // faults and pushes first.
  for (VmPage* p = source->pages_.first(); p; p = source->pages_.next(*p))
    page_protect(p, VM_PROT_ALL & ~VM_PROT_WRITE);
  return c;
}

VmObject* VmObject::copy_slowly(VmObject* source, uint64_t offset, uint64_t size) {
  VmObject* n = create(size, MEMORY_OBJECT_COPY_TEMPORARY);
  if (!n) return nullptr;
  for (uint64_t off = 0; off < size; off += kPageSize) {
    VmPage* src = source->chain_lookup(offset + off);
    if (!src) continue;
    VmPage* p = page_resident(src) ? page_copy_of(src) : nullptr;
    if (!p) {
      deallocate(n);
      return nullptr;
    }
    n->insert(p, off);
  }
  return n;
}

bool VmObject::copy_has(uint64_t offset) const {
  const VmObject* c = copy_;
  if (!c) return true;
  if (offset < c->shadow_offset_) return true;
  uint64_t coff = offset - c->shadow_offset_;
  // (A copy the default memory manager took may hold it there.)
  return coff >= c->size_ || object_has_own(*c, coff);
}

bool VmObject::push_to_copy(uint64_t offset, VmPage* current) {
  if (copy_has(offset)) return true;
  VmObject* c = copy_;
  VmPage* src = current ? current : chain_lookup(offset);
  if (src && !page_resident(src)) return false;
  VmPage* p = page_copy_of(src);
  if (!p) return false;
  c->insert(p, offset - c->shadow_offset_);
  // Mappings made through the copy's chain showed the source's page; they
  // must now find the copy's own.
  if (src && src->object == this) page_protect(src, VM_PROT_NONE);
  return true;
}

bool VmObject::collapse_once() {
  VmObject* b = shadow_;
  // A pager's object keeps its place: what it lacks is the pager's.
  if (!b || b->pager_) return false;
  const uint64_t base = shadow_offset_;
  if (b->ref_count_ == 1) {
    // Collapse: this object is b's only user. b's pages that show through
    // move up; the rest go. b's shadow becomes ours.
    kassert(b->shadowers_.front() == this && b->shadowers_.back() == this);
    while (VmPage* p = b->pages_.first()) {
      b->remove(p);
      uint64_t off = p->offset;
      if (off >= base && off - base < size_ && !object_has_own(*this, off - base)) {
        insert(p, off - base);  // mappings stay valid: the same bytes at the same place
      } else {
        page_protect(p, VM_PROT_NONE);
        p->wire_count = 0;
        page_release(p);
      }
    }
    VmObject* below = b->shadow_;
    uint64_t below_off = b->shadow_offset_;
    if (below) {
      below->reference();
      if (below->copy_ == b) {
        // Pushes from below now land here. But this object, an older
        // copy, holds pages from before b was made: it is not `below` as
        // it is now, so the next copy_delayed of `below` must not hand it
        // out again (a copy of the source would show the older data).
        below->copy_ = this;
        below->written_ = true;
      }
    }
    b->set_shadow(nullptr, 0);
    set_shadow(below, base + below_off);
    if (below) --below->ref_count_;  // b's reference became ours
    // A copy object of b shadows b and holds a reference: only this one can be it.
    kassert(!b->copy_ || b->copy_ == this);
    b->copy_ = nullptr;
    --b->ref_count_;
    kassert(b->ref_count_ == 0);
    destroy(b);
    return true;
  }
  // Bypass: b has other users, but if every page of b in our window is
  // hidden by one of ours, reads never stop at b: skip it.
  // Not when b takes part in a copy: pushes into b (b is its shadow's copy)
  // or from b (b has a copy) must stay visible to us.
  if (b->copy_ || !b->shadow_ || b->shadow_->copy_ == b) return false;
  for (VmPage* p = b->pages_.lower_bound(base); p && p->offset - base < size_; p = b->pages_.next(*p))
    if (!pages_.find(p->offset - base)) return false;
  VmObject* below = b->shadow_;
  below->reference();
  set_shadow(below, base + b->shadow_offset_);
  deallocate(b);
  return true;
}

void VmObject::collapse() {
  while (collapse_once()) {
  }
}

void VmObject::check_invariants() const {
  kassert(ref_count_ > 0);
  for (const VmPage* p = pages_.first(); p; p = pages_.next(*p)) {
    kassert(p->object == this);
    kassert(p->offset < size_);
  }
  if (shadow_) kassert(shadow_->ref_count_ > 0);
  if (copy_) kassert(copy_->shadow_ == this);
}

namespace {

// Calls fn(page, in, done, len) for each piece of [offset, offset + n) of
// the object that lies in one page: `page` is the object's own (or null),
// `in` the piece's offset in it, `done` the bytes before it. Stops at the
// first piece fn refuses (false).
template <class Fn>
bool for_each_own_piece(const VmObject& object, uint64_t offset, size_t n, Fn&& fn) UMACH_REQUIRES(g_vm_lock) {
  for (size_t done = 0; done < n;) {
    uint64_t at = offset + done;
    size_t in_page = kPageSize - (at & (kPageSize - 1));
    size_t len = n - done < in_page ? n - done : in_page;
    if (!fn(object.lookup(page_trunc(at)), at & (kPageSize - 1), done, len)) return false;
    done += len;
  }
  return true;
}

}  // namespace

bool object_write(VmObject& object, uint64_t offset, const void* buf, size_t n) {
  kassert(offset + n >= offset && offset + n <= object.size());
  object.note_written();
  auto piece = [&](VmPage* p, uint64_t in, size_t done, size_t len) UMACH_REQUIRES(g_vm_lock) {
    if (!p) {
      p = page_grab(true);
      if (!p) return false;
      object.insert(p, page_trunc(offset + done));
    } else if (!page_resident(p)) {
      return false;
    }
    p->dirty = true;
    kstd::memcpy(static_cast<char*>(p->data()) + in, static_cast<const char*>(buf) + done, len);
    return true;
  };
  return for_each_own_piece(object, offset, n, piece);
}

bool object_holds(const VmObject& object, uint64_t offset, const void* buf, size_t n) {
  if (offset + n < offset || offset + n > object.size()) return false;
  auto piece = [&](VmPage* p, uint64_t in, size_t done, size_t len) UMACH_REQUIRES(g_vm_lock) {
    if (p && !page_resident(p)) return false;  // (only when memory is short)
    const auto* want = static_cast<const unsigned char*>(buf) + done;
    if (p) return kstd::memcmp(static_cast<const char*>(p->data()) + in, want, len) == 0;
    for (size_t i = 0; i < len; ++i)
      if (want[i]) return false;
    return true;
  };
  return for_each_own_piece(object, offset, n, piece);
}

}  // namespace umach::vm
