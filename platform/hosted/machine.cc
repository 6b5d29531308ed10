// platform/hosted/machine.cc: the hosted backend's machine (see backend.h):
// boot, console, physical memory, per-CPU register, clock, power.
#include <asm/prctl.h>
#include <signal.h>
#include <errno.h>
#include <fmt/core.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "core/boot.h"
#include "platform/hosted/task/test_task.h"
#include "core/cpu.h"
#include "core/platform/platform.h"
#include "platform/hosted/internal.h"

#if UMACH_HOSTED_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace umach::platform {

namespace {

PhysRange g_ranges[1];
void* g_swap_area = nullptr;
size_t g_swap_bytes = 0;
int g_console_fd = STDOUT_FILENO;
int g_console_in_fd = STDIN_FILENO;
size_t g_range_count = 0;
timespec g_boot_time{};

}  // namespace

namespace hosted {

char* g_direct_map = nullptr;
int g_physmem_fd = -1;

void host_failure(const char* what) {
  fmt::print(stderr, "umach: host error: {}: {}\n", what, strerror(errno));
  _exit(2);
}

const timespec& boot_time() { return g_boot_time; }

}  // namespace hosted

// Polled, as the bare-metal UARTs are: a vCPU never blocks in the host.
long Backend::console_read(char* buf, size_t n) {
  pollfd p{g_console_in_fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (ready <= 0) return 0;
  if (p.revents & POLLNVAL) return -1;  // no input at all
  ssize_t r;
  while ((r = ::read(g_console_in_fd, buf, n)) < 0 && errno == EINTR) {
  }
  if (r < 0) return errno == EAGAIN ? 0 : -1;
  return r == 0 ? -1 : r;  // 0: the end of the input
}

void Backend::console_write(const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(g_console_fd, s, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // the console is gone; nothing sensible to report it on
    }
    s += w;
    n -= static_cast<size_t>(w);
  }
}

kstd::Span<const PhysRange> Backend::phys_ranges() { return {g_ranges, g_range_count}; }

void* Backend::swap_area(size_t* bytes) {
  *bytes = g_swap_bytes;
  return g_swap_area;
}

// Making a CPU current on a host thread makes that thread its simulator
// (vcpu.cc); null (from vcpu_leave) only clears the GS base.
// A host thread that is no CPU points GS at this slot, so current_cpu()
// reads nullptr there instead of faulting on address 0.
static Cpu* const g_no_cpu = nullptr;

void Backend::set_current_cpu(Cpu* cpu) {
  const void* base = cpu ? static_cast<const void*>(cpu) : static_cast<const void*>(&g_no_cpu);
  if (syscall(SYS_arch_prctl, ARCH_SET_GS, reinterpret_cast<unsigned long>(base)) != 0)
    hosted::host_failure("arch_prctl(ARCH_SET_GS)");
  if (cpu != nullptr) hosted::vcpu_bind(*cpu);
}

uint64_t Backend::clock_ns() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec - g_boot_time.tv_sec) * 1000000000u +
         static_cast<uint64_t>(now.tv_nsec) - static_cast<uint64_t>(g_boot_time.tv_nsec);
}

uint64_t Backend::wall_clock_ns() {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000u + static_cast<uint64_t>(now.tv_nsec);
}

void Backend::spin_yield() { sched_yield(); }

// The machine stops: other vCPUs may still be running kernel code, so no
// static destructors or atexit handlers run (they would race with them, and
// the zones' destructors would find the idle threads alive). Only the host's
// buffered output is flushed. (ASan builds thus skip LeakSanitizer's exit
// scan here; the kernel's own leak audits cover kernel memory.)
void Backend::poweroff(int status) {
  fflush(nullptr);
  _exit(status);
}

void Backend::panic_stop() { abort(); }

void Backend::poison(const void* p, size_t n) {
#if UMACH_HOSTED_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}

void Backend::unpoison(const void* p, size_t n) {
#if UMACH_HOSTED_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}

}  // namespace umach::platform

namespace umach::hosted {

using platform::g_boot_time;
using platform::g_range_count;
using platform::g_ranges;
using platform::hosted::host_failure;

void boot(const BootOptions& options) {
  clock_gettime(CLOCK_MONOTONIC, &g_boot_time);
  set_precise_fp(options.precise_fp);
  // The timer's handler exists before any CPU binds; until this thread
  // binds (as CPU 0), it and the threads it starts keep the signal blocked.
  platform::hosted::install_signal_entry();
  sigset_t timer_only;
  platform::hosted::non_vcpu_signal_set(&timer_only);
  pthread_sigmask(SIG_BLOCK, &timer_only, nullptr);
  constexpr size_t kAlign = size_t{2} << 20;
  size_t bytes = (options.memory_bytes + kAlign - 1) & ~(kAlign - 1);
  int fd = memfd_create("umach-physmem", MFD_CLOEXEC);
  if (fd < 0) host_failure("memfd_create");
  platform::hosted::g_physmem_fd = fd;
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0) host_failure("ftruncate(physical memory)");
  // Reserve an aligned window, then map the memfd over it.
  void* window = mmap(nullptr, bytes + kAlign, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (window == MAP_FAILED) host_failure("mmap(direct map window)");
  auto start = (reinterpret_cast<uintptr_t>(window) + kAlign - 1) & ~(kAlign - 1);
  void* map = mmap(reinterpret_cast<void*>(start), bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
  if (map == MAP_FAILED) host_failure("mmap(physical memory)");
  platform::hosted::g_direct_map = static_cast<char*>(map);
  g_ranges[0] = {platform::hosted::kPhysBase, bytes};
  g_range_count = 1;
  // The swap: a second memfd, sparse (a page costs host memory only once
  // the default pager writes it).
  if (options.swap_bytes) {
    const size_t swap = (options.swap_bytes + platform::Backend::kPageSize - 1) & ~(platform::Backend::kPageSize - 1);
    int sfd = memfd_create("umach-swap", MFD_CLOEXEC);
    if (sfd < 0) host_failure("memfd_create(swap)");
    if (ftruncate(sfd, static_cast<off_t>(swap)) != 0) host_failure("ftruncate(swap)");
    void* area = mmap(nullptr, swap, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, sfd, 0);
    if (area == MAP_FAILED) host_failure("mmap(swap)");
    close(sfd);
    platform::g_swap_area = area;
    platform::g_swap_bytes = swap;
  }
  TestTask::install_created_task_runner();  // task_create's tasks run here
}

void set_console_fd(int fd) { platform::g_console_fd = fd; }
void set_console_input_fd(int fd) { platform::g_console_in_fd = fd; }

void boot_for_tests(size_t memory_bytes) {
  boot(BootOptions{memory_bytes});
  kernel_bootstrap("hosted, test");
}

}  // namespace umach::hosted
