// vm/copy.h: copies of memory in transit (Mach's vm_map_copy): what
// vm_read returns, vm_write and vm_copy take, and what an out-of-line
// region of a message is while the message is queued.
//
// A VmMapCopy is a list of map entries detached from any map, with
// addresses relative to the copy's first page, plus where the data starts
// in that page and its size in bytes. copyin() takes one from a map by each
// entry's copy strategy (vm/object.h) — copy-on-write for anonymous and
// COPY_DELAY memory, a physical copy for COPY_NONE or wired memory — or,
// with `destroy` (msgt_deallocate), moves the entries out of the map.
// copyout() puts one into a map at a free address, copy-on-write still.
// overwrite() copies one over mapped, writable memory page by page through
// the physical pages (vm_write, vm_copy): the destination keeps its
// entries, protections and sharing, as GNU Mach's copy_overwrite does for
// memory that is shared or wired, and it works for any map, resident or not.
//
// A copy of size 0 is the null copy (nullptr): copyout gives address 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/result.h"
#include "vm/map.h"

namespace umach::vm {

struct PagerWait;

struct VmMapCopy {
  uint64_t offset = 0;  // of the data in the first page
  uint64_t size = 0;    // bytes of data
  VmMapEntry* entries = nullptr;  // by next_in_copy, addresses from 0
};

// Errors: KERN_INVALID_ADDRESS (outside the map, or a hole),
// KERN_PROTECTION_FAILURE (not readable), KERN_RESOURCE_SHORTAGE.
Result<VmMapCopy*> copyin(VmMap& map, uint64_t addr, uint64_t size, bool destroy) UMACH_EXCLUDES(g_vm_lock);
// The address the data lands at (the copy is consumed), or KERN_NO_SPACE
// (the copy is not).
Result<uint64_t> copyout(VmMap& map, VmMapCopy* copy) UMACH_EXCLUDES(g_vm_lock);
// Errors (the copy is then not consumed): KERN_INVALID_ARGUMENT (addr or
// the data not page aligned, as GNU Mach), KERN_INVALID_ADDRESS,
// KERN_PROTECTION_FAILURE, KERN_RESOURCE_SHORTAGE.
kern_return_t overwrite(VmMap& map, uint64_t addr, VmMapCopy* copy) UMACH_EXCLUDES(g_vm_lock);
void discard(VmMapCopy* copy) UMACH_EXCLUDES(g_vm_lock);
void discard_locked(VmMapCopy* copy) UMACH_REQUIRES(g_vm_lock);

// A copy holding `n` bytes from a kernel buffer (replies the kernel makes:
// mach_port_names), or zeros with a null `data`; its pages are resident.
// KERN_RESOURCE_SHORTAGE.
Result<VmMapCopy*> copy_from_buffer(const void* data, size_t n) UMACH_EXCLUDES(g_vm_lock);
// A one-page copy of `page` (of an object): the page itself, taken out of
// its object and unmapped, if `take`; else a copy of its contents. Null
// when memory is short (nothing changed).
VmMapCopy* copy_of_page_locked(VmPage* page, bool take) UMACH_REQUIRES(g_vm_lock);
// Reads n bytes at `at` of the copy's data (device_write's), as a fault
// would: a page a pager has not given yet is asked for and waited for,
// whoever's memory it is (an external pager's, or anonymous memory a
// default memory manager holds). KERN_MEMORY_ERROR (the pager failed or
// died), KERN_ABORTED (the wait was interrupted), KERN_RESOURCE_SHORTAGE.
[[nodiscard]] kern_return_t copy_read(VmMapCopy* copy, uint64_t at, void* buf, size_t n) UMACH_EXCLUDES(g_vm_lock);

// The page the copy shows at page-aligned relative address `at` in *out
// (null: zeros). A page of a pager's object it lacks: as fault_locked
// (kFaultMustWait with *wait filled in, KERN_MEMORY_ERROR without wait).
kern_return_t copy_page(VmMapCopy* copy, uint64_t at, VmPage** out, PagerWait* wait) UMACH_REQUIRES(g_vm_lock);

// Copies of an object's range by its copy strategy (GNU Mach's
// vm_object_copy_strategically), for copyin, fork and vm_map with copy:
//   kSlow: COPY_NONE, or wired memory: a new object with copies of the
//     pages now (copy_slowly; a pager's pages are asked for first);
//   kCall: COPY_CALL: a copy's object, its pager told (copy_by_call);
//   kDelay: the rest: a delayed copy (copy_delayed), mapped needs_copy.
enum class CopyHow { kSlow, kCall, kDelay };
CopyHow copy_how(const VmObject* o, bool wired) UMACH_REQUIRES(g_vm_lock);
// Before any change, for each range a copy operation will copy: what it
// needs that cannot be had under the lock. KERN_SUCCESS; or
// kFaultMustWait (*w: a page a pager must give first); a kCall copy adds
// one to *calls. Then copy_pagers_ready(w, calls): kNeedCopyPagers while
// w's stock holds fewer (with_pager_waits makes them).
kern_return_t copy_needs(VmObject* o, uint64_t offset, uint64_t size, CopyHow how, PagerWait* w, size_t* calls)
    UMACH_REQUIRES(g_vm_lock);
kern_return_t copy_pagers_ready(PagerWait* w, size_t calls) UMACH_REQUIRES(g_vm_lock);
struct ObjectCopy {
  VmObject* object = nullptr;  // one reference
  uint64_t offset = 0;         // where the range starts in it
  bool needs_copy = false;     // map it copy-on-write
};
// The copy itself, once copy_needs said yes; false when memory is short.
[[nodiscard]] bool copy_object(VmObject* o, uint64_t offset, uint64_t size, CopyHow how, PagerWait* w, ObjectCopy* out)
    UMACH_REQUIRES(g_vm_lock);
// A map entry's copy (copyin, fork's VM_INHERIT_COPY): copy-on-write
// where the entry is already (needs_copy) or may be made symmetric
// (anonymous memory nobody else writes), else by its object's strategy.
// entry_copy_needs is copy_needs for it; copy_entry makes the copy's
// entry (addresses as e's), or null when memory is short.
kern_return_t entry_copy_needs(const VmMapEntry* e, PagerWait* w, size_t* calls) UMACH_REQUIRES(g_vm_lock);
VmMapEntry* copy_entry(VmMap& map, VmMapEntry* e, PagerWait* w) UMACH_REQUIRES(g_vm_lock);

size_t live_copies();

}  // namespace umach::vm
