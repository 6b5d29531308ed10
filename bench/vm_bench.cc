// bench/vm_bench.cc: VM benchmarks.
//
//   BM_ZeroFillFault         a task program's first touch of a page it
//                            vm_allocate'd (touch.c, 2,000 pages): a real
//                            SIGSEGV, the signal entry, the pmap's fault_in
//                            (nothing entered), vm_fault's zero fill, the
//                            pmap enter (an mmap of the memfd page), back to
//                            user; peer: BM_RawSegvMmapFault (at most 1.3x)
//   BM_CowFault              a task program's write to a page it mapped
//                            copy-on-write (cow.c: vm_map with copy of a
//                            2,000-page kernel memory object, then one write
//                            a page): the SIGSEGV as above, then vm_fault
//                            finds the page below the map's own object and
//                            copies its 4 KiB up before entering it
//                            writable; peer: BM_RawCowEmulation (at most
//                            1.3x)
//   BM_FaultAfterGenerations/N
//                            kernel-level: a map whose 512 pages were written
//                            in generation 0 goes through N generations of
//                            map_fork, drop the parent, write one other page
//                            of the same entry (each write puts a shadow over
//                            the object the generations share); then the
//                            last map's pmap is made resident and vm_fault
//                            write-faults each of the 512 pages. Collapse
//                            keeps the chain short (chain_depth: the objects
//                            the first page's lookup walks; 1 today), so each
//                            fault finds its page in the map's own object and
//                            maps it, and /1000 must cost what /1 does (at
//                            most 1.2x); without collapse each would walk N
//                            objects and copy the page up.
//   BM_PagerFault            a task program's read of a page a user pager
//                            serves (pager_bench.c: 2,000 pages of a memory
//                            object its own pager thread supplies): the
//                            SIGSEGV, vm_fault finds the page missing in
//                            the pager's object and records a request, the
//                            kernel sends memory_object_data_request, the
//                            thread sleeps; the pager thread receives it,
//                            calls memory_object_data_supply (the page
//                            copied in), the fault runs again and enters
//                            it; vm_faults_per_item counts both runs;
//                            peers: BM_NullRpc plus BM_ZeroFillFault (a
//                            message each way and a fault)
//   BM_PageoutRoundTrip      kernel-level: 256 written pages paged out to the
//                            swap (vm::pageout: each written to its slot,
//                            its memory freed) and read back (map_read's
//                            fault reads each from its slot); items are
//                            pages; peer: BM_Memcpy/4096 (the two copies
//                            are the floor: two memcpys of a page)
// Items are faults. The task-program benchmarks time the program's whole
// run (bench/task_run.h): 2,000 faults dwarf its start-up, its one
// vm_allocate or vm_map call, its check of the pages and its exit (tens of
// microseconds of ~60 ms); their counters (FaultCounts below) show that
// each item was the fault named and what it cost the host. The
// generations' setup runs untimed; only their faults' loop is timed.
#include <benchmark/benchmark.h>
#include <stdio.h>
#include <sys/resource.h>

#include <string>

#include "bench/task_run.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "platform/hosted/memory/address_window.h"
#include "platform/hosted/task/test_task.h"
#include "tests/programs/cow_object.h"
#include "vm/fault.h"
#include "vm/pageout.h"
#include "vm/memory_object.h"
#include "vm/vm_user.h"
#include <umach/backend.h>

namespace {

namespace vm = umach::vm;
using umach::Platform;
using umach::SpinlockGuard;
using umach::bench::time_program;
using umach::hosted::TestTask;

constexpr int kFaults = 2000;  // as the peers (bench/host_peers.cc)
constexpr uint64_t P = vm::kPageSize;

std::string hex(uint64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%#llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t vm_counter(uint64_t vm::VmCounters::*which) {
  SpinlockGuard hold(vm::g_vm_lock);
  return vm::g_counters.*which;
}

// What every task-program fault benchmark reports per item besides the
// time: the VM's count of the fault named (`which`); every fault the
// programs took (traps_per_item: a page the pmap forgot and faulted back
// in would show here); and the host's minor page faults during the runs
// (host_faults_per_item: the pmap's mmap(MAP_POPULATE) is one; a first
// touch of a physical page through the kernel's direct map is another).
class FaultCounts {
 public:
  explicit FaultCounts(uint64_t vm::VmCounters::*which) : which_(which), vm_before_(vm_counter(which)) {}
  // Runs the loaded task's program as time_program does, counting.
  bool time(benchmark::State& state, TestTask& task) {
    const long before = host_minor_faults();
    if (!time_program(state, task)) return false;
    host_faults_ += host_minor_faults() - before;
    traps_ += task.faults().size();
    return true;
  }
  void report(benchmark::State& state, int64_t per_iteration) const {
    const int64_t items = state.iterations() * per_iteration;
    state.SetItemsProcessed(items);
    if (items == 0) return;
    const auto per_item = [&](double n) { return n / static_cast<double>(items); };
    state.counters["vm_faults_per_item"] = per_item(static_cast<double>(vm_counter(which_) - vm_before_));
    state.counters["traps_per_item"] = per_item(static_cast<double>(traps_));
    state.counters["host_faults_per_item"] = per_item(static_cast<double>(host_faults_));
  }

 private:
  static long host_minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
  }

  uint64_t vm::VmCounters::*which_;
  uint64_t vm_before_;
  uint64_t traps_ = 0;
  long host_faults_ = 0;
};

// ---- zero fill ----

void BM_ZeroFillFault(benchmark::State& state) {
  FaultCounts counts(&vm::VmCounters::zero_fill);
  for (auto _ : state) {
    // touch.c allocates at the address it is given: one in the window the
    // program is about to get.
    uint64_t vm_min = umach::bench::next_window_vm_min(UMACH_PROGRAM_TOUCH);
    if (vm_min == 0) return state.SkipWithError("cannot load touch");
    auto task = TestTask::load(UMACH_PROGRAM_TOUCH, {"touch", hex(vm_min + (uint64_t{1} << 30)), hex(kFaults), "w"});
    if (!task.ok()) return state.SkipWithError("cannot load touch");
    if (!counts.time(state, *task.value())) return;
  }
  counts.report(state, kFaults);
}
BENCHMARK(BM_ZeroFillFault)->UseManualTime();

// ---- a fault a user pager serves ----

void BM_PagerFault(benchmark::State& state) {
  FaultCounts counts(&vm::VmCounters::faults);
  for (auto _ : state) {
    auto task = TestTask::load(UMACH_PROGRAM_PAGER_BENCH, {"pager_bench", hex(kFaults)});
    if (!task.ok()) return state.SkipWithError("cannot load pager_bench");
    if (!counts.time(state, *task.value())) return;
    if (task.value()->output() != "pager_bench: ok\n") return state.SkipWithError("the pager's pages went wrong");
  }
  counts.report(state, kFaults);
}
BENCHMARK(BM_PagerFault)->UseManualTime();

// ---- copy-on-write ----

constexpr mach_port_name_t kObjectName = 0x1000;  // the object's name in cow.c's space

// cow.c, loaded with a send right to the object under kObjectName.
std::unique_ptr<TestTask> load_cow(vm::KernelMemoryObject& object) {
  auto task = TestTask::load(UMACH_PROGRAM_COW, {"cow", hex(kObjectName), hex(kFaults)});
  if (!task.ok() || !umach::testing::give_cow_object(*task.value(), object, kObjectName)) return nullptr;
  return std::move(task.value());
}

void BM_CowFault(benchmark::State& state) {
  vm::VmObject* o = umach::testing::make_cow_object(kFaults);
  if (!o) return state.SkipWithError("no memory for the object");
  auto handle = vm::KernelMemoryObject::create(o);  // takes o's reference
  if (!handle.ok()) return state.SkipWithError("no memory object");
  vm::KernelMemoryObject& object = *handle.value();
  FaultCounts counts(&vm::VmCounters::cow_faults);
  for (auto _ : state) {
    auto task = load_cow(object);
    if (!task) {
      state.SkipWithError("cannot load cow");
      break;
    }
    if (!counts.time(state, *task)) break;
    if (task->output() != "cow: ok\n" || !umach::testing::cow_object_unchanged(o, kFaults)) {
      state.SkipWithError("the copy-on-write went wrong");
      break;
    }
  }
  counts.report(state, kFaults);
  object.destroy();
}
BENCHMARK(BM_CowFault)->UseManualTime();

// ---- faults after generations ----

constexpr uint64_t kGenerationPages = 512;

struct Generations {
  int count;
  uint64_t elapsed_ns = 0;
  unsigned chain_depth = 0;  // before the faults, at the first page
  bool ok = false;
};

bool write_word(vm::VmMap& map, uint64_t va, uint64_t value) {
  return vm::map_write(map, va, &value, sizeof value) == KERN_SUCCESS;
}

// Generation 0 writes every page of one entry, [0, kGenerationPages];
// each later generation forks the last map, drops it, and writes the
// entry's last page again (a copy-on-write copy, never a zero fill: every
// generation is alike). Returns the last map (one reference) or null.
vm::VmMap* make_generations(int count, uint64_t* base) {
  vm::VmMap* map = vm::VmMap::create(nullptr);
  if (!map) return nullptr;
  bool ok = vm::allocate(*map, base, (kGenerationPages + 1) * P, true) == KERN_SUCCESS;
  for (uint64_t i = 0; ok && i <= kGenerationPages; ++i) ok = write_word(*map, *base + i * P, i + 1);
  for (int g = 1; ok && g <= count; ++g) {
    vm::VmMap* child = vm::map_fork(*map);
    map->unref();
    map = child;
    ok = map && write_word(*map, *base + kGenerationPages * P, static_cast<uint64_t>(g));
  }
  if (!ok && map) map->unref();
  return ok ? map : nullptr;
}

void fault_after_generations(void* arg) {
  auto* g = static_cast<Generations*>(arg);
  uint64_t base = 0;
  vm::VmMap* map = make_generations(g->count, &base);
  if (!map) return;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    const vm::VmMapEntry* e = map->lookup(base);
    g->chain_depth = e && e->object ? e->object->chain_depth(e->offset) : 0;
  }
  // Mapped in the host as a running task's pmap is: each fault is a real
  // pmap enter (the window's first pmap went with generation 0).
  map->pmap().range().activate(map->pmap());
  bool ok = true;
  const uint64_t start = Platform::clock_ns();
  for (uint64_t i = 0; ok && i < kGenerationPages; ++i)
    ok = vm::vm_fault(*map, base + i * P, VM_PROT_WRITE) == KERN_SUCCESS;
  g->elapsed_ns = Platform::clock_ns() - start;
  for (uint64_t i = 0; ok && i < kGenerationPages; ++i) {
    uint64_t v = 0;
    ok = vm::map_read(*map, base + i * P, &v, sizeof v) == KERN_SUCCESS && v == i + 1;
  }
  map->unref();
  g->ok = ok;
}

void BM_FaultAfterGenerations(benchmark::State& state) {
  unsigned deepest = 0;
  for (auto _ : state) {
    Generations g{static_cast<int>(state.range(0))};
    if (!umach::hosted::run_in_kernel(fault_after_generations, &g, umach::sched::kPriorityKernel) || !g.ok)
      return state.SkipWithError("the generations or their faults failed");
    state.SetIterationTime(static_cast<double>(g.elapsed_ns) * 1e-9);
    deepest = g.chain_depth > deepest ? g.chain_depth : deepest;
  }
  state.SetItemsProcessed(state.iterations() * kGenerationPages);
  state.counters["chain_depth"] = deepest;
}
// Each iteration builds its N generations untimed: few iterations suffice.
BENCHMARK(BM_FaultAfterGenerations)->Arg(1)->Arg(1000)->UseManualTime()->MinTime(0.05);

// ---- pageout and back ----

constexpr uint64_t kRoundTripPages = 256;

struct RoundTrips {
  uint64_t elapsed_ns = 0;
  uint64_t trips = 0;
  bool ok = false;
};

// Each round writes one word of every page (dirtying it), pages them all
// out (each written to its swap slot, its memory freed) and reads them
// back (each read from its slot into a fresh page): a page's trip out to
// the default pager and back, with the fault that brings it back.
void pageout_round_trips(void* arg) {
  auto* r = static_cast<RoundTrips*>(arg);
  vm::VmMap* map = vm::VmMap::create(nullptr);
  if (!map) return;
  uint64_t base = 0;
  bool ok = vm::allocate(*map, &base, kRoundTripPages * P, true) == KERN_SUCCESS;
  for (uint64_t i = 0; ok && i < kRoundTripPages; ++i) ok = write_word(*map, base + i * P, i);
  uint64_t elapsed = 0;
  for (int round = 0; ok && round < 8; ++round) {
    for (uint64_t i = 0; ok && i < kRoundTripPages; ++i) ok = write_word(*map, base + i * P, i + round);
    const uint64_t start = Platform::clock_ns();
    ok = ok && vm::pageout(~size_t{0} >> 1) >= kRoundTripPages;
    for (uint64_t i = 0; ok && i < kRoundTripPages; ++i) {
      uint64_t v = 0;
      ok = vm::map_read(*map, base + i * P, &v, sizeof v) == KERN_SUCCESS && v == i + round;
    }
    elapsed += Platform::clock_ns() - start;
    r->trips += kRoundTripPages;
  }
  map->unref();
  r->elapsed_ns = elapsed;
  r->ok = ok;
}

void BM_PageoutRoundTrip(benchmark::State& state) {
  const uint64_t pageouts = [] {
    SpinlockGuard hold(vm::g_vm_lock);
    return vm::g_counters.pageouts;
  }();
  uint64_t trips = 0;
  for (auto _ : state) {
    RoundTrips r;
    if (!umach::hosted::run_in_kernel(pageout_round_trips, &r, umach::sched::kPriorityKernel) || !r.ok)
      return state.SkipWithError("a page did not come back");
    state.SetIterationTime(static_cast<double>(r.elapsed_ns) * 1e-9);
    trips += r.trips;
  }
  state.SetItemsProcessed(static_cast<int64_t>(trips));
  SpinlockGuard hold(vm::g_vm_lock);
  state.counters["pageouts_per_item"] =
      trips ? static_cast<double>(vm::g_counters.pageouts - pageouts) / static_cast<double>(trips) : 0;
}
BENCHMARK(BM_PageoutRoundTrip)->UseManualTime();

}  // namespace
