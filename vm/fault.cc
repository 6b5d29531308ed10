// vm/fault.cc: see fault.h.
#include "vm/fault.h"

#include "core/kstd/cstring.h"

namespace umach::vm {

kern_return_t fault_locked(VmMap& map, uint64_t va, unsigned access, bool enter, bool wire, VmPage** out,
                           PagerWait* wait) {
  va = page_trunc(va);
  VmMapEntry* e = map.lookup(va);
  if (!e) return KERN_INVALID_ADDRESS;
  if (access & ~unsigned{e->protection}) return KERN_PROTECTION_FAILURE;
  const bool write = access & VM_PROT_WRITE;
  if (!map.ensure_object(e)) return KERN_RESOURCE_SHORTAGE;
  if (write && !map.resolve_needs_copy(e)) return KERN_RESOURCE_SHORTAGE;
  ++g_counters.faults;

  VmObject* first = e->object;
  const uint64_t off = e->offset + (va - e->start);
  if (write) first->note_written();
  VmObject* where = nullptr;
  VmPage* p = first->chain_lookup(off, &where);
  if (!p) {
    // Not zeros if the chain ends in a pager's object: its pager gives it.
    uint64_t at;
    if (VmObject* paged = first->pager_below(off, &at)) return pager_page_needed(paged, at, access, wait);
  } else if (!page_resident(p)) {
    return KERN_RESOURCE_SHORTAGE;  // paged out, and no memory to read it back
  } else if (p->page_lock) {
    // Its pager locked some accesses; a write to a page further down only
    // reads it (it is copied up).
    const unsigned needs = where == first ? access : access & ~unsigned{VM_PROT_WRITE};
    if (needs & p->page_lock) return pager_unlock_needed(where, p, needs, wait);
  }
  unsigned prot = e->protection;
  bool copied_up = false;
  if (p && where == first) {
    if (write) {
      if (!first->push_to_copy(off, p)) return KERN_RESOURCE_SHORTAGE;
    } else if (e->needs_copy || !first->copy_has(off)) {
      prot &= ~unsigned{VM_PROT_WRITE};
    }
  } else if (write || !p) {
    // Copy-on-write from below, or zero fill: the top object gets its own
    // page. A read of a hole fills too (the page is needed anyway), and
    // the copy's view does not change then (zeros either way).
    VmPage* n = page_grab(p == nullptr);
    if (!n) return KERN_RESOURCE_SHORTAGE;
    if (p) kstd::memcpy(n->data(), p->data(), kPageSize);
    if (write && !first->push_to_copy(off, p)) {
      page_release(n);
      return KERN_RESOURCE_SHORTAGE;
    }
    if (p) {
      ++g_counters.cow_faults;
      copied_up = true;
    } else {
      ++g_counters.zero_fill;
    }
    first->insert(n, off);
    // A wired entry (made writable since it was wired read-only) had its
    // wiring on the page it borrowed: it goes to its own copy, where
    // unwire_entry, looking down the chain, will find it.
    if (copied_up && !wire && e->wired_count && p->wire_count) {
      --p->wire_count;
      ++n->wire_count;
    }
    // Other maps sharing `first` may map the page it hid, read-only: they
    // must see the new one (a soft fault) from now on.
    if (copied_up && first->ref_count() > 1) page_unmap_borrowed(p);
    p = n;
    if (!write && (e->needs_copy || !first->copy_has(off))) prot &= ~unsigned{VM_PROT_WRITE};
  } else {
    // A read of a page further down: shared, so read-only.
    prot &= ~unsigned{VM_PROT_WRITE};
  }
  // A pager's page: what its pager allows; and a clean page a pager or the
  // swap has is made writable by a write only, so that it is dirty exactly
  // when it may have been written.
  prot &= ~unsigned{p->page_lock};
  if (!write && !p->dirty && (p->object->pager() || p->swap_slot)) prot &= ~unsigned{VM_PROT_WRITE};
  page_activate(p);  // used: the pageout's referenced bit (vm/pageout.h)
  if (enter && !page_enter(map, va, p, prot, access)) return KERN_RESOURCE_SHORTAGE;
  // A page that may be written from now on differs from what a pager or
  // the swap has (vm/pager.h).
  if ((enter && (prot & VM_PROT_WRITE)) || (!enter && write)) p->dirty = true;
  if (wire) ++p->wire_count;
  if (out) *out = p;
  // The page copied up may have been the last thing the chain below
  // provided here.
  if (copied_up) first->collapse();
  return KERN_SUCCESS;
}

kern_return_t vm_fault(VmMap& map, uint64_t va, unsigned access) {
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    return fault_locked(map, va, access, true, false, nullptr, wait);
  });
}

namespace {

// The pieces of [va, va + n) from `*done` on, page by page, faulted in
// with `wait` (null: never waiting); `*done` counts what is done.
template <class Fn>
kern_return_t pieces_locked(VmMap& map, uint64_t va, size_t n, unsigned access, size_t* done, PagerWait* wait,
                            Fn&& fn) UMACH_REQUIRES(g_vm_lock) {
  while (*done < n) {
    uint64_t at = va + *done;
    size_t in_page = kPageSize - (at & (kPageSize - 1));
    size_t len = n - *done < in_page ? n - *done : in_page;
    VmPage* p = nullptr;
    kern_return_t kr = fault_locked(map, at, access, false, false, &p, wait);
    if (kr != KERN_SUCCESS) return kr;
    fn(static_cast<char*>(p->data()) + (at & (kPageSize - 1)), *done, len);
    *done += len;
  }
  return KERN_SUCCESS;
}

template <class Fn>
kern_return_t for_each_piece(VmMap& map, uint64_t va, size_t n, unsigned access, Fn&& fn) {
  // Pieces done stay done when a pager's page is waited for.
  size_t done = 0;
  return with_pager_waits([&](PagerWait* wait) {
    SpinlockGuard hold(g_vm_lock);
    return pieces_locked(map, va, n, access, &done, wait, fn);
  });
}

}  // namespace

kern_return_t map_read(VmMap& map, uint64_t va, void* buf, size_t n) {
  return for_each_piece(map, va, n, VM_PROT_READ, [&](const char* page, size_t done, size_t len) {
    kstd::memcpy(static_cast<char*>(buf) + done, page, len);
  });
}

kern_return_t map_read_now(VmMap& map, uint64_t va, void* buf, size_t n) {
  size_t done = 0;
  SpinlockGuard hold(g_vm_lock);
  return pieces_locked(map, va, n, VM_PROT_READ, &done, nullptr, [&](const char* page, size_t at, size_t len) {
    kstd::memcpy(static_cast<char*>(buf) + at, page, len);
  });
}

kern_return_t map_write(VmMap& map, uint64_t va, const void* buf, size_t n) {
  return for_each_piece(map, va, n, VM_PROT_WRITE, [&](char* page, size_t done, size_t len) {
    kstd::memcpy(page, static_cast<const char*>(buf) + done, len);
  });
}

}  // namespace umach::vm
