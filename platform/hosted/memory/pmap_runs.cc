// platform/hosted/memory/pmap_runs.cc: the runs of the hosted pmap, its
// host mappings: forming them around a fault, splitting, dropping, and the
// least-recently-used budget (see pmap.h). All under the pmap's lock.
#include "core/kassert.h"
#include "core/kstd/utility.h"
#include "core/platform/platform.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::hosted {

Pmap::Runs::iterator Pmap::run_at_locked(vaddr_t va) {
  auto it = runs_.upper_bound(va);
  if (it == runs_.begin()) return runs_.end();
  --it;
  return va < it->second.end ? it : runs_.end();
}

Pmap::Runs::const_iterator Pmap::run_at_locked(vaddr_t va) const {
  auto it = runs_.upper_bound(va);
  if (it == runs_.begin()) return runs_.end();
  --it;
  return va < it->second.end ? it : runs_.end();
}

// Cuts the run containing va in two at va. The host mapping stays as it is
// (both halves have the same protection), only the bookkeeping splits.
void Pmap::split_run_locked(vaddr_t va) {
  auto r = run_at_locked(va);
  if (r == runs_.end() || r->first == va) return;
  Run upper = r->second;
  upper.pa += va - r->first;
  upper.stamp = ++clock_;
  r->second.end = va;
  runs_.emplace(va, upper);
  lru_.emplace(upper.stamp, va);
}

// Forgets a run. Its bits move into its pages' entries, so a modified page
// stays modified. With `reserve`, the range becomes a reservation again;
// callers that map over it or reserve a larger range at once pass false.
void Pmap::drop_run_locked(Runs::iterator r, bool reserve) {
  for (vaddr_t p = r->first; p < r->second.end; p += kPageSize) entries_[p].bits |= r->second.bits;
  lru_.erase(r->second.stamp);
  Platform::unpoison(reinterpret_cast<void*>(r->first), r->second.end - r->first);
  if (reserve && !reserve_host(r->first, r->second.end - r->first)) panic("hosted pmap: reservation refused");
  runs_.erase(r);
}

void Pmap::touch_locked(Runs::iterator r) {
  lru_.erase(r->second.stamp);
  r->second.stamp = ++clock_;
  lru_.emplace(r->second.stamp, r->first);
}

void Pmap::set_run_bits_locked(Runs::iterator r, uint8_t bits) {
  Run& run = r->second;
  unsigned before = host_prot_of(run.prot, run.bits), after = host_prot_of(run.prot, bits);
  run.bits = bits;
  if (before != after && !protect_host(r->first, run.end - r->first, after))
    panic("hosted pmap: mprotect refused");
}

// True if `page` can join a run with the page at va (entry e): entered,
// physically contiguous with it, and the same protection.
bool Pmap::mergeable_locked(vaddr_t page, vaddr_t va, const Entry& e) const {
  if (page < range_.base() || page >= range_.end()) return false;
  auto n = entries_.find(page);
  return n != entries_.end() && n->second.prot == e.prot && n->second.pa - e.pa == page - va;
}

// Whether the entered page is referenced: by its run, if it is in one
// (whose entries then say nothing more, pmap.h), else by its entry.
bool Pmap::referenced_locked(vaddr_t page) const {
  auto r = run_at_locked(page);
  return ((r != runs_.end() ? r->second.bits : entries_.at(page).bits) & kReferenced) != 0;
}

// Maps the entered page at va (not in any run) as a new run that also takes
// the mergeable neighbours, up to kMaxRunPages: free entries one by one,
// neighbouring runs whole, and only pages referenced as the new run will be
// (so that a run's referenced bit is each of its pages', pmap.h). Their
// bits are kept in the entries; the new run starts with the access's bits
// plus what all its pages already had.
bool Pmap::map_around_locked(vaddr_t va, uint8_t bits) {
  const Entry e = entries_.at(va);
  const bool referenced = ((bits | e.bits) & kReferenced) != 0;
  vaddr_t lo = va, hi = va + kPageSize;
  // Runs the new one absorbs: their pages stay mapped in the host (an mmap
  // over a present page unmaps it first, and that TLB shootdown across the
  // vCPUs' host CPUs costs far more than the fault itself); only the gaps
  // between them are mapped, and the host merges the adjacent mappings.
  struct Absorbed {
    vaddr_t start, end;
    unsigned host_prot;
  } absorbed[kMaxRunPages];
  size_t nabsorbed = 0;
  auto pages = [&] { return (hi - lo) / kPageSize; };
  auto grow = [&](vaddr_t page, bool down) {
    lock_.assert_held();  // the analysis does not see into lambdas
    if (pages() >= kMaxRunPages || !mergeable_locked(page, va, e) || referenced_locked(page) != referenced)
      return false;
    auto r = run_at_locked(page);
    if (r == runs_.end()) {
      (down ? lo : hi) = down ? page : page + kPageSize;
      return true;
    }
    size_t n = (r->second.end - r->first) / kPageSize;
    if (pages() + n > kMaxRunPages || r->second.prot != e.prot) return false;
    absorbed[nabsorbed++] = {r->first, r->second.end, host_prot_of(r->second.prot, r->second.bits)};
    (down ? lo : hi) = down ? r->first : r->second.end;
    return true;
  };
  while (lo > kPageSize && grow(lo - kPageSize, true)) {
  }
  while (grow(hi, false)) {
  }
  for (size_t i = 0; i < nabsorbed; ++i) drop_run_locked(runs_.find(absorbed[i].start), false);
  uint8_t all = kReferenced | kModified;
  for (vaddr_t p = lo; p < hi; p += kPageSize) all &= entries_[p].bits;
  bits |= all;
  enforce_budget_locked(1);
  paddr_t pa = e.pa - (va - lo);
  unsigned prot = host_prot_of(e.prot, bits);
  // Absorbed runs were found growing down, then up: put them in address order.
  for (size_t i = 1; i < nabsorbed; ++i)
    for (size_t j = i; j > 0 && absorbed[j].start < absorbed[j - 1].start; --j)
      kstd::swap(absorbed[j], absorbed[j - 1]);
  bool ok = true;
  vaddr_t cur = lo;
  for (size_t i = 0; i < nabsorbed && ok; ++i) {
    if (cur < absorbed[i].start) ok = map_physical(cur, pa + (cur - lo), absorbed[i].start - cur, prot);
    if (ok && absorbed[i].host_prot != prot)
      ok = protect_host(absorbed[i].start, absorbed[i].end - absorbed[i].start, prot);
    cur = absorbed[i].end;
  }
  if (ok && cur < hi) ok = map_physical(cur, pa + (cur - lo), hi - cur, prot);
  if (!ok) {
    if (!reserve_host(lo, hi - lo)) panic("hosted pmap: reservation refused");
    return false;
  }
  auto r = runs_.emplace(lo, Run{hi, pa, e.prot, bits, 0}).first;
  r->second.stamp = ++clock_;
  lru_.emplace(r->second.stamp, lo);
  return true;
}

// Forgets least-recently-used runs until `room` more fit in the budget.
void Pmap::enforce_budget_locked(size_t room) {
  while (!lru_.empty() && runs_.size() + room > budget_) drop_run_locked(runs_.find(lru_.begin()->second), true);
}

void Pmap::check_invariants() const {
  SpinlockGuard guard(lock_);
  kassert(runs_.size() <= budget_ && lru_.size() == runs_.size());
  kassert(resident_ || runs_.empty());
  vaddr_t prev_end = range_.base();
  for (const auto& [start, run] : runs_) {
    kassert(start >= prev_end && run.end > start && run.end <= range_.end());
    kassert((run.end - start) / kPageSize <= kMaxRunPages);
    kassert(lru_.count(run.stamp) == 1 && lru_.at(run.stamp) == start);
    for (vaddr_t p = start; p < run.end; p += kPageSize) {
      auto e = entries_.find(p);
      kassert(e != entries_.end() && e->second.pa == run.pa + (p - start) && e->second.prot == run.prot);
      kassert((run.bits & kReferenced) || !(e->second.bits & kReferenced));  // a run's pages are alike
    }
    prev_end = run.end;
  }
}

}  // namespace umach::hosted
