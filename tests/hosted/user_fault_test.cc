// tests/hosted/user_fault_test.cc: user faults arrive in the kernel as the
// thread's traps (and resume once fixed); user copies survive bad
// addresses; any other fault in the kernel panics.
#include <memory>

#include "tests/hosted/user_support.h"

namespace umach::test {
namespace {

// Each reports through trap 30 what it read (or returned).
UMACH_USER_PROGRAM(read_rdi, "  mov (%rdi), %rax\n  mov %rax, %rdi\n  mov $-30, %eax\n  call read_rdi_trap\n  ud2\n");
UMACH_USER_PROGRAM(write_rdi, "  movq $5, (%rdi)\n  mov $-30, %eax\n  call write_rdi_trap\n  ud2\n");
UMACH_USER_PROGRAM(call_rdi, "  call *%rdi\n  mov %rax, %rdi\n  mov $-30, %eax\n  call call_rdi_trap\n  ud2\n");
UMACH_USER_PROGRAM(illegal, "  ud2\n");
UMACH_USER_PROGRAM(divide, "  xor %ecx, %ecx\n  mov $1, %eax\n  cqto\n  idiv %rcx\n  ud2\n");
UMACH_USER_PROGRAM(breakpoint, "  int3\n  ud2\n");
UMACH_USER_PROGRAM(privileged, "  hlt\n  ud2\n");

// Runs `image` from its entry with rdi = arg until the first trap.
TrapInfo start(UserFrame& f, const UserImage& image, uint64_t arg) {
  Platform::frame_init(f, image.entry(), image.stack_top(), arg, 0, 0);
  return run_past_preemption(f);
}

TEST(UserFault, ReadOfAnInaccessiblePageIsAPageFaultAndResumes) {
  UserImage image(read_rdi_begin, read_rdi_slot, read_rdi_end);
  HostPages data(kUserPage, PROT_READ | PROT_WRITE);
  *reinterpret_cast<uint64_t*>(data.base() + 8) = 0x5eed;
  data.protect(PROT_NONE);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    TrapInfo t = start(*f, image, data.addr() + 8);
    ASSERT_EQ(t.kind, TrapKind::kPageFault);
    EXPECT_EQ(t.address, data.addr() + 8);
    EXPECT_EQ(t.access, Access::kRead);
    EXPECT_EQ(Platform::frame_pc(*f), image.entry());  // the faulting instruction, to run again
    data.protect(PROT_READ);
    t = run_past_preemption(*f);
    ASSERT_EQ(t.kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 0x5eedu);
  });
}

TEST(UserFault, WriteToAReadOnlyPageIsAWriteFaultAndResumes) {
  UserImage image(write_rdi_begin, write_rdi_slot, write_rdi_end);
  HostPages data(kUserPage, PROT_READ);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    TrapInfo t = start(*f, image, data.addr() + 16);
    ASSERT_EQ(t.kind, TrapKind::kPageFault);
    EXPECT_EQ(t.address, data.addr() + 16);
    EXPECT_EQ(t.access, Access::kWrite);
    data.protect(PROT_READ | PROT_WRITE);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    EXPECT_EQ(*reinterpret_cast<uint64_t*>(data.base() + 16), 5u);
  });
}

TEST(UserFault, JumpToANonExecutablePageIsAnExecuteFaultAndResumes) {
  UserImage image(call_rdi_begin, call_rdi_slot, call_rdi_end);
  HostPages code(kUserPage, PROT_READ | PROT_WRITE);
  const unsigned char return_42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};  // mov $42, %eax; ret
  memcpy(code.base(), return_42, sizeof return_42);
  code.protect(PROT_READ);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    TrapInfo t = start(*f, image, code.addr());
    ASSERT_EQ(t.kind, TrapKind::kPageFault);
    EXPECT_EQ(t.address, code.addr());
    EXPECT_EQ(t.access, Access::kExecute);
    EXPECT_EQ(Platform::frame_pc(*f), code.addr());
    code.protect(PROT_READ | PROT_EXEC);
    ASSERT_EQ(run_past_preemption(*f).kind, TrapKind::kTrapCall);
    EXPECT_EQ(Platform::frame_trap_arg(*f, 0), 42u);
  });
}

TEST(UserFault, CallThroughANullPointerIsTheThreadsFault) {
  UserImage image(call_rdi_begin, call_rdi_slot, call_rdi_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    TrapInfo t = start(*f, image, 0);
    ASSERT_EQ(t.kind, TrapKind::kPageFault);
    EXPECT_EQ(t.address, 0u);
    EXPECT_EQ(t.access, Access::kExecute);
  });
}

TEST(UserFault, Ud2IsAnIllegalInstruction) {
  UserImage image(illegal_begin, illegal_slot, illegal_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    EXPECT_EQ(start(*f, image, 0).kind, TrapKind::kIllegalInstruction);
    EXPECT_EQ(Platform::frame_pc(*f), image.entry());
  });
}

TEST(UserFault, DivisionByZeroIsArithmetic) {
  UserImage image(divide_begin, divide_slot, divide_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    EXPECT_EQ(start(*f, image, 0).kind, TrapKind::kArithmetic);
  });
}

TEST(UserFault, Int3IsABreakpoint) {
  UserImage image(breakpoint_begin, breakpoint_slot, breakpoint_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    EXPECT_EQ(start(*f, image, 0).kind, TrapKind::kBreakpoint);
    EXPECT_EQ(Platform::frame_pc(*f), image.entry() + 1);  // a trap: past the int3
  });
}

TEST(UserFault, PrivilegedInstructionIsAGeneralProtectionFault) {
  UserImage image(privileged_begin, privileged_slot, privileged_end);
  in_kernel([&] {
    auto f = std::make_unique<UserFrame>();
    EXPECT_EQ(start(*f, image, 0).kind, TrapKind::kGeneralProtection);
  });
}

TEST(UserCopy, CopyFromAndToBadAddressesFails) {
  // One mapping, so the bad page is right after the good one (two separate
  // mmaps need not be neighbours).
  HostPages both(2 * kUserPage, PROT_READ | PROT_WRITE);
  ASSERT_EQ(mprotect(both.base() + kUserPage, kUserPage, PROT_NONE), 0);
  struct Span {
    uint64_t a;
    uint64_t addr() const { return a; }
  } good{both.addr()}, bad{both.addr() + kUserPage};
  in_kernel([&] {
    char buf[64] = "copied";
    EXPECT_TRUE(Platform::copyout(good.addr() + 100, buf, sizeof buf));
    char back[64] = {};
    EXPECT_TRUE(Platform::copyin(back, good.addr() + 100, sizeof back));
    EXPECT_STREQ(back, "copied");
    EXPECT_FALSE(Platform::copyin(buf, bad.addr(), sizeof buf));
    EXPECT_FALSE(Platform::copyout(bad.addr(), buf, sizeof buf));
    // Straddling into the bad page fails too (some bytes may have moved).
    EXPECT_FALSE(Platform::copyin(buf, good.addr() + kUserPage - 8, sizeof buf));
    EXPECT_FALSE(Platform::copyin(buf, 0, sizeof buf));
    EXPECT_FALSE(Platform::copyin(buf, ~uint64_t{0} - 4, sizeof buf));  // wraps / not user
    EXPECT_TRUE(Platform::copyin(buf, bad.addr(), 0));
  });
}

TEST(UserCopy, CopyFromABadAddressFailsOutsideTheMachineToo) {
  HostPages bad(kUserPage, PROT_NONE);
  char buf[8];
  EXPECT_FALSE(Platform::copyin(buf, bad.addr(), sizeof buf));
}

void touch(uint64_t address) { *reinterpret_cast<volatile int*>(address) = 1; }

TEST(UserFaultDeathTest, KernelFaultOnAVcpuPanicsWithAReport) {
  HostPages bad(kUserPage, PROT_NONE);
  uint64_t address = bad.addr() + 0x40;
  EXPECT_DEATH(in_kernel([&] { touch(address); }), "kernel fault: signal 11 at address 0x[0-9a-f]+, pc 0x");
}

TEST(UserFaultDeathTest, HostThreadFaultPanicsWithAReport) {
  HostPages bad(kUserPage, PROT_NONE);
  uint64_t address = bad.addr();
  EXPECT_DEATH(touch(address), "rip 0x.*\n.*panic: kernel fault: signal 11");
}

}  // namespace
}  // namespace umach::test
