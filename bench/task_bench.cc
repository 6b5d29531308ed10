// bench/task_bench.cc: the trap and fault paths of task programs.
//
//   BM_TrapRoundTrip           a null trap from a task program and back (the
//                              trapper program; peer: BM_FiberRoundTrip)
//   BM_PlatformFaultRoundTrip  a first touch of a page by a task program:
//                              SIGSEGV, the signal entry, the kernel's fault
//                              path (zero-fill, pmap enter), back to user
//   BM_RawSegvMmapFault        the Linux floor for the same: a SIGSEGV
//                              handler that maps a memfd page where the
//                              fault was (MAP_FIXED|MAP_POPULATE), then retry
// Each iteration runs one program to its end; the time is measured in the
// kernel around the run, and items are traps or faults.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "platform/hosted/task/test_task.h"
#include <umach/backend.h>

namespace {

using umach::hosted::TestTask;

struct Run {
  TestTask* task;
  uint64_t elapsed_ns = 0;
  bool ok = false;
};

void run_program(void* arg) {
  auto* r = static_cast<Run*>(arg);
  uint64_t start = umach::Platform::clock_ns();
  auto t = r->task->start_thread(umach::sched::kPriorityUser);
  if (!t.ok()) return;
  umach::sched::thread_join(*t.value());
  r->elapsed_ns = umach::Platform::clock_ns() - start;
  r->ok = r->task->end_reason() == "terminated";
}

bool time_program(benchmark::State& state, const char* path, std::vector<std::string> args) {
  auto task = TestTask::load(path, args);
  if (!task.ok()) {
    state.SkipWithError("cannot load the program");
    return false;
  }
  Run r{task.value().get()};
  if (!umach::hosted::run_in_kernel(run_program, &r, umach::sched::kPriorityKernel) || !r.ok) {
    state.SkipWithError("the program did not run to its end");
    return false;
  }
  state.SetIterationTime(static_cast<double>(r.elapsed_ns) * 1e-9);
  return true;
}

constexpr int kTraps = 200000;
constexpr int kFaults = 2000;

void BM_TrapRoundTrip(benchmark::State& state) {
  for (auto _ : state)
    if (!time_program(state, UMACH_PROGRAM_TRAPPER, {"trapper", std::to_string(kTraps)})) return;
  state.SetItemsProcessed(state.iterations() * kTraps);
}
BENCHMARK(BM_TrapRoundTrip)->UseManualTime();

void BM_PlatformFaultRoundTrip(benchmark::State& state) {
  for (auto _ : state) {
    // The window's address is only known once loaded: load twice (windows
    // are handed out in order, so the second load gets the same one).
    uint64_t target;
    {
      auto probe = TestTask::load(UMACH_PROGRAM_TOUCH, {"touch", "0", "0"});
      if (!probe.ok()) return state.SkipWithError("cannot load touch");
      target = probe.value()->range().vm_min() + (uint64_t{1} << 30);
    }
    char addr[32];
    snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(target));
    char count[16];
    snprintf(count, sizeof count, "%x", kFaults);
    if (!time_program(state, UMACH_PROGRAM_TOUCH, {"touch", addr, count, "w"})) return;
  }
  state.SetItemsProcessed(state.iterations() * kFaults);
}
BENCHMARK(BM_PlatformFaultRoundTrip)->UseManualTime();

// ---- the Linux peer ----

// The kernel's own struct sigaction, so the platform's handler can be put
// back exactly as it was (it has its own restorer).
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

int g_memfd = -1;
char* g_area = nullptr;

void map_on_fault(int, siginfo_t* info, void*) {
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr) & ~uintptr_t{4095};
  off_t off = static_cast<off_t>(addr - reinterpret_cast<uintptr_t>(g_area));
  mmap(reinterpret_cast<void*>(addr), 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE, g_memfd, off);
}

void BM_RawSegvMmapFault(benchmark::State& state) {
  size_t bytes = size_t{kFaults} * 4096;
  g_memfd = memfd_create("bench-raw", MFD_CLOEXEC);
  if (g_memfd < 0 || ftruncate(g_memfd, static_cast<off_t>(bytes)) != 0) return state.SkipWithError("memfd");
  struct sigaction ours {};
  ours.sa_sigaction = map_on_fault;
  ours.sa_flags = SA_SIGINFO;
  KernelSigaction saved{};
  syscall(SYS_rt_sigaction, SIGSEGV, nullptr, &saved, 8);
  sigaction(SIGSEGV, &ours, nullptr);
  for (auto _ : state) {
    g_area = static_cast<char*>(mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kFaults; ++i) g_area[size_t(i) * 4096] = 1;
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    munmap(g_area, bytes);
  }
  syscall(SYS_rt_sigaction, SIGSEGV, &saved, nullptr, 8);
  close(g_memfd);
  state.SetItemsProcessed(state.iterations() * kFaults);
}
BENCHMARK(BM_RawSegvMmapFault)->UseManualTime();

}  // namespace
