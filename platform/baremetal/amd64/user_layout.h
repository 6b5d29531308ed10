// platform/baremetal/amd64/user_layout.h: the numbers user_entry.S and
// trap_entry.S share with C++: segment selectors, MSRs, the pseudo-vector of
// a `syscall` entry and the offsets of Backend::UserFrame's fields. Plain
// #defines, so the assembly can include it; user.cc checks the offsets
// against the struct (static_assert), gdt.cc lays the GDT out to match the
// selectors.
#pragma once

// GDT selectors (gdt.cc). The order is what `syscall`/`sysret` need
// (STAR): kernel code, kernel data at +8; then from the sysret base 0x18 a
// 32-bit user code slot (left null: no compatibility mode), user data at
// +8, 64-bit user code at +16. The TSS takes two slots.
#define AMD64_KERNEL_CS 0x08
#define AMD64_KERNEL_DS 0x10
#define AMD64_SYSRET_BASE 0x18
#define AMD64_USER_DS (0x20 | 3)
#define AMD64_USER_CS (0x28 | 3)
#define AMD64_TSS_SELECTOR 0x30

#define AMD64_MSR_FS_BASE 0xC0000100
#define AMD64_MSR_KERNEL_GS_BASE 0xC0000102  // the base swapgs exchanges with GS's

// amd64_user_trap's vector for a `syscall` entry (the IDT's are 0..255).
#define AMD64_VECTOR_SYSCALL 256

// Offsets in Backend::UserFrame (backend.h).
#define AMD64_UF_R15 0
#define AMD64_UF_R14 8
#define AMD64_UF_R13 16
#define AMD64_UF_R12 24
#define AMD64_UF_R11 32
#define AMD64_UF_R10 40
#define AMD64_UF_R9 48
#define AMD64_UF_R8 56
#define AMD64_UF_RBP 64
#define AMD64_UF_RDI 72
#define AMD64_UF_RSI 80
#define AMD64_UF_RDX 88
#define AMD64_UF_RCX 96
#define AMD64_UF_RBX 104
#define AMD64_UF_RAX 112
#define AMD64_UF_RIP 120
#define AMD64_UF_RFLAGS 128
#define AMD64_UF_RSP 136
#define AMD64_UF_FS_BASE 144
#define AMD64_UF_GS_BASE 152
#define AMD64_UF_XSAVE 192
