// tests/hosted/user_trap_test.cc: a Mach trap call from user code arrives
// in the kernel with its number and arguments, returns a value, and keeps
// what the SysV call contract keeps; the kernel can change the frame.
#include <errno.h>

#include <atomic>
#include <memory>

#include "core/cpu.h"
#include "core/sched/wait_queue.h"
#include "core/spinlock.h"
#include "tests/hosted/user_support.h"

namespace umach::test {
namespace {

// Sets rbx, rbp and r12-r15 to the values expect_callee_saved checks.
#define SET_CALLEE_SAVED                  \
  "  movabs $0x1111111111111111, %rbx\n" \
  "  movabs $0x2222222222222222, %rbp\n" \
  "  movabs $0x3333333333333333, %r12\n" \
  "  movabs $0x4444444444444444, %r13\n" \
  "  movabs $0x5555555555555555, %r14\n" \
  "  movabs $0x6666666666666666, %r15\n"

void expect_callee_saved(const UserFrame& f) {
  EXPECT_EQ(f.rbx, 0x1111111111111111u);
  EXPECT_EQ(f.rbp, 0x2222222222222222u);
  EXPECT_EQ(f.r12, 0x3333333333333333u);
  EXPECT_EQ(f.r13, 0x4444444444444444u);
  EXPECT_EQ(f.r14, 0x5555555555555555u);
  EXPECT_EQ(f.r15, 0x6666666666666666u);
}

// Six register arguments and a seventh on the stack; callee-saved
// registers, MXCSR (round toward zero) and the x87 control word (53-bit
// precision) set before the call; then reports the return value, MXCSR and
// FCW with a second trap.
UMACH_USER_PROGRAM(trap_args,
                   SET_CALLEE_SAVED
                   "  sub $8, %rsp\n"
                   "  movl $0x7f80, (%rsp)\n"
                   "  ldmxcsr (%rsp)\n"
                   "  movw $0x027f, (%rsp)\n"
                   "  fldcw (%rsp)\n"
                   "  add $8, %rsp\n"
                   "  pushq $0x77777777\n"
                   "  mov $1, %edi\n  mov $2, %esi\n  mov $3, %edx\n  mov $4, %ecx\n  mov $5, %r8d\n  mov $6, %r9d\n"
                   "  mov $-25, %eax\n"
                   "  call trap_args_trap\n"
                   "  add $8, %rsp\n"
                   "  mov %rax, %rdi\n"
                   "  sub $8, %rsp\n"
                   "  stmxcsr (%rsp)\n"
                   "  mov (%rsp), %esi\n"
                   "  fnstcw (%rsp)\n"
                   "  movzwl (%rsp), %edx\n"
                   "  add $8, %rsp\n"
                   "  mov $-30, %eax\n"
                   "  call trap_args_trap\n"
                   "  ud2\n");

// Traps; if the kernel resumes it at frame_change_alt, reports its rsp and rax.
UMACH_USER_PROGRAM(frame_change,
                   "  mov $-26, %eax\n"
                   "  call frame_change_trap\n"
                   "  ud2\n" UMACH_USER_LABEL(frame_change_alt)
                   "  mov %rsp, %rdi\n"
                   "  mov %rax, %rsi\n"
                   "  mov $-27, %eax\n"
                   "  call frame_change_trap\n"
                   "  ud2\n");
extern "C" const char frame_change_alt[];

// With its own FS: spins until %fs:16 != 0, then reports %fs:0 and %fs:8.
UMACH_USER_PROGRAM(fs_reader,
                   "1:\n"
                   "  cmpq $0, %fs:16\n"
                   "  je 1b\n"
                   "  mov %fs:0, %rdi\n"
                   "  mov %fs:8, %rsi\n"
                   "  mov $-30, %eax\n"
                   "  call fs_reader_trap\n"
                   "  ud2\n");

// Traps, then reports %fs:0 and %fs:8 with a second trap: for a kernel
// that gives it an FS base while it serves the first.
UMACH_USER_PROGRAM(fs_after_trap,
                   "  mov $-26, %eax\n"
                   "  call fs_after_trap_trap\n"
                   "  mov %fs:0, %rdi\n"
                   "  mov %fs:8, %rsi\n"
                   "  mov $-27, %eax\n"
                   "  call fs_after_trap_trap\n"
                   "  ud2\n");

// Traps with its callee-saved registers set, then reports the first
// call's return value with a second trap: for a kernel whose hook serves
// the first on one vCPU and sends it back to user mode from another.
UMACH_USER_PROGRAM(migrant,
                   SET_CALLEE_SAVED
                   "  mov $-26, %eax\n"
                   "  call migrant_trap\n"
                   "  mov %rax, %rdi\n"
                   "  mov $-27, %eax\n"
                   "  call migrant_trap\n"
                   "  ud2\n");

uint32_t kernel_mxcsr() {
  uint32_t v;
  __asm__ __volatile__("stmxcsr %0" : "=m"(v));
  return v;
}

uint16_t kernel_fcw() {
  uint16_t v;
  __asm__ __volatile__("fnstcw %0" : "=m"(v));
  return v;
}

TEST(UserTrap, TrapCallArrivesWithItsNumberAndSevenArguments) {
  UserImage image(trap_args_begin, trap_args_slot, trap_args_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    TrapInfo t = run_past_preemption(*f);
    ASSERT_EQ(t.kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_number(*f), 25);
    for (unsigned i = 0; i < Platform::kTrapRegisterArgs; ++i) EXPECT_EQ(Platform::frame_trap_arg(*f, i), i + 1);
    uint64_t seventh = 0;
    ASSERT_TRUE(Platform::copyin(&seventh, Platform::frame_trap_stack_args(*f), sizeof seventh));
    EXPECT_EQ(seventh, 0x77777777u);
    // The kernel runs with its own FP control state, not the user's.
    EXPECT_EQ(kernel_mxcsr() & 0xffc0, 0x1f80u);
    EXPECT_EQ(kernel_fcw(), 0x037f);
    Platform::frame_set_return(*f, 0xabcdef);
    t = run_past_preemption(*f);
    ASSERT_EQ(t.kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_number(*f), 30);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 0xabcdefu);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 1) & 0xffc0, 0x7f80u);  // MXCSR survived (sans sticky flags)
    EXPECT_EQ(Platform::frame_trap_arg(*f, 2), 0x027fu);           // FCW survived
  });
}

TEST(UserTrap, CalleeSavedRegistersSurviveATrapCall) {
  UserImage image(trap_args_begin, trap_args_slot, trap_args_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    expect_callee_saved(*f);
    EXPECT_EQ(Platform::frame_sp(*f), image.stack_top());  // the pushed argument was popped again
  });
}

TEST(UserTrap, KernelChangesPcSpAndReturnValue) {
  UserImage image(frame_change_begin, frame_change_slot, frame_change_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    ASSERT_EQ(Platform::frame_trap_number(*f), 26);
    uint64_t new_sp = image.stack_top() - 1024;
    Platform::frame_set_pc(*f, image.at(frame_change_alt));
    Platform::frame_set_sp(*f, new_sp);
    Platform::frame_set_return(*f, 77);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_number(*f), 27);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), new_sp);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 1), 77u);
  });
}

// A page standing for a thread's TLS block, its first two words set.
struct TlsPage {
  HostPages pages{kUserPage, PROT_READ | PROT_WRITE};
  TlsPage(uint64_t first, uint64_t second) {
    auto* words = reinterpret_cast<uint64_t*>(pages.base());
    words[0] = first;
    words[1] = second;
  }
  uint64_t addr() { return pages.addr(); }
};

TEST(UserTrap, ThreadWithItsOwnFsSeesItAndTheKernelKeepsItsTls) {
  UserImage image(fs_reader_begin, fs_reader_slot, fs_reader_end);
  TlsPage tls(0xf5f5, 0x1234);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    f->fs_base = tls.addr();
    // Preempted while spinning on %fs:16 (each tick restores the kernel's FS).
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(Platform::run_user(*f).kind, TrapKind::kPreempted);
      errno = 1234;  // the kernel's TLS is its own again
      EXPECT_EQ(errno, 1234);
      sched::preemption_point();
    }
    uint64_t one = 1;
    ASSERT_TRUE(Platform::copyout(tls.addr() + 16, &one, sizeof one));
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 0xf5f5u);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 1), 0x1234u);
    errno = 0;
    EXPECT_EQ(errno, 0);
  });
}

// A trap call served from the trap entry (TrapCallHook) goes straight
// back to user mode, also with an FS base the frame was given while it
// was served: installed on the way (then, with user FS live, its next
// trap comes the full way, to put the kernel's FS back).
struct FsHook : TrapCallHook {
  UserFrame* frame;
  uint64_t fs;
  int calls = 0;
};

bool serve_fs_hook(TrapCallHook* hook) {
  auto* h = static_cast<FsHook*>(hook);
  ++h->calls;
  h->frame->fs_base = Platform::frame_trap_number(*h->frame) == 26 ? h->fs : 0;
  return true;
}

TEST(UserTrap, AServedCallReturnsToUserModeWithAnFsBaseGivenMeanwhile) {
  UserImage image(fs_after_trap_begin, fs_after_trap_slot, fs_after_trap_end);
  TlsPage tls(0xabcd, 0x5678);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    FsHook hook;
    hook.serve = serve_fs_hook;
    hook.frame = f.get();
    hook.fs = tls.addr();
    TrapInfo t;
    while ((t = Platform::run_user(*f, &hook)).kind == TrapKind::kPreempted) sched::preemption_point();
    EXPECT_EQ(t.kind, TrapKind::kTrapCall) << "the second call, the full way";
    EXPECT_EQ(hook.calls, 1) << "the first call served, straight back to user mode";
    EXPECT_EQ(Platform::frame_trap_number(*f), 27);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 0xabcdu);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 1), 0x5678u);
    errno = 4321;  // the kernel's TLS is its own again
    EXPECT_EQ(errno, 4321);
    errno = 0;
  });
}

// A served call that blocks may end on another vCPU (sched: an idle CPU
// steals a woken thread its own CPU is too busy for): the glue puts the
// frame, kernel stack pointer and hook in that vCPU's slots and goes back
// to user mode from there. The blocked call's vCPU is held by a bound
// kernel thread of higher priority, and the wakeup comes from a thread
// bound to the other one, which then idles and steals the call.
struct MigratingHook : TrapCallHook {
  UserFrame* frame;
  sched::WaitQueue wq;
  unsigned served_on = ~0u;
  std::atomic<unsigned> resumed_on{~0u};
  std::atomic<bool> holding{false};
  unsigned second_on = ~0u;
  uint64_t second_arg = 0;
  int calls = 0;
  RefPtr<sched::Thread> helpers[2];  // joined before the hook goes
};

bool serve_migrating(TrapCallHook* hook) {
  auto* h = static_cast<MigratingHook*>(hook);
  ++h->calls;
  if (Platform::frame_trap_number(*h->frame) != 26) {
    h->second_on = this_cpu().id;
    h->second_arg = Platform::frame_trap_arg(*h->frame, 0);
    return false;  // the second: run_user returns (kServed)
  }
  h->served_on = this_cpu().id;
  const int other = static_cast<int>(h->served_on ^ 1);
  {
    SpinlockGuard g(h->wq.lock);
    h->wq.assert_wait_locked(/*interruptible=*/false);
  }
  // Runs once this call blocked; holds its vCPU until the call resumed elsewhere.
  auto holder = [](void* p) {
    auto* m = static_cast<MigratingHook*>(p);
    m->holding.store(true);
    const uint64_t give_up = Platform::clock_ns() + 10'000'000'000;
    while (m->resumed_on.load() == ~0u && Platform::clock_ns() < give_up) Platform::cpu_relax();
  };
  auto waker = [](void* p) {
    auto* m = static_cast<MigratingHook*>(p);
    while (!m->holding.load()) Platform::cpu_relax();
    m->wq.wakeup_one();
  };
  auto held = sched::kernel_thread("holder", holder, h, sched::kPriorityKernel, static_cast<int>(h->served_on));
  auto woke = sched::kernel_thread("waker", waker, h, sched::kPriorityKernel, other);
  EXPECT_TRUE(held.ok() && woke.ok());
  if (held.ok()) h->helpers[0] = held.value();
  if (woke.ok()) h->helpers[1] = woke.value();
  (void)sched::thread_block();
  h->resumed_on.store(this_cpu().id);
  Platform::frame_set_return(*h->frame, 0x5eed);
  return true;
}

TEST(UserTrap, AServedCallThatBlocksGoesBackToUserModeFromAnotherCpu) {
  ASSERT_EQ(sched::cpu_count(), 2u);
  UserImage image(migrant_begin, migrant_slot, migrant_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    Platform::frame_init(*f, image.entry(), image.stack_top(), 0, 0, 0);
    MigratingHook hook;
    hook.serve = serve_migrating;
    hook.frame = f.get();
    TrapInfo t;
    bool preempted_after = false;  // between the resumed call and the next (which may then move the thread)
    while ((t = Platform::run_user(*f, &hook)).kind == TrapKind::kPreempted) {
      preempted_after |= hook.resumed_on.load() != ~0u;
      sched::preemption_point();
    }
    for (auto& helper : hook.helpers)
      if (helper) sched::thread_join(*helper);
    EXPECT_EQ(t.kind, TrapKind::kServed);
    EXPECT_EQ(hook.calls, 2);
    EXPECT_NE(hook.resumed_on.load(), hook.served_on) << "the blocked call resumed on another vCPU";
    if (!preempted_after)
      EXPECT_EQ(hook.second_on, hook.resumed_on.load()) << "and user mode ran there, up to the next call";
    EXPECT_EQ(hook.second_arg, 0x5eedu) << "the first call's return value, seen by user mode";
    expect_callee_saved(*f);
    EXPECT_EQ(Platform::frame_sp(*f), image.stack_top());
    errno = 2468;  // this host thread's TLS is the kernel's
    EXPECT_EQ(errno, 2468);
    errno = 0;
  });
}

TEST(UserTrap, SanitiseRefusesGarbage) {
  auto f = std::make_unique<UserFrame>();
  Platform::frame_init(*f, 0x400000, 0x7ff000, 0, 0, 0);
  EXPECT_TRUE(Platform::frame_sanitise(*f));
  auto bad = std::make_unique<UserFrame>(*f);
  bad->rflags |= 0x100;  // TF
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->rflags |= 0x3000;  // IOPL
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->rip = 0x0000800000000000;  // not a user address
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->rsp = 0xffff800000000000;
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->xsave[24 + 2] = 0xff;  // MXCSR bits 16-23: reserved
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->xsave[512 + 7] = 0x80;  // XSTATE_BV bit 63: no such feature
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->xsave[512 + 20] = 1;  // reserved header bytes
  EXPECT_FALSE(Platform::frame_sanitise(*bad));
  *bad = *f;
  bad->rflags = 0x8d5 | 0x40000;  // arithmetic flags, DF, AC: the user's to hold
  EXPECT_TRUE(Platform::frame_sanitise(*bad));
  EXPECT_EQ(bad->rflags & 0x202, 0x202u);
}

}  // namespace
}  // namespace umach::test
