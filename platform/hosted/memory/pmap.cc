// platform/hosted/memory/pmap.cc: entries, runs, ref/mod emulation and the
// budget of the hosted pmap (see pmap.h).
#include "platform/hosted/memory/pmap.h"

#include "core/kassert.h"
#include "platform/hosted/memory/address_window.h"

namespace umach::hosted {

namespace {

[[noreturn]] void host_refused(const char* what) { panic("hosted pmap: the host refused %s", what); }

}  // namespace

Pmap::Pmap(AddressRange& range, size_t budget) : range_(range), budget_(budget) {
  kassert(budget >= 1);
  range_.attach(*this);
}

Pmap::~Pmap() {
  {
    SpinlockGuard guard(lock_);
    remove_locked(range_.base(), range_.size());
  }
  range_.detach(*this);
}

bool Pmap::in_range(vaddr_t va, size_t size) const {
  return va >= range_.base() && va < range_.end() && size <= range_.end() - va;
}

Result<void> Pmap::enter(vaddr_t va, paddr_t pa, size_t size, unsigned prot, unsigned access) {
  constexpr unsigned kAll = kProtRead | kProtWrite | kProtExecute;
  if (va % kPageSize || pa % kPageSize || size % kPageSize || size == 0 || !in_range(va, size) ||
      pa < platform::hosted::kPhysBase || prot == kProtNone || (prot & ~kAll) || (access & ~kAll))
    return Error{KERN_INVALID_ARGUMENT};
  uint8_t bits = access == kProtNone ? 0 : (access & kProtWrite) ? kReferenced | kModified : kReferenced;
  SpinlockGuard guard(lock_);
  remove_locked(va, size);
  for (size_t off = 0; off < size; off += kPageSize)
    entries_[va + off] = Entry{pa + off, static_cast<uint8_t>(prot), bits};
  if (!resident_) return success();
  for (size_t off = 0; off < size; off += kPageSize) {
    if (run_at_locked(va + off) != runs_.end()) continue;
    if (!map_around_locked(va + off, bits)) {
      remove_locked(va, size);
      return Error{KERN_RESOURCE_SHORTAGE};
    }
  }
  return success();
}

Result<void> Pmap::protect(vaddr_t va, size_t size, unsigned prot) {
  if (va % kPageSize || size % kPageSize || !in_range(va, size) || (prot & ~7u)) return Error{KERN_INVALID_ARGUMENT};
  if (prot == kProtNone) {
    remove(va, size);
    return success();
  }
  SpinlockGuard guard(lock_);
  vaddr_t end = va + size;
  for (auto e = entries_.lower_bound(va); e != entries_.end() && e->first < end; ++e)
    e->second.prot = static_cast<uint8_t>(prot);
  if (!resident_) return success();
  split_run_locked(va);
  split_run_locked(end);
  for (auto r = runs_.lower_bound(va); r != runs_.end() && r->first < end; ++r) {
    r->second.prot = static_cast<uint8_t>(prot);
    if (!protect_host(r->first, r->second.end - r->first, host_prot_of(prot, r->second.bits)))
      host_refused("mprotect");
  }
  enforce_budget_locked(0);  // the splits may have added runs
  return success();
}

void Pmap::remove(vaddr_t va, size_t size) {
  kassert(va % kPageSize == 0 && size % kPageSize == 0 && in_range(va, size));
  SpinlockGuard guard(lock_);
  remove_locked(va, size);
}

void Pmap::remove_locked(vaddr_t va, size_t size) {
  vaddr_t end = va + size;
  if (resident_) {
    split_run_locked(va);
    split_run_locked(end);
    bool dropped = false;
    for (auto r = runs_.lower_bound(va); r != runs_.end() && r->first < end; r = runs_.lower_bound(va)) {
      drop_run_locked(r, false);
      dropped = true;
    }
    if (dropped && !reserve_host(va, size)) host_refused("a reservation");
  }
  entries_.erase(entries_.lower_bound(va), entries_.lower_bound(end));
}

Result<paddr_t> Pmap::extract(vaddr_t va) const {
  SpinlockGuard guard(lock_);
  auto e = entries_.find(page_trunc(va));
  if (e == entries_.end()) return Error{KERN_INVALID_ADDRESS};
  return e->second.pa + (va - page_trunc(va));
}

FaultOutcome Pmap::fault_in(vaddr_t va, bool write) {
  va = page_trunc(va);
  SpinlockGuard guard(lock_);
  auto e = entries_.find(va);
  if (e == entries_.end() || !resident_) return FaultOutcome::kNotEntered;
  if (write && !(e->second.prot & kProtWrite)) return FaultOutcome::kProtection;
  uint8_t bits = write ? kReferenced | kModified : kReferenced;
  auto r = run_at_locked(va);
  if (r == runs_.end()) {
    if (!map_around_locked(va, bits)) host_refused("a mapping on the fault path");
    return FaultOutcome::kResolved;
  }
  if (!(r->second.bits & kReferenced)) {
    // None of the run's pages was touched: this one leaves it, so that it
    // alone becomes referenced (pmap.h).
    split_run_locked(va);
    split_run_locked(va + kPageSize);
    r = run_at_locked(va);
  }
  set_run_bits_locked(r, r->second.bits | bits);
  touch_locked(r);
  enforce_budget_locked(0);  // the splits may have added runs; r is the newest
  return FaultOutcome::kResolved;
}

uint8_t Pmap::bits_locked(vaddr_t va) const {
  auto e = entries_.find(page_trunc(va));
  if (e == entries_.end()) return 0;
  auto r = run_at_locked(page_trunc(va));
  return e->second.bits | (r != runs_.end() ? r->second.bits : 0);
}

// A run's referenced bit stands for each of its pages: the page leaves its
// run and its host mapping goes (a reservation), so that its next access
// faults and references it alone (fault_in, map_around_locked). The page
// keeps its entry, and its modified bit there.
bool Pmap::test_and_clear_referenced(vaddr_t va) {
  va = page_trunc(va);
  SpinlockGuard guard(lock_);
  auto e = entries_.find(va);
  if (e == entries_.end()) return false;
  const bool was = bits_locked(va) & kReferenced;
  auto r = run_at_locked(va);
  if (r != runs_.end() && (r->second.bits & kReferenced)) {
    split_run_locked(va);
    split_run_locked(va + kPageSize);
    drop_run_locked(run_at_locked(va), true);
    enforce_budget_locked(0);  // the split may have added a run
  }
  e->second.bits &= ~kReferenced;
  return was;
}

// Modified stays per run: clearing it makes the whole run read-only in the
// host, and its other pages keep the bit in their entries.
bool Pmap::test_and_clear_modified(vaddr_t va) {
  va = page_trunc(va);
  SpinlockGuard guard(lock_);
  auto e = entries_.find(va);
  if (e == entries_.end()) return false;
  const bool was = bits_locked(va) & kModified;
  auto r = run_at_locked(va);
  if (r != runs_.end() && (r->second.bits & kModified)) {
    for (vaddr_t p = r->first; p < r->second.end; p += kPageSize) entries_[p].bits |= r->second.bits;
    set_run_bits_locked(r, r->second.bits & ~kModified);
  }
  e->second.bits &= ~kModified;
  return was;
}

bool Pmap::is_referenced(vaddr_t va) const {
  SpinlockGuard guard(lock_);
  return bits_locked(va) & kReferenced;
}

bool Pmap::is_modified(vaddr_t va) const {
  SpinlockGuard guard(lock_);
  return bits_locked(va) & kModified;
}

size_t Pmap::host_mappings() const {
  SpinlockGuard guard(lock_);
  return runs_.size();
}

size_t Pmap::entry_count() const {
  SpinlockGuard guard(lock_);
  return entries_.size();
}

bool Pmap::resident() const { return resident_now_.load(kstd::MemoryOrder::acquire); }

// Becoming resident maps the entries back, most of them at once, up to the
// budget (the rest fault in); leaving drops every run and reserves the
// whole window again in one call.
void Pmap::make_resident(bool resident) {
  SpinlockGuard guard(lock_);
  if (resident == resident_) return;
  if (!resident) {
    // Readers learn first, mappings go after (and come back before they
    // learn of residency below): a lock-free reader that sees "resident"
    // finds this pmap's mappings.
    resident_now_.store(false, kstd::MemoryOrder::release);
    while (!runs_.empty()) drop_run_locked(runs_.begin(), false);
    if (!reserve_host(range_.base(), range_.size())) host_refused("a reservation");
    resident_ = false;
    return;
  }
  resident_ = true;
  for (auto& [va, e] : entries_) {
    if (runs_.size() >= budget_) break;
    if (run_at_locked(va) == runs_.end() && !map_around_locked(va, 0)) host_refused("a mapping");
  }
  resident_now_.store(true, kstd::MemoryOrder::release);
}

}  // namespace umach::hosted
