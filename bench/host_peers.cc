// bench/host_peers.cc: the Linux peers of a Mach RPC: what a Linux user
// would pick to send 64 bytes to another thread and get 64 bytes back.
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
#include <benchmark/benchmark.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstddef>

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

}  // namespace
