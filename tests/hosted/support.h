// tests/hosted/support.h: helpers for the hosted platform's tests.
//
// CPU ids: the test program's main thread is CPU 0 (tests/unit/test_main.cc
// boots the kernel on it); start_vcpus tests use CPUs 1..3; every other test
// binds its host threads as CPUs from 8 up, so the vCPUs start_vcpus leaves
// behind (they unbind on their own thread, unobserved) never collide with
// them when the whole binary runs in one process.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <thread>
#include <utility>

#include "core/cpu.h"
#include "core/platform/platform.h"

#if UMACH_HOSTED_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace umach::test {

using Platform = umach::Platform;
using Context = Platform::Context;

inline constexpr unsigned kFirstTestCpu = 8;

// A kernel stack from mmap, so it is reused memory the way the kernel's own
// stacks will be (no allocator unpoisons it for us).
class KernelStack {
 public:
  explicit KernelStack(size_t size = Platform::kKernelStackSize) : size_(size) {
    base_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    EXPECT_NE(base_, MAP_FAILED);
  }
  ~KernelStack() {
    // A test that failed halfway may leave a context's poison behind; never
    // hand a poisoned range back to the host.
#if UMACH_HOSTED_ASAN
    __asan_unpoison_memory_region(base_, size_);
#endif
    munmap(base_, size_);
  }
  KernelStack(const KernelStack&) = delete;
  KernelStack& operator=(const KernelStack&) = delete;
  void* base() const { return base_; }
  size_t size() const { return size_; }

 private:
  void* base_;
  size_t size_;
};

// Makes the calling host thread CPU `id` for its lifetime.
class BoundVcpu {
 public:
  explicit BoundVcpu(unsigned id) { umach::cpu_init(id); }
  ~BoundVcpu() { umach::hosted::vcpu_leave(); }
  BoundVcpu(const BoundVcpu&) = delete;
  BoundVcpu& operator=(const BoundVcpu&) = delete;
  Cpu& cpu() const { return umach::this_cpu(); }
};

// Runs f() on a new host thread bound as CPU `id`, and waits for it.
template <class F>
void run_on_vcpu(unsigned id, F&& f) {
  std::thread t([&] {
    BoundVcpu vcpu(id);
    f(vcpu.cpu());
  });
  t.join();
}

}  // namespace umach::test
