// bench/host_peers.cc: the Linux peers umach's paths are measured against:
// what a Linux user would pick to send 64 bytes to another thread and get
// 64 bytes back, what a Linux program pays to resolve a page fault itself,
// and what copying memory into fresh pages costs.
//
//   BM_PipeRoundTrip                two host threads pinned to one host CPU,
//                                   a pipe each way
//   BM_UnixSocketRoundTrip          the same over one
//                                   socketpair(AF_UNIX, SOCK_STREAM)
//   BM_UnixSocketRoundTripCrossCpu  the socket pair with the two threads
//                                   pinned to two host CPUs (skipped with
//                                   fewer than two)
// One iteration is one round trip: the benchmark's thread writes 64 bytes,
// an echo thread reads them and writes them back, the benchmark's thread
// reads them. Timed in real time (the benchmark's thread sleeps in read);
// items_per_second is round trips per second. The benchmark's thread is
// pinned only while it runs and gets its CPU mask back on every path.
//
//   BM_RawSegvMmapFault   the floor of a zero-fill fault (peer of
//                         BM_ZeroFillFault): a SIGSEGV handler maps a memfd
//                         page where the fault was
//                         (MAP_FIXED|MAP_POPULATE), then the write retries
//   BM_RawCowEmulation    the floor of a copy-on-write fault (peer of
//                         BM_CowFault): the area maps the source pages
//                         read-only; the handler copies the faulting page's
//                         4 KiB into a fresh memfd page and maps that one
//                         writable in its place
// Each iteration maps a fresh area of 2,000 pages (untimed), times one
// write to each page, and unmaps it; items are faults. The memfd pages are
// the same every iteration, so after the first the host allocates none
// (umach's next-fit page allocator hands out pages its memfd may never
// have backed: see host_faults_per_item in vm_bench.cc). The benchmark's
// handler stands in for the platform's only while it runs.
//
//   BM_Memcpy/N           memcpy of N bytes into a freshly mmap'd anonymous
//                         destination (its first touch included) and the
//                         munmap after: the peer of an out-of-line RPC of N
//                         bytes (BM_RpcOol/N). Items are copies.
#include <benchmark/benchmark.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/plain_gs.h"

namespace {

constexpr size_t kMessage = 64;

// One side of the channel: where it reads and where it writes (the same
// socket, or two pipe ends). It owns its descriptors.
struct End {
  int rfd = -1;
  int wfd = -1;
  End() = default;
  End(const End&) = delete;
  End& operator=(const End&) = delete;
  ~End() { close_all(); }
  void close_all() {
    if (wfd >= 0 && wfd != rfd) close(wfd);
    if (rfd >= 0) close(rfd);
    rfd = wfd = -1;
  }
};

enum class Channel { kPipe, kUnixSocket };

// nullptr, or what failed (both ends are left closed).
const char* open_channel(Channel channel, End& mine, End& theirs) {
  if (channel == Channel::kPipe) {
    int there[2], back[2];
    if (pipe2(there, O_CLOEXEC) != 0) return "pipe2";
    if (pipe2(back, O_CLOEXEC) != 0) {
      close(there[0]);
      close(there[1]);
      return "pipe2";
    }
    mine.wfd = there[1];
    theirs.rfd = there[0];
    theirs.wfd = back[1];
    mine.rfd = back[0];
    return nullptr;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return "socketpair";
  mine.rfd = mine.wfd = pair[0];
  theirs.rfd = theirs.wfd = pair[1];
  return nullptr;
}

// A write to a peer that has closed its end raises SIGPIPE on the writer:
// keep it blocked while the channel is open and drop it before unblocking,
// so a failing peer is an error, not the end of the process.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_only_);
    sigaddset(&pipe_only_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only_, &saved_);
  }
  ~SigpipeBlocked() {
    timespec zero{};
    while (sigtimedwait(&pipe_only_, nullptr, &zero) == SIGPIPE) {
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_only_;
  sigset_t saved_;
};

enum class Io { kOk, kEndOfFile, kError };

Io read_all(int fd, char* buf, size_t n) {
  while (n > 0) {
    ssize_t got = read(fd, buf, n);
    if (got > 0) {
      buf += got;
      n -= static_cast<size_t>(got);
    } else if (got == 0) {
      return Io::kEndOfFile;
    } else if (errno != EINTR) {
      return Io::kError;
    }
  }
  return Io::kOk;
}

Io write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t put = write(fd, buf, n);
    if (put > 0) {
      buf += put;
      n -= static_cast<size_t>(put);
    } else if (put < 0 && errno != EINTR) {
      return Io::kError;
    }
  }
  return Io::kOk;
}

bool pin_to(int cpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return sched_setaffinity(0, sizeof one, &one) == 0;  // 0: the calling thread
}

struct Echo {
  End end;  // the echo thread's once it starts; it closes it when it ends
  int cpu = 0;
  const char* error = nullptr;  // read after the join
};

// Echoes until the benchmark's thread closes its end (end of file) or an
// error; then closes its own end, so the benchmark's thread never waits on
// a thread that has gone.
void* echo_main(void* arg) {
  auto* echo = static_cast<Echo*>(arg);
  SigpipeBlocked quiet;
  PlainGsBase plain;
  char buf[kMessage];
  if (!pin_to(echo->cpu)) {
    echo->error = "sched_setaffinity (echo thread)";
  } else {
    for (;;) {
      Io in = read_all(echo->end.rfd, buf, kMessage);
      if (in == Io::kEndOfFile) break;
      if (in == Io::kError) {
        echo->error = "read (echo thread)";
        break;
      }
      if (write_all(echo->end.wfd, buf, kMessage) != Io::kOk) {
        echo->error = "write (echo thread)";
        break;
      }
    }
  }
  echo->end.close_all();
  return nullptr;
}

// nullptr, or what failed.
const char* round_trip(const End& mine, char* buf) {
  if (write_all(mine.wfd, buf, kMessage) != Io::kOk) return "write";
  switch (read_all(mine.rfd, buf, kMessage)) {
    case Io::kOk:
      return nullptr;
    case Io::kEndOfFile:
      return "read: the echo thread closed its end";
    case Io::kError:
      break;
  }
  return "read";
}

void round_trips(benchmark::State& state, Channel channel, bool cross_cpu) {
  cpu_set_t saved;
  if (sched_getaffinity(0, sizeof saved, &saved) != 0) return state.SkipWithError("sched_getaffinity");
  int cpus[2];
  int found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; ++cpu)
    if (CPU_ISSET(cpu, &saved)) cpus[found++] = cpu;
  if (found == 0) return state.SkipWithError("no host CPU in the affinity mask");
  if (cross_cpu && found < 2) return state.SkipWithError("needs two host CPUs");

  Echo echo;
  echo.cpu = cross_cpu ? cpus[1] : cpus[0];
  End mine;
  if (const char* failed = open_channel(channel, mine, echo.end)) return state.SkipWithError(failed);
  SigpipeBlocked quiet;  // the echo thread starts with it blocked too
  pthread_t thread;
  if (pthread_create(&thread, nullptr, echo_main, &echo) != 0) return state.SkipWithError("pthread_create");

  const char* error = nullptr;
  if (!pin_to(cpus[0])) error = "sched_setaffinity";
  char buf[kMessage] = {};
  PlainGsBase plain;  // (until the function returns)
  // One round trip untimed: the echo thread is up and pinned.
  if (error == nullptr) error = round_trip(mine, buf);
  if (error == nullptr) {
    for (auto _ : state) {
      if ((error = round_trip(mine, buf)) != nullptr) break;
    }
  }
  mine.close_all();  // the echo thread reads end of file and ends
  pthread_join(thread, nullptr);
  if (sched_setaffinity(0, sizeof saved, &saved) != 0 && error == nullptr) error = "sched_setaffinity (restore)";
  if (error != nullptr) {
    // The echo thread's own failure is the cause of what this side saw.
    return state.SkipWithError(echo.error != nullptr ? echo.error : error);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PipeRoundTrip(benchmark::State& state) { round_trips(state, Channel::kPipe, false); }
void BM_UnixSocketRoundTrip(benchmark::State& state) { round_trips(state, Channel::kUnixSocket, false); }
void BM_UnixSocketRoundTripCrossCpu(benchmark::State& state) { round_trips(state, Channel::kUnixSocket, true); }
BENCHMARK(BM_PipeRoundTrip)->UseRealTime();
BENCHMARK(BM_UnixSocketRoundTrip)->UseRealTime();
BENCHMARK(BM_UnixSocketRoundTripCrossCpu)->UseRealTime();

// ---- faults ----

// The kernel's own struct sigaction, so the platform's handler can be put
// back exactly as it was (it has its own restorer).
struct KernelSigaction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

// The benchmark's SIGSEGV handler in place of the platform's, for a scope.
class SegvHandlerSwap {
 public:
  explicit SegvHandlerSwap(void (*handler)(int, siginfo_t*, void*)) {
    syscall(SYS_rt_sigaction, SIGSEGV, nullptr, &saved_, 8);
    struct sigaction ours {};
    ours.sa_sigaction = handler;
    ours.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &ours, nullptr);
  }
  ~SegvHandlerSwap() { syscall(SYS_rt_sigaction, SIGSEGV, &saved_, nullptr, 8); }
  SegvHandlerSwap(const SegvHandlerSwap&) = delete;
  SegvHandlerSwap& operator=(const SegvHandlerSwap&) = delete;

 private:
  KernelSigaction saved_{};
};

constexpr int kFaults = 2000;  // as the umach side (bench/vm_bench.cc)
constexpr size_t kPage = 4096;
constexpr size_t kAreaBytes = size_t{kFaults} * kPage;

// What the handlers work on. A memfd stands for physical memory, as the
// hosted kernel's does: pages [0, kFaults) are the zero-fill fault's pages
// and the copy-on-write fault's source; [kFaults, 2 kFaults) the fresh
// pages copies land in.
struct FaultArena {
  int memfd = -1;
  char* area = nullptr;    // where the benchmark writes
  char* source = nullptr;  // memfd pages [0, kFaults), read-only
  char* fresh = nullptr;   // memfd pages [kFaults, 2 kFaults), writable
};
FaultArena g_arena;

void map_memfd_page_at(uintptr_t addr, size_t memfd_offset) {
  if (mmap(reinterpret_cast<void*>(addr), kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_POPULATE,
           g_arena.memfd, static_cast<off_t>(memfd_offset)) == MAP_FAILED)
    abort();  // the write would fault for ever
}

uintptr_t fault_offset(const siginfo_t* info) {
  return (reinterpret_cast<uintptr_t>(info->si_addr) & ~uintptr_t{kPage - 1}) -
         reinterpret_cast<uintptr_t>(g_arena.area);
}

void map_on_fault(int, siginfo_t* info, void*) {
  uintptr_t off = fault_offset(info);
  map_memfd_page_at(reinterpret_cast<uintptr_t>(g_arena.area) + off, off);
}

void copy_on_fault(int, siginfo_t* info, void*) {
  uintptr_t off = fault_offset(info);
  memcpy(g_arena.fresh + off, g_arena.source + off, kPage);
  map_memfd_page_at(reinterpret_cast<uintptr_t>(g_arena.area) + off, kAreaBytes + off);
}

// Each iteration: map_area() (untimed), one timed write to each page of
// it, munmap. The handler resolves the faults.
void time_faulting_writes(benchmark::State& state, void (*handler)(int, siginfo_t*, void*), char* (*map_area)()) {
  SegvHandlerSwap swap(handler);
  for (auto _ : state) {
    g_arena.area = map_area();
    if (g_arena.area == MAP_FAILED) return state.SkipWithError("mmap");
    volatile char* area = g_arena.area;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kFaults; ++i) area[size_t(i) * kPage] = 1;
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    munmap(g_arena.area, kAreaBytes);
  }
  state.SetItemsProcessed(state.iterations() * kFaults);
}

// The arena's memfd of `pages` pages for a scope.
class Memfd {
 public:
  explicit Memfd(size_t pages) {
    g_arena.memfd = memfd_create("bench-fault-peer", MFD_CLOEXEC);
    if (g_arena.memfd >= 0 && ftruncate(g_arena.memfd, static_cast<off_t>(pages * kPage)) != 0) {
      close(g_arena.memfd);
      g_arena.memfd = -1;
    }
  }
  ~Memfd() {
    if (g_arena.memfd >= 0) close(g_arena.memfd);
    g_arena = {};
  }
  bool ok() const { return g_arena.memfd >= 0; }
  Memfd(const Memfd&) = delete;
  Memfd& operator=(const Memfd&) = delete;
};

void BM_RawSegvMmapFault(benchmark::State& state) {
  Memfd memfd(kFaults);
  if (!memfd.ok()) return state.SkipWithError("memfd");
  time_faulting_writes(state, map_on_fault, [] {
    return static_cast<char*>(mmap(nullptr, kAreaBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  });
}
BENCHMARK(BM_RawSegvMmapFault)->UseManualTime();

void BM_RawCowEmulation(benchmark::State& state) {
  Memfd memfd(2 * kFaults);
  if (!memfd.ok()) return state.SkipWithError("memfd");
  void* source = mmap(nullptr, 2 * kAreaBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, g_arena.memfd, 0);
  if (source == MAP_FAILED) return state.SkipWithError("mmap");
  g_arena.source = static_cast<char*>(source);
  g_arena.fresh = g_arena.source + kAreaBytes;
  for (int i = 0; i < kFaults; ++i) memset(g_arena.source + size_t(i) * kPage, i & 0xff, kPage);
  // The area shows the source read-only, as a copy-on-write mapping does.
  time_faulting_writes(state, copy_on_fault, [] {
    return static_cast<char*>(mmap(nullptr, kAreaBytes, PROT_READ, MAP_SHARED, g_arena.memfd, 0));
  });
  munmap(source, 2 * kAreaBytes);
}
BENCHMARK(BM_RawCowEmulation)->UseManualTime();

// ---- copying memory ----

void BM_Memcpy(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0));
  std::vector<char> source(bytes, 1);  // touched: only the destination is fresh
  for (auto _ : state) {
    void* to = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (to == MAP_FAILED) return state.SkipWithError("mmap");
    memcpy(to, source.data(), bytes);
    benchmark::DoNotOptimize(to);
    benchmark::ClobberMemory();
    munmap(to, bytes);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Memcpy)->Arg(4096)->Arg(65536)->Arg(1048576);

}  // namespace
