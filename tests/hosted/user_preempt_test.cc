// tests/hosted/user_preempt_test.cc: a timer tick preempts user code
// (kPreempted) and the code resumes intact: its registers, its red zone,
// and its vector registers (xmm/ymm, zmm where the CPU has AVX-512), while
// other threads that use them run in between. A preemption always saves
// the full FP state; a trap call keeps vector registers only with
// --precise-fp.
#include <atomic>
#include <memory>

#include "core/refptr.h"
#include "core/sched/thread.h"
#include "tests/hosted/user_support.h"

namespace umach::test {
namespace {

// Spins until *rdi != 0, with values in its red zone; reports them.
UMACH_USER_PROGRAM(spin_flag,
                   "  mov %rdi, %rbx\n"
                   "  movq $0x5a5a, -8(%rsp)\n"
                   "  movq $0xa5a5, -128(%rsp)\n"
                   "1:\n"
                   "  cmpq $0, (%rbx)\n"
                   "  je 1b\n"
                   "  mov -8(%rsp), %rdi\n"
                   "  mov -128(%rsp), %rsi\n"
                   "  mov $-30, %eax\n"
                   "  call spin_flag_trap\n"
                   "  ud2\n");

// Fills ymm0-15 with seed+1..seed+16 (rdx), spins until *rdi != 0 (or, with
// rdi = 0, makes trap call 59 first), stores them at rsi, reports (trap 30).
UMACH_USER_PROGRAM(ymm_loop,
"  inc %rdx\n  vmovq %rdx, %xmm0\n  vpbroadcastq %xmm0, %ymm0\n"
"  inc %rdx\n  vmovq %rdx, %xmm1\n  vpbroadcastq %xmm1, %ymm1\n"
"  inc %rdx\n  vmovq %rdx, %xmm2\n  vpbroadcastq %xmm2, %ymm2\n"
"  inc %rdx\n  vmovq %rdx, %xmm3\n  vpbroadcastq %xmm3, %ymm3\n"
"  inc %rdx\n  vmovq %rdx, %xmm4\n  vpbroadcastq %xmm4, %ymm4\n"
"  inc %rdx\n  vmovq %rdx, %xmm5\n  vpbroadcastq %xmm5, %ymm5\n"
"  inc %rdx\n  vmovq %rdx, %xmm6\n  vpbroadcastq %xmm6, %ymm6\n"
"  inc %rdx\n  vmovq %rdx, %xmm7\n  vpbroadcastq %xmm7, %ymm7\n"
"  inc %rdx\n  vmovq %rdx, %xmm8\n  vpbroadcastq %xmm8, %ymm8\n"
"  inc %rdx\n  vmovq %rdx, %xmm9\n  vpbroadcastq %xmm9, %ymm9\n"
"  inc %rdx\n  vmovq %rdx, %xmm10\n  vpbroadcastq %xmm10, %ymm10\n"
"  inc %rdx\n  vmovq %rdx, %xmm11\n  vpbroadcastq %xmm11, %ymm11\n"
"  inc %rdx\n  vmovq %rdx, %xmm12\n  vpbroadcastq %xmm12, %ymm12\n"
"  inc %rdx\n  vmovq %rdx, %xmm13\n  vpbroadcastq %xmm13, %ymm13\n"
"  inc %rdx\n  vmovq %rdx, %xmm14\n  vpbroadcastq %xmm14, %ymm14\n"
"  inc %rdx\n  vmovq %rdx, %xmm15\n  vpbroadcastq %xmm15, %ymm15\n"
                   "  test %rdi, %rdi\n"
                   "  jnz 1f\n"
                   "  mov $-59, %eax\n"
                   "  call ymm_loop_trap\n"
                   "  jmp 2f\n"
                   "1:\n"
                   "  cmpq $0, (%rdi)\n"
                   "  je 1b\n"
                   "2:\n"
"  vmovdqu %ymm0, 0(%rsi)\n"
"  vmovdqu %ymm1, 32(%rsi)\n"
"  vmovdqu %ymm2, 64(%rsi)\n"
"  vmovdqu %ymm3, 96(%rsi)\n"
"  vmovdqu %ymm4, 128(%rsi)\n"
"  vmovdqu %ymm5, 160(%rsi)\n"
"  vmovdqu %ymm6, 192(%rsi)\n"
"  vmovdqu %ymm7, 224(%rsi)\n"
"  vmovdqu %ymm8, 256(%rsi)\n"
"  vmovdqu %ymm9, 288(%rsi)\n"
"  vmovdqu %ymm10, 320(%rsi)\n"
"  vmovdqu %ymm11, 352(%rsi)\n"
"  vmovdqu %ymm12, 384(%rsi)\n"
"  vmovdqu %ymm13, 416(%rsi)\n"
"  vmovdqu %ymm14, 448(%rsi)\n"
"  vmovdqu %ymm15, 480(%rsi)\n"
                   "  mov $-30, %eax\n"
                   "  call ymm_loop_trap\n"
                   "  ud2\n");

// The same with zmm0-31.
UMACH_USER_PROGRAM(zmm_loop,
"  inc %rdx\n  vpbroadcastq %rdx, %zmm0\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm1\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm2\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm3\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm4\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm5\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm6\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm7\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm8\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm9\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm10\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm11\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm12\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm13\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm14\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm15\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm16\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm17\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm18\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm19\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm20\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm21\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm22\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm23\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm24\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm25\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm26\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm27\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm28\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm29\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm30\n"
"  inc %rdx\n  vpbroadcastq %rdx, %zmm31\n"
                   "  test %rdi, %rdi\n"
                   "  jnz 1f\n"
                   "  mov $-59, %eax\n"
                   "  call zmm_loop_trap\n"
                   "  jmp 2f\n"
                   "1:\n"
                   "  cmpq $0, (%rdi)\n"
                   "  je 1b\n"
                   "2:\n"
"  vmovdqu64 %zmm0, 0(%rsi)\n"
"  vmovdqu64 %zmm1, 64(%rsi)\n"
"  vmovdqu64 %zmm2, 128(%rsi)\n"
"  vmovdqu64 %zmm3, 192(%rsi)\n"
"  vmovdqu64 %zmm4, 256(%rsi)\n"
"  vmovdqu64 %zmm5, 320(%rsi)\n"
"  vmovdqu64 %zmm6, 384(%rsi)\n"
"  vmovdqu64 %zmm7, 448(%rsi)\n"
"  vmovdqu64 %zmm8, 512(%rsi)\n"
"  vmovdqu64 %zmm9, 576(%rsi)\n"
"  vmovdqu64 %zmm10, 640(%rsi)\n"
"  vmovdqu64 %zmm11, 704(%rsi)\n"
"  vmovdqu64 %zmm12, 768(%rsi)\n"
"  vmovdqu64 %zmm13, 832(%rsi)\n"
"  vmovdqu64 %zmm14, 896(%rsi)\n"
"  vmovdqu64 %zmm15, 960(%rsi)\n"
"  vmovdqu64 %zmm16, 1024(%rsi)\n"
"  vmovdqu64 %zmm17, 1088(%rsi)\n"
"  vmovdqu64 %zmm18, 1152(%rsi)\n"
"  vmovdqu64 %zmm19, 1216(%rsi)\n"
"  vmovdqu64 %zmm20, 1280(%rsi)\n"
"  vmovdqu64 %zmm21, 1344(%rsi)\n"
"  vmovdqu64 %zmm22, 1408(%rsi)\n"
"  vmovdqu64 %zmm23, 1472(%rsi)\n"
"  vmovdqu64 %zmm24, 1536(%rsi)\n"
"  vmovdqu64 %zmm25, 1600(%rsi)\n"
"  vmovdqu64 %zmm26, 1664(%rsi)\n"
"  vmovdqu64 %zmm27, 1728(%rsi)\n"
"  vmovdqu64 %zmm28, 1792(%rsi)\n"
"  vmovdqu64 %zmm29, 1856(%rsi)\n"
"  vmovdqu64 %zmm30, 1920(%rsi)\n"
"  vmovdqu64 %zmm31, 1984(%rsi)\n"
                   "  mov $-30, %eax\n"
                   "  call zmm_loop_trap\n"
                   "  ud2\n");

// What another thread's vector code does to the registers.
extern "C" void test_scramble_ymm();
extern "C" void test_scramble_zmm();
__asm__(".text\n.globl test_scramble_ymm\n.hidden test_scramble_ymm\ntest_scramble_ymm:\n"
"  vpcmpeqd %ymm0, %ymm0, %ymm0\n"
"  vpcmpeqd %ymm1, %ymm1, %ymm1\n"
"  vpcmpeqd %ymm2, %ymm2, %ymm2\n"
"  vpcmpeqd %ymm3, %ymm3, %ymm3\n"
"  vpcmpeqd %ymm4, %ymm4, %ymm4\n"
"  vpcmpeqd %ymm5, %ymm5, %ymm5\n"
"  vpcmpeqd %ymm6, %ymm6, %ymm6\n"
"  vpcmpeqd %ymm7, %ymm7, %ymm7\n"
"  vpcmpeqd %ymm8, %ymm8, %ymm8\n"
"  vpcmpeqd %ymm9, %ymm9, %ymm9\n"
"  vpcmpeqd %ymm10, %ymm10, %ymm10\n"
"  vpcmpeqd %ymm11, %ymm11, %ymm11\n"
"  vpcmpeqd %ymm12, %ymm12, %ymm12\n"
"  vpcmpeqd %ymm13, %ymm13, %ymm13\n"
"  vpcmpeqd %ymm14, %ymm14, %ymm14\n"
"  vpcmpeqd %ymm15, %ymm15, %ymm15\n"
        "  ret\n"
        ".globl test_scramble_zmm\n.hidden test_scramble_zmm\ntest_scramble_zmm:\n"
"  vpternlogd $0xff, %zmm0, %zmm0, %zmm0\n"
"  vpternlogd $0xff, %zmm1, %zmm1, %zmm1\n"
"  vpternlogd $0xff, %zmm2, %zmm2, %zmm2\n"
"  vpternlogd $0xff, %zmm3, %zmm3, %zmm3\n"
"  vpternlogd $0xff, %zmm4, %zmm4, %zmm4\n"
"  vpternlogd $0xff, %zmm5, %zmm5, %zmm5\n"
"  vpternlogd $0xff, %zmm6, %zmm6, %zmm6\n"
"  vpternlogd $0xff, %zmm7, %zmm7, %zmm7\n"
"  vpternlogd $0xff, %zmm8, %zmm8, %zmm8\n"
"  vpternlogd $0xff, %zmm9, %zmm9, %zmm9\n"
"  vpternlogd $0xff, %zmm10, %zmm10, %zmm10\n"
"  vpternlogd $0xff, %zmm11, %zmm11, %zmm11\n"
"  vpternlogd $0xff, %zmm12, %zmm12, %zmm12\n"
"  vpternlogd $0xff, %zmm13, %zmm13, %zmm13\n"
"  vpternlogd $0xff, %zmm14, %zmm14, %zmm14\n"
"  vpternlogd $0xff, %zmm15, %zmm15, %zmm15\n"
"  vpternlogd $0xff, %zmm16, %zmm16, %zmm16\n"
"  vpternlogd $0xff, %zmm17, %zmm17, %zmm17\n"
"  vpternlogd $0xff, %zmm18, %zmm18, %zmm18\n"
"  vpternlogd $0xff, %zmm19, %zmm19, %zmm19\n"
"  vpternlogd $0xff, %zmm20, %zmm20, %zmm20\n"
"  vpternlogd $0xff, %zmm21, %zmm21, %zmm21\n"
"  vpternlogd $0xff, %zmm22, %zmm22, %zmm22\n"
"  vpternlogd $0xff, %zmm23, %zmm23, %zmm23\n"
"  vpternlogd $0xff, %zmm24, %zmm24, %zmm24\n"
"  vpternlogd $0xff, %zmm25, %zmm25, %zmm25\n"
"  vpternlogd $0xff, %zmm26, %zmm26, %zmm26\n"
"  vpternlogd $0xff, %zmm27, %zmm27, %zmm27\n"
"  vpternlogd $0xff, %zmm28, %zmm28, %zmm28\n"
"  vpternlogd $0xff, %zmm29, %zmm29, %zmm29\n"
"  vpternlogd $0xff, %zmm30, %zmm30, %zmm30\n"
"  vpternlogd $0xff, %zmm31, %zmm31, %zmm31\n"
        "  vzeroupper\n  ret\n");

bool has_zmm() { return __builtin_cpu_supports("avx512f"); }

TEST(UserPreempt, SpinningUserCodeIsPreemptedAndResumes) {
  UserImage image(spin_flag_begin, spin_flag_slot, spin_flag_end);
  HostPages flag(kUserPage, PROT_READ | PROT_WRITE);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), flag.addr(), 0, 0);
    for (int i = 0; i < 3; ++i) {
      TrapInfo t = Platform::run_user(*f);
      ASSERT_EQ(t.kind, TrapKind::kPreempted);
      EXPECT_GE(Platform::frame_pc(*f), image.entry());
      EXPECT_LT(Platform::frame_pc(*f), image.code_end());
      sched::preemption_point();
    }
    uint64_t one = 1;
    ASSERT_TRUE(Platform::copyout(flag.addr(), &one, sizeof one));
    TrapInfo t = run_past_preemption(*f);
    ASSERT_EQ(t.kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 0x5a5au);  // the red zone survived
    EXPECT_EQ(Platform::frame_trap_arg(*f, 1), 0xa5a5u);
  });
}

constexpr int kVectorThreads = 4;
constexpr int kPreemptionsEach = 4;

struct VectorRun {
  bool zmm;
  const UserImage* image;
  HostPages* flags;  // one 8-byte flag per thread
  HostPages* out;    // 32 * 64 bytes per thread
  std::atomic<int> failures{0};
  std::atomic<int> preemptions{0};
};

struct VectorJob {
  VectorRun* run;
  int index;
};

uint64_t seed_of(int index) { return uint64_t{0x1000} * (index + 1); }

void vector_thread(void* p) {
  auto* job = static_cast<VectorJob*>(p);
  VectorRun& run = *job->run;
  uint64_t flag = run.flags->addr() + 8 * job->index;
  uint64_t out = run.out->addr() + 32 * 64 * job->index;
  auto f = std::make_unique<UserFrame>();
  Platform::frame_init(*f, run.image->entry(), run.image->stack_top() - 4096 * job->index, flag, out,
                       seed_of(job->index));
  for (int seen = 0;;) {
    TrapInfo t = Platform::run_user(*f);
    if (t.kind == TrapKind::kTrapCall) break;
    if (t.kind != TrapKind::kPreempted) {
      run.failures++;
      return;
    }
    // Whatever ran on this CPU meanwhile: this kernel, and other threads.
    if (run.zmm)
      test_scramble_zmm();
    else
      test_scramble_ymm();
    if (++seen == kPreemptionsEach) {
      uint64_t one = 1;
      if (!Platform::copyout(flag, &one, sizeof one)) run.failures++;
    }
    run.preemptions++;
    sched::preemption_point();
  }
  unsigned regs = run.zmm ? 32 : 16, width = run.zmm ? 8 : 4;
  for (unsigned r = 0; r < regs; ++r) {
    for (unsigned q = 0; q < width; ++q) {
      uint64_t v;
      if (!Platform::copyin(&v, out + (r * width + q) * 8, sizeof v) || v != seed_of(job->index) + r + 1)
        run.failures++;
    }
  }
}

void spawn_vector_threads(void* p) {
  auto* run = static_cast<VectorRun*>(p);
  VectorJob jobs[kVectorThreads];
  RefPtr<sched::Thread> threads[kVectorThreads];
  for (int i = 0; i < kVectorThreads; ++i) {
    jobs[i] = {run, i};
    auto t = sched::kernel_thread("vector", vector_thread, &jobs[i], sched::kPriorityUser);
    if (t.ok()) threads[i] = std::move(t).take();
  }
  for (auto& t : threads)
    if (t) sched::thread_join(*t);
}

void run_vector_threads(bool zmm) {
  UserImage image = zmm ? UserImage(zmm_loop_begin, zmm_loop_slot, zmm_loop_end)
                        : UserImage(ymm_loop_begin, ymm_loop_slot, ymm_loop_end);
  HostPages flags(kUserPage, PROT_READ | PROT_WRITE);
  HostPages out(kVectorThreads * 32 * 64, PROT_READ | PROT_WRITE);
  VectorRun run{zmm, &image, &flags, &out};
  ASSERT_TRUE(umach::hosted::run_in_kernel(spawn_vector_threads, &run, sched::kPriorityKernel));
  EXPECT_EQ(run.failures.load(), 0);
  EXPECT_GE(run.preemptions.load(), kVectorThreads * kPreemptionsEach);
}

TEST(UserPreempt, YmmRegistersSurvivePreemption) { run_vector_threads(false); }

TEST(UserPreempt, ZmmRegistersSurvivePreemption) {
  if (!has_zmm()) GTEST_SKIP() << "no AVX-512 here";
  run_vector_threads(true);
}

// A trap call with --precise-fp: the vector registers come back too.
TEST(UserPreempt, PreciseFpKeepsVectorRegistersAcrossATrapCall) {
  bool zmm = has_zmm();
  UserImage image = zmm ? UserImage(zmm_loop_begin, zmm_loop_slot, zmm_loop_end)
                        : UserImage(ymm_loop_begin, ymm_loop_slot, ymm_loop_end);
  HostPages out(32 * 64, PROT_READ | PROT_WRITE);
  umach::hosted::set_precise_fp(true);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, out.addr(), 0x7000);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    ASSERT_EQ(Platform::frame_trap_number(*f), 59);
    if (zmm)
      test_scramble_zmm();
    else
      test_scramble_ymm();
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
  });
  umach::hosted::set_precise_fp(false);
  unsigned regs = zmm ? 32 : 16, width = zmm ? 8 : 4;
  const auto* v = reinterpret_cast<const uint64_t*>(out.base());
  for (unsigned r = 0; r < regs; ++r)
    for (unsigned q = 0; q < width; ++q) EXPECT_EQ(v[r * width + q], 0x7000 + r + 1) << "register " << r;
}

}  // namespace
}  // namespace umach::test
