// tests/hosted/vcpu_test.cc: simulated CPUs are host threads, each with its
// own per-CPU register, signal stack and timer.
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <atomic>

#include "tests/hosted/support.h"

namespace umach::test {
namespace {

bool timer_signal_blocked() {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, SIGRTMIN) == 1;
}

void* current_altstack() {
  stack_t ss{};
  sigaltstack(nullptr, &ss);
  return (ss.ss_flags & SS_DISABLE) ? nullptr : ss.ss_sp;
}

TEST(Vcpu, BootThreadIsCpu0) {
  EXPECT_EQ(umach::this_cpu().id, 0u);
  EXPECT_EQ(umach::cpu(0).machine.host_tid, static_cast<int>(gettid()));
  EXPECT_FALSE(timer_signal_blocked());
}

TEST(Vcpu, BoundThreadHasItsOwnSignalStack) {
  std::thread t([] {
    void* host_stack = current_altstack();
    {
      BoundVcpu vcpu(kFirstTestCpu);
      Platform::CpuMachine& m = vcpu.cpu().machine;
      EXPECT_EQ(current_altstack(), m.signal_stack);
      EXPECT_GE(m.signal_stack_size, getauxval(AT_MINSIGSTKSZ));
      EXPECT_EQ(m.host_tid, static_cast<int>(gettid()));
      EXPECT_FALSE(timer_signal_blocked());
    }
    EXPECT_EQ(current_altstack(), host_stack);  // vcpu_leave gave the thread its own back
    EXPECT_TRUE(timer_signal_blocked());
  });
  t.join();
}

TEST(Vcpu, AnotherThreadCanBecomeALeftCpu) {
  run_on_vcpu(kFirstTestCpu, [](Cpu& cpu) { EXPECT_EQ(cpu.id, kFirstTestCpu); });
  run_on_vcpu(kFirstTestCpu, [](Cpu& cpu) {
    EXPECT_EQ(cpu.machine.host_tid, static_cast<int>(gettid()));
    uint32_t before = cpu.timer_fired.load();
    Platform::timer_arm(0);  // its timer now aims at this thread
    while (cpu.timer_fired.load() == before) std::this_thread::yield();
  });
}

constexpr unsigned kStartedCpus = 4;  // CPU 0 (the caller) and 1..3
std::atomic<unsigned> g_entered{0};
std::atomic<unsigned> g_correct{0};

void started_entry(unsigned id) {
  Cpu& cpu = umach::this_cpu();
  bool ok = cpu.id == id && cpu.machine.host_tid == static_cast<int>(gettid()) &&
            current_altstack() == cpu.machine.signal_stack && !timer_signal_blocked();
  if (ok) g_correct++;
  g_entered++;
}

TEST(Vcpu, StartVcpusRunsEntryOnEachBoundCpu) {
  unsigned online_before = umach::cpu_count_online();
  umach::hosted::start_vcpus(kStartedCpus, started_entry);
  EXPECT_GE(umach::cpu_count_online(), online_before);
  while (g_entered.load() < kStartedCpus - 1) std::this_thread::yield();
  EXPECT_EQ(g_correct.load(), kStartedCpus - 1);
  EXPECT_EQ(umach::this_cpu().id, 0u);  // the caller stays CPU 0
}

}  // namespace
}  // namespace umach::test
