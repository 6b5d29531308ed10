// platform/hosted/kernel_runner.cc: driving the kernel from outside it.
//
// Test programs are host threads outside the machine: the scheduler runs on
// vCPU host threads of its own, and a test hands it work as kernel threads
// (run_in_kernel), waiting on the host until the thread is gone, so the
// leak audit that follows sees its stack and object released.
#include <atomic>
#include <thread>

#include "core/boot.h"
#include "core/cpu.h"
#include "core/sched/sched.h"
#include "core/platform/platform.h"

namespace umach::hosted {
namespace {

struct Job {
  void (*fn)(void*);
  void* arg;
  std::atomic<bool> returned{false};
};

void job_entry(void* p) {
  auto* job = static_cast<Job*>(p);
  job->fn(job->arg);
  job->returned.store(true, std::memory_order_release);
  job->returned.notify_all();
}

}  // namespace

void start_machine_for_tests(unsigned vcpus) {
  vcpu_leave();  // boot_for_tests made the caller CPU 0
  kernel_bootstrap_cpus(vcpus);
  std::thread([vcpus] {
    cpu_init(0);
    start_vcpus(vcpus, sched::cpu_run);
    sched::cpu_run(0);
  }).detach();
}

bool run_in_kernel(void (*fn)(void*), void* arg, int priority) {
  Job job{fn, arg};
  auto t = sched::kernel_thread("test", job_entry, &job, priority);
  if (!t.ok()) return false;
  job.returned.wait(false, std::memory_order_acquire);
  // The thread still has to leave its CPU and be reaped (its own reference
  // dropped); that takes a context switch on its vCPU, so a short poll does.
  sched::Thread& thread = *t.value();
  while (!thread.reaped_.load(kstd::MemoryOrder::acquire) || thread.ref_count() != 1) std::this_thread::yield();
  return true;
}

}  // namespace umach::hosted
