// tests/hosted/user_support.h: running little user programs on hosted.
//
// A test's user program is position-independent assembly, assembled into
// the test binary as data (UMACH_USER_PROGRAM) and copied into a fresh
// mmapped code page that is registered as task-program code. Each program
// carries its own one-entry commpage: `call <name>_trap` with the trap
// number already in eax does what a commpage stub does (`mov %rcx,%r10`,
// jump to the kernel's trap entry through a pointer the test fills in).
// Programs run on the user mode tests' vCPUs, from kernel threads
// (in_kernel), through Platform::run_user.
#pragma once

#include <gtest/gtest.h>
#include <string.h>
#include <sys/mman.h>

#include "core/platform/platform.h"
#include "core/sched/sched.h"

// Declares name_begin, name_slot (the commpage pointer), name_end, and any
// extra labels the body marks with UMACH_USER_LABEL.
#define UMACH_USER_PROGRAM(name, body)                                                             \
  __asm__(".pushsection .rodata.umach_test_user, \"a\"\n.p2align 6\n"                            \
          ".globl " #name "_begin\n.hidden " #name "_begin\n" #name "_begin:\n" body #name         \
          "_trap:\n  mov %rcx, %r10\n  jmp *" #name "_slot(%rip)\n.p2align 3\n"                     \
          ".globl " #name "_slot\n.hidden " #name "_slot\n" #name "_slot: .quad 0\n"              \
          ".globl " #name "_end\n.hidden " #name "_end\n" #name "_end:\n.popsection\n");          \
  extern "C" const char name##_begin[], name##_slot[], name##_end[]
#define UMACH_USER_LABEL(label) ".globl " #label "\n.hidden " #label "\n" #label ":\n"

namespace umach::test {

using UserFrame = Platform::UserFrame;

inline constexpr size_t kUserPage = 4096;

// An mmapped region, unmapped when it goes.
class HostPages {
 public:
  HostPages(size_t size, int prot) : size_(size) {
    base_ = static_cast<char*>(mmap(nullptr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
  }
  ~HostPages() { munmap(base_, size_); }
  HostPages(const HostPages&) = delete;
  HostPages& operator=(const HostPages&) = delete;
  char* base() const { return base_; }
  uint64_t addr() const { return reinterpret_cast<uint64_t>(base_); }
  size_t size() const { return size_; }
  void protect(int prot) { EXPECT_EQ(mprotect(base_, size_, prot), 0); }

 private:
  char* base_;
  size_t size_;
};

// One program's code (registered as task-program code) and a stack.
class UserImage {
 public:
  UserImage(const char* begin, const char* slot, const char* end)
      : begin_(begin), code_(kUserPage, PROT_READ | PROT_WRITE), stack_(16 * kUserPage, PROT_READ | PROT_WRITE) {
    size_t n = static_cast<size_t>(end - begin);
    EXPECT_LE(n, kUserPage);
    memcpy(code_.base(), begin, n);
    auto entry = reinterpret_cast<uint64_t>(umach_hosted_trap_entry);
    memcpy(code_.base() + (slot - begin), &entry, sizeof entry);
    code_.protect(PROT_READ | PROT_EXEC);
    EXPECT_TRUE(umach::hosted::register_user_range(code_.addr(), kUserPage));
  }
  ~UserImage() { umach::hosted::unregister_user_range(code_.addr()); }

  // The address of a label of the program, in the copy.
  uint64_t at(const char* label) const { return code_.addr() + static_cast<uint64_t>(label - begin_); }
  uint64_t entry() const { return code_.addr(); }
  uint64_t stack_top() const { return stack_.addr() + stack_.size() - 64; }
  uint64_t code_end() const { return code_.addr() + kUserPage; }

 private:
  const char* begin_;
  HostPages code_;
  HostPages stack_;
};

// Runs the frame until it traps for a reason other than preemption, taking
// each preemption as the core will (a preemption point, then resume).
inline TrapInfo run_past_preemption(UserFrame& f) {
  for (;;) {
    TrapInfo t = Platform::run_user(f);
    if (t.kind != TrapKind::kPreempted) return t;
    sched::preemption_point();
  }
}

// Runs f() in a kernel thread on one of the machine's vCPUs, and waits.
template <class F>
void in_kernel(F f) {
  auto trampoline = [](void* p) { (*static_cast<F*>(p))(); };
  ASSERT_TRUE(umach::hosted::run_in_kernel(trampoline, &f, sched::kPriorityUser));
}

}  // namespace umach::test
