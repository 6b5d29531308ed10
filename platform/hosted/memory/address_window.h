// platform/hosted/memory/address_window.h: task windows and address ranges.
//
// Each address space lives in a window of the host address space, reserved
// PROT_NONE up front: its Mach addresses are the host addresses inside the
// window (VM_MIN..VM_MAX). Windows are placed where the build's sanitizer
// allows application memory (window_regions()), checked on x86-64 Linux
// with clang 14:
//   ASan (and no sanitizer): [0x2000'0000'0000, 0x5000'0000'0000), above
//     ASan's high shadow (ends 0x1000'7fff'8000), below the PIE binary
//     (0x55..) and ASan's allocator (0x6000'0000'0000);
//   TSan: [0x0001'0000'0000, 0x0080'0000'0000) and
//     [0x7e80'0000'0000, 0x7f00'0000'0000), its low and high application
//     ranges (the 0x7b.. heap is TSan's allocator; MAP_FIXED outside them
//     kills the process).
// Layout of a window: the commpage at its base, the task's memory from
// vm_min() (64 KiB up) to vm_max() (its end).
//
// An AddressRange is a window and the address spaces (Pmaps) living in it.
// Normally one; a task created with inherited memory shares its parent's
// range, and `--address-model=shared` puts every task in one. Only one pmap
// of a range is resident (its mappings in the host) at a time: activate()
// swaps. Two address spaces of one range must never run on two CPUs at
// once: the scheduler claims the range for a CPU (try_claim) before it runs
// a thread of any of them there, and releases it when it switches away.
// Rules: activate() only by the CPU that holds the claim (or with no task
// running, in tests); lock order: a range's lock, then its pmaps' locks.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/kstd/atomic.h"
#include "core/kstd/span.h"
#include "core/result.h"
#include "core/spinlock.h"
#include "platform/hosted/memory/physmem.h"

namespace umach::hosted {

class Pmap;

enum class AddressModel {
  kWindowPerTask,  // the default: each task its own window
  kShared,         // --address-model=shared: every task in one range
};

// Host address ranges where this build may place windows.
struct AppRegion {
  vaddr_t begin;
  vaddr_t end;
};
kstd::Span<const AppRegion> window_regions();

class AddressRange {
 public:
  static constexpr size_t kCommpageOffset = 0;
  static constexpr size_t kUserOffset = size_t{64} << 10;

  vaddr_t base() const { return base_; }
  vaddr_t end() const { return base_ + size_; }
  size_t size() const { return size_; }
  vaddr_t commpage() const { return base_ + kCommpageOffset; }
  vaddr_t vm_min() const { return base_ + kUserOffset; }
  vaddr_t vm_max() const { return end(); }

  // The pmap whose mappings are in the host now (null if none).
  Pmap* resident() const UMACH_EXCLUDES(lock_);
  // Makes `pmap` (of this range) resident: the resident one's runs go, and
  // pmap's entries are mapped back from its own list.
  void activate(Pmap& pmap) UMACH_EXCLUDES(lock_);
  size_t pmap_count() const { return pmaps_.load(kstd::MemoryOrder::relaxed); }

  // The scheduler's rule: true if `cpu` may run this range's tasks now
  // (nobody holds it, or cpu already does). release() by the holder.
  bool try_claim(unsigned cpu);
  void release(unsigned cpu);
  int claimed_by() const { return owner_.load(kstd::MemoryOrder::acquire); }  // -1: nobody

  // References: each Pmap holds one while attached, each creator one.
  void retain() { refs_.fetch_add(1, kstd::MemoryOrder::relaxed); }
  void release_ref();

 private:
  friend class Pmap;
  friend Result<AddressRange*> allocate_window(size_t);
  AddressRange(vaddr_t base, size_t size) : base_(base), size_(size) {}
  ~AddressRange() = default;
  void attach(Pmap& pmap) UMACH_EXCLUDES(lock_);
  void detach(Pmap& pmap) UMACH_EXCLUDES(lock_);

  const vaddr_t base_;
  const size_t size_;
  kstd::Atomic<uint32_t> refs_{1};
  kstd::Atomic<int> owner_{-1};
  mutable Spinlock lock_{LockRank::kAddressRange};
  Pmap* resident_ UMACH_GUARDED_BY(lock_) = nullptr;
  // Changed under lock_; read without it (the task loop asks on every
  // return to the kernel whether its range is shared).
  kstd::Atomic<size_t> pmaps_{0};
};

// The address model (before the first task; main.cc sets it from
// --address-model) and the window size (a multiple of 1 GiB; default
// 64 GiB, 16 GiB under TSan whose regions are smaller).
void set_address_model(AddressModel model);
AddressModel address_model();
void set_window_size(size_t bytes);
size_t window_size();

// A fresh window of `bytes`, reserved; the caller holds one reference.
// KERN_NO_SPACE when no region has room.
Result<AddressRange*> allocate_window(size_t bytes);

// The range for a new address space: the parent's (inherited memory, or the
// shared model's one range), else a fresh window. The caller holds one
// reference (release_ref() when the task goes).
Result<AddressRange*> range_for_new_task(AddressRange* parent);

size_t windows_in_use();

}  // namespace umach::hosted
