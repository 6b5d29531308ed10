// tests/fuzz/fuzz_support.h: what every fuzz target checks after an input:
// once its spaces (and maps) are gone, no message, port, space or zone
// object may be left, and (for targets that use memory) no page; and how
// the targets that run programs of steps read their input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <umach/backend.h>

#include "core/page_alloc.h"
#include "core/selftest.h"
#include "core/task/host.h"
#include "core/zone.h"
#include "ipc/kmsg.h"
#include "ipc/port.h"
#include "ipc/space.h"

namespace umach::fuzz {

// Made before an input runs (the caches drained first, so that counts
// compare); check() after everything it made is gone aborts, naming what
// was left.
class LeakAudit {
 public:
  void check(bool pages) const {
    const size_t ports = ipc::live_ports() - host::permanent_ports();
    if (ipc::live_kmsgs() != 0 || ports != 0 || ipc::live_spaces() != 0) {
      fprintf(stderr, "left: %zu messages, %zu ports, %zu spaces\n", ipc::live_kmsgs(), ports, ipc::live_spaces());
      std::abort();
    }
    drain_caches();
    if (ZoneRegistry::total_live() != live_before_) {
      snapshot_.leaks_since(true);  // names the zones
      std::abort();
    }
    if (pages && page_allocator().free_pages() != pages_before_) {
      fprintf(stderr, "left: %zu pages\n", pages_before_ - page_allocator().free_pages());
      std::abort();
    }
  }

 private:
  bool drained_ = (drain_caches(), true);  // (before the counts below)
  size_t live_before_ = ZoneRegistry::total_live();
  size_t pages_before_ = page_allocator().free_pages();
  ZoneSnapshot snapshot_;
};

// The kernel every target runs against (LLVMFuzzerInitialize).
inline void boot() { hosted::boot_for_tests(size_t{64} << 20); }

// Runs step(bytes) on each whole kStep-byte step of the input, then
// after(); with UMACH_FUZZ_VERBOSE set, each step is printed first (to
// read a crashing input back).
template <size_t kStep, class Step, class After>
void run_steps(const uint8_t* data, size_t size, Step&& step, After&& after) {
  const bool verbose = getenv("UMACH_FUZZ_VERBOSE") != nullptr;
  for (size_t at = 0; at + kStep <= size; at += kStep) {
    if (verbose) {
      fprintf(stderr, "step %zu:", at / kStep);
      for (size_t i = 0; i < kStep; ++i) fprintf(stderr, " %02x", data[at + i]);
      fprintf(stderr, "\n");
    }
    step(data + at);
    after();
  }
}

// LLVMFuzzerTestOneInput of a target that runs a program of kStep-byte
// steps (at most max_steps) against a World made by make(): w.step(bytes)
// for each step, w.check() after each, w.finish() at the end (it lets go
// of what it made); then the leak audit.
template <size_t kStep, class Make>
int run_program(const uint8_t* data, size_t size, size_t max_steps, bool pages, Make&& make) {
  if (size > kStep * max_steps) return 0;
  const LeakAudit audit;
  {
    auto w = make();
    run_steps<kStep>(
        data, size, [&](const uint8_t* p) { w.step(p); }, [&] { w.check(); });
    w.finish();
  }
  audit.check(pages);
  return 0;
}

}  // namespace umach::fuzz
