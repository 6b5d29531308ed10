// platform/hosted/memory/pmap_backend.cc: the contract's pmap calls
// (core/platform/contract.h, PhysicalMaps) over the hosted Pmap.
#include <new>

#include "core/platform/platform.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::platform {

using ::umach::hosted::AddressRange;

Backend::Pmap* Backend::pmap_create(Pmap* parent) {
  Result<AddressRange*> range = ::umach::hosted::range_for_new_task(parent ? &parent->range() : nullptr);
  if (!range.ok()) return nullptr;
  Pmap* p = new (std::nothrow) Pmap(*range.value());  // attaches: the pmap's own reference
  range.value()->release_ref();                       // the creator's
  return p;
}

void Backend::pmap_destroy(Pmap* p) { delete p; }

uint64_t Backend::pmap_min(const Pmap& p) { return p.range().vm_min(); }
uint64_t Backend::pmap_max(const Pmap& p) { return p.range().vm_max(); }

bool Backend::pmap_enter(Pmap& p, uint64_t va, paddr_t pa, unsigned prot, unsigned access) {
  return p.enter(va, pa, kPageSize, prot, access).ok();
}

void Backend::pmap_protect(Pmap& p, uint64_t va, size_t size, unsigned prot) {
  // Only a bad range fails, and the VM never passes one.
  (void)p.protect(va, size, prot);
}

void Backend::pmap_remove(Pmap& p, uint64_t va, size_t size) { p.remove(va, size); }

paddr_t Backend::pmap_extract(const Pmap& p, uint64_t va) {
  Result<paddr_t> pa = p.extract(va);
  return pa.ok() ? pa.value() : kNoPhys;
}

bool Backend::pmap_test_and_clear_referenced(Pmap& p, uint64_t va) { return p.test_and_clear_referenced(va); }

}  // namespace umach::platform
