// platform/hosted/vcpu.cc: simulated CPUs are host threads.
//
// A host thread becomes CPU n through umach::cpu_init(n) ->
// Backend::set_current_cpu -> vcpu_bind, in this order:
//   1. GS base = &cpu (machine.cc), so current_cpu() works;
//   2. its own sigaltstack (a slot of one reservation for all CPUs, with a
//      guard page below; the handler tests "am I on a vCPU" against it),
//      sized from the kernel's AT_MINSIGSTKSZ (AVX-512 frames outgrow
//      glibc's MINSIGSTKSZ) plus a margin for the future trap entry and for
//      a sanitizer's report if one fires on it;
//   3. its POSIX timer, aimed at this thread (timer.cc);
//   4. the timer signal unblocked, last, so it never lands without its stack.
// vcpu_leave undoes 2-4 in reverse, so a test's thread (or a vCPU whose
// entry returned) may end and another host thread become that CPU.
//
// Which host threads see the timer signal: it is thread-directed
// (SIGEV_THREAD_ID), so only a stray kill() could reach another thread, and
// the handler ignores anything that is not a timer expiry. Beyond that,
// boot() blocks it in the boot thread before it binds, start_vcpus creates
// its threads with it blocked, and vcpu_leave blocks it again. Host threads
// that a bound vCPU spawns itself (GoogleTest helpers, tests) inherit its
// mask; blocking there is the spawner's business.
#include <errno.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include "core/cpu.h"
#include "core/platform/platform.h"
#include "platform/hosted/internal.h"

namespace umach::platform::hosted {

uintptr_t g_signal_stacks_begin = 0;
uintptr_t g_signal_stacks_end = 0;

namespace {

constexpr size_t kSignalStackMargin = size_t{64} << 10;

size_t page_round_up(size_t n) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) & ~(page - 1);
}

size_t signal_stack_size() {
  size_t kernel_min = getauxval(AT_MINSIGSTKSZ);  // 0 on kernels that predate it
  return page_round_up((kernel_min > 4096 ? kernel_min : 4096) + kSignalStackMargin);
}

// All vCPUs' signal stacks lie in one reservation (kMaxCpus slots of guard
// page + stack), so the signal handler can tell from its own stack pointer
// that it runs on a vCPU (internal.h, g_signal_stacks_begin). Reserved by
// the first bind (the boot CPU, before any other thread binds).
std::once_flag g_signal_stacks_once;
size_t g_signal_slot_size = 0;

void reserve_signal_stacks() {
  size_t slot = page_round_up(1) + signal_stack_size();
  size_t span = slot * Backend::kMaxCpus;
  void* map = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) host_failure("mmap(signal stacks)");
  g_signal_slot_size = slot;
  g_signal_stacks_begin = reinterpret_cast<uintptr_t>(map);
  g_signal_stacks_end = g_signal_stacks_begin + span;
}

void install_signal_stack(Cpu& cpu) {
  Backend::CpuMachine& m = cpu.machine;
  if (m.signal_stack == nullptr) {
    std::call_once(g_signal_stacks_once, reserve_signal_stacks);
    size_t guard = page_round_up(1);
    char* slot = reinterpret_cast<char*>(g_signal_stacks_begin) + size_t{cpu.id} * g_signal_slot_size;
    size_t size = g_signal_slot_size - guard;
    // The guard page below stays PROT_NONE from the reservation.
    if (mprotect(slot + guard, size, PROT_READ | PROT_WRITE) != 0) host_failure("mprotect(signal stack)");
    m.signal_stack = slot + guard;
    m.signal_stack_size = size;
  }
  stack_t ours{};
  ours.ss_sp = m.signal_stack;
  ours.ss_size = m.signal_stack_size;
  stack_t old{};
  if (sigaltstack(&ours, &old) != 0) host_failure("sigaltstack");
  m.host_altstack = old.ss_sp;
  m.host_altstack_size = old.ss_size;
  m.host_altstack_flags = old.ss_flags;
}

void restore_host_signal_stack(Backend::CpuMachine& m) {
  stack_t old{};
  old.ss_sp = m.host_altstack;
  old.ss_size = m.host_altstack_size;
  old.ss_flags = m.host_altstack_flags & SS_DISABLE;
  if (sigaltstack(&old, nullptr) != 0) host_failure("sigaltstack(restore)");
}

void set_timer_signal_blocked(bool blocked) {
  sigset_t set;
  non_vcpu_signal_set(&set);
  int err = pthread_sigmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
  if (err != 0) {
    errno = err;
    host_failure("pthread_sigmask");
  }
}

// start_vcpus waits until every new vCPU is bound: its cpu_init then
// happens before whatever the caller does next (TSan sees it through the
// mutex).
struct StartBarrier {
  std::mutex lock;
  std::condition_variable cv;
  unsigned bound = 0;
};

struct VcpuStart {
  unsigned id;
  void (*entry)(unsigned);
  StartBarrier* barrier;  // lives until start_vcpus returns
};

void* vcpu_thread(void* p) {
  VcpuStart start = *static_cast<VcpuStart*>(p);
  delete static_cast<VcpuStart*>(p);
  umach::cpu_init(start.id);
  {
    // Notify under the lock: once it is released the barrier may be gone.
    std::lock_guard<std::mutex> hold(start.barrier->lock);
    start.barrier->bound++;
    start.barrier->cv.notify_one();
  }
  start.entry(start.id);
  umach::hosted::vcpu_leave();
  return nullptr;
}

}  // namespace

void vcpu_bind(Cpu& cpu) {
  Backend::CpuMachine& m = cpu.machine;
  int tid = static_cast<int>(gettid());
  if (m.host_tid == tid) return;
  if (m.host_tid != 0) {
    errno = EBUSY;
    host_failure("a second host thread tried to become a CPU that is still bound (vcpu_leave first)");
  }
  install_signal_stack(cpu);
  timer_create_for(cpu, tid);
  m.host_tid = tid;
  set_timer_signal_blocked(false);
}

}  // namespace umach::platform::hosted

namespace umach::hosted {

using platform::Backend;
using platform::hosted::host_failure;

void start_vcpus(unsigned count, void (*entry)(unsigned id)) {
  if (count < 1 || count > Backend::kMaxCpus) {
    errno = EINVAL;
    host_failure("start_vcpus: CPU count out of range");
  }
  platform::hosted::StartBarrier barrier;
  // New threads inherit the creator's mask: start them with the timer
  // signal blocked; each unblocks it once bound.
  sigset_t timer_only, saved;
  platform::hosted::non_vcpu_signal_set(&timer_only);
  pthread_sigmask(SIG_BLOCK, &timer_only, &saved);
  for (unsigned id = 1; id < count; ++id) {
    auto* start = new platform::hosted::VcpuStart{id, entry, &barrier};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, platform::hosted::vcpu_thread, start);
    pthread_attr_destroy(&attr);
    if (err != 0) {
      errno = err;
      host_failure("pthread_create(vCPU)");
    }
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  std::unique_lock<std::mutex> hold(barrier.lock);
  barrier.cv.wait(hold, [&] { return barrier.bound == count - 1; });
}

void vcpu_leave() {
  Cpu& cpu = *Backend::current_cpu();
  Backend::CpuMachine& m = cpu.machine;
  platform::hosted::set_timer_signal_blocked(true);
  platform::hosted::timer_delete_for(cpu);
  platform::hosted::restore_host_signal_stack(m);
  m.host_tid = 0;
  Backend::set_current_cpu(nullptr);
}

}  // namespace umach::hosted
