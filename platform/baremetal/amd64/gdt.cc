// platform/baremetal/amd64/gdt.cc: the kernel's GDT and TSS, and the control
// registers and MSRs user mode depends on (gdt.h).
//
// GDT (selectors in user_layout.h):
//   0x00  null
//   0x08  kernel code, 64-bit          (STAR[47:32]: syscall's CS; SS = +8)
//   0x10  kernel data
//   0x18  null: 32-bit user code       (STAR[63:48]: sysret's base; a far
//         jump to it faults, so user code cannot enter compatibility mode)
//   0x20  user data, DPL 3             (sysret's SS = base + 8)
//   0x28  user code, 64-bit, DPL 3     (sysret's CS = base + 16)
//   0x30  the TSS (a 16-byte system descriptor: two slots)
// The TSS only supplies RSP0, the stack the CPU switches to when an
// interrupt or exception arrives in ring 3: run_user (user_entry.S) sets it
// to its own kernel stack on every entry, so the trap lands on the kernel
// stack of the thread that ran the user code. No IST stacks; the I/O map
// base points past the TSS's limit, so user code has no port I/O.
// SFMASK clears IF, TF, DF, AC and NT at `syscall`: the entry runs with
// interrupts off until it is on the kernel stack, and NT would make the
// kernel's next iretq fault.
#include "platform/baremetal/amd64/gdt.h"

#include <stddef.h>

#include <umach/backend.h>

#include "core/kassert.h"
#include "core/log.h"
#include "platform/baremetal/amd64/user_layout.h"
#include "platform/baremetal/amd64/x86.h"

namespace umach::amd64 {

// Intel SDM vol. 3A, 8.7 "Task management in 64-bit mode".
struct [[gnu::packed]] Tss {
  uint32_t reserved0;
  uint64_t rsp0, rsp1, rsp2;
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);
static_assert(offsetof(Tss, rsp0) == 4, "user_entry.S stores RSP0 at amd64_tss + 4");

}  // namespace umach::amd64

// user_entry.S writes rsp0; nothing else touches the TSS after boot.
extern "C" {
alignas(16) constinit umach::amd64::Tss amd64_tss = {
    .reserved0 = 0, .rsp0 = 0, .rsp1 = 0, .rsp2 = 0, .reserved1 = 0, .ist = {}, .reserved2 = 0, .reserved3 = 0,
    .iomap_base = sizeof(umach::amd64::Tss)};
void amd64_syscall_entry();  // user_entry.S
}

namespace umach::amd64 {
namespace {

constexpr uint32_t kMsrStar = 0xC0000081;
constexpr uint32_t kMsrLstar = 0xC0000082;
constexpr uint32_t kMsrSfmask = 0xC0000084;
constexpr uint64_t kEferSce = uint64_t{1} << 0;

constexpr uint64_t kCr0Mp = uint64_t{1} << 1;
constexpr uint64_t kCr0Em = uint64_t{1} << 2;
constexpr uint64_t kCr0Ts = uint64_t{1} << 3;
constexpr uint64_t kCr0Ne = uint64_t{1} << 5;
constexpr uint64_t kCr4Osfxsr = uint64_t{1} << 9;
constexpr uint64_t kCr4Osxmmexcpt = uint64_t{1} << 10;
constexpr uint64_t kCr4Osxsave = uint64_t{1} << 18;
constexpr uint64_t kXcr0X87Sse = 3;

constexpr uint64_t kRflagsTf = uint64_t{1} << 8, kRflagsDf = uint64_t{1} << 10, kRflagsNt = uint64_t{1} << 14,
                   kRflagsAc = uint64_t{1} << 18;

// Segment descriptors (SDM vol. 3A, 3.4.5): flat; in long mode only the
// access byte and the L bit of code segments matter.
constexpr uint64_t kKernelCode = 0x00AF9A000000FFFF;  // P, DPL 0, code exec/read, L, G
constexpr uint64_t kKernelData = 0x00CF92000000FFFF;  // P, DPL 0, data read/write, D/B, G
constexpr uint64_t kUserData = 0x00CFF2000000FFFF;    // P, DPL 3, data read/write
constexpr uint64_t kUserCode = 0x00AFFA000000FFFF;    // P, DPL 3, code exec/read, L
constexpr uint64_t kTssAvailable = 0x89;              // P, DPL 0, 64-bit TSS (available)

constexpr unsigned kGdtSlots = 8;
alignas(16) constinit uint64_t g_gdt[kGdtSlots] = {};

constinit uint32_t g_mxcsr_mask = 0xffbf;

struct [[gnu::packed]] GdtPointer {
  uint16_t limit;
  uint64_t base;
};

uint64_t read_cr0() {
  uint64_t v;
  __asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
  return v;
}
void write_cr0(uint64_t v) { __asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory"); }
uint64_t read_cr4() {
  uint64_t v;
  __asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
  return v;
}
void write_cr4(uint64_t v) { __asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory"); }

void load_gdt() {
  static_assert(AMD64_USER_DS == (AMD64_SYSRET_BASE + 8) + 3 && AMD64_USER_CS == (AMD64_SYSRET_BASE + 16) + 3);
  const uint64_t tss = reinterpret_cast<uint64_t>(&amd64_tss);
  const uint64_t limit = sizeof(Tss) - 1;
  g_gdt[AMD64_KERNEL_CS / 8] = kKernelCode;
  g_gdt[AMD64_KERNEL_DS / 8] = kKernelData;
  g_gdt[AMD64_SYSRET_BASE / 8] = 0;
  g_gdt[AMD64_USER_DS / 8] = kUserData;
  g_gdt[AMD64_USER_CS / 8] = kUserCode;
  g_gdt[AMD64_TSS_SELECTOR / 8] = (limit & 0xFFFF) | ((tss & 0xFFFFFF) << 16) | (kTssAvailable << 40) |
                                  ((limit >> 16 & 0xF) << 48) | ((tss >> 24 & 0xFF) << 56);
  g_gdt[AMD64_TSS_SELECTOR / 8 + 1] = tss >> 32;
  GdtPointer ptr{.limit = sizeof g_gdt - 1, .base = reinterpret_cast<uint64_t>(g_gdt)};
  // CS through a far return, the data segments by a move; FS and GS keep
  // their null selectors (loading GS would clear the per-CPU base).
  __asm__ __volatile__(
      "lgdt %[ptr]\n\t"
      "pushq $%c[cs]\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movl $%c[ds], %%eax\n\t"
      "movl %%eax, %%ds\n\t"
      "movl %%eax, %%es\n\t"
      "movl %%eax, %%ss\n\t"
      "ltr %w[tr]"
      :
      : [ptr] "m"(ptr), [cs] "i"(AMD64_KERNEL_CS), [ds] "i"(AMD64_KERNEL_DS), [tr] "r"(AMD64_TSS_SELECTOR)
      : "rax", "memory");
}

void enable_sse() {
  write_cr0((read_cr0() & ~(kCr0Em | kCr0Ts)) | kCr0Mp | kCr0Ne);
  write_cr4(read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt);
  // XSAVE: the thread states' i386_XFLOAT_STATE is its image.
  uint32_t a, b, c, d;
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  if (!(c & (1u << 26))) panic("amd64: user mode needs XSAVE (QEMU: -cpu max)");
  write_cr4(read_cr4() | kCr4Osxsave);
  __asm__ __volatile__("xsetbv" : : "c"(0), "a"(static_cast<uint32_t>(kXcr0X87Sse)), "d"(0) : "memory");
  __asm__ __volatile__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
  if (b != kXsaveBytes) panic("amd64: XSAVE image of %u bytes, the frame has %zu", b, kXsaveBytes);
  alignas(16) uint8_t image[512] = {};
  __asm__ __volatile__("fninit\n\tfxsave64 %0" : "=m"(image) : : "memory");
  uint32_t mask = static_cast<uint32_t>(image[28]) | static_cast<uint32_t>(image[29]) << 8 |
                  static_cast<uint32_t>(image[30]) << 16 | static_cast<uint32_t>(image[31]) << 24;
  if (mask != 0) g_mxcsr_mask = mask;
}

void enable_syscall() {
  wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSce);
  wrmsr(kMsrStar, (uint64_t{AMD64_SYSRET_BASE} << 48) | (uint64_t{AMD64_KERNEL_CS} << 32));
  wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&amd64_syscall_entry));
  wrmsr(kMsrSfmask, kRflagsIf | kRflagsTf | kRflagsDf | kRflagsAc | kRflagsNt);
}

}  // namespace

void user_mode_init() {
  load_gdt();
  enable_sse();
  enable_syscall();
  klog("amd64: user mode: syscall entry %p, MXCSR mask %#x\n", reinterpret_cast<void*>(&amd64_syscall_entry),
       g_mxcsr_mask);
}

uint32_t mxcsr_mask() { return g_mxcsr_mask; }

void xsave_set_header(uint8_t* image) {
  uint64_t header[8] = {kXcr0X87Sse};
  __builtin_memcpy(image + kXsaveHeader, header, sizeof header);
}

void xsave_normalise(uint8_t* image) {
  uint64_t in_use;
  __builtin_memcpy(&in_use, image + kXsaveHeader, sizeof in_use);
  if (!(in_use & 1)) {  // x87 initial: FCW 0x37f, the rest of its part 0 (MXCSR is SSE's)
    __builtin_memset(image, 0, 24);
    image[0] = 0x7f, image[1] = 0x03;
    __builtin_memset(image + 32, 0, 128);  // ST0-7
  }
  if (!(in_use & 2)) __builtin_memset(image + 160, 0, 256);  // XMM0-15
  xsave_set_header(image);
}

}  // namespace umach::amd64
