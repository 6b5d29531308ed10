// platform/baremetal/riscv64/entry.S: the image's first instructions.
//
// OpenSBI jumps here in S-mode at 0x80200000 with a0 = hart id and a1 = the
// device tree's physical address, paging off, interrupts off. This file owns
// the boot stack and the kernel's root page table; it leaves C++
// (riscv64_boot in boot.cc) running with a stack, a clear .bss, Sv39 paging
// on the identity map and the trap vector installed.
    .option norelax

// Sv39 leaf PTE bits (privileged spec, "Sv39 page table entry").
#define PTE_V (1 << 0)
#define PTE_R (1 << 1)
#define PTE_W (1 << 2)
#define PTE_X (1 << 3)
#define PTE_G (1 << 5)
#define PTE_A (1 << 6)
#define PTE_D (1 << 7)
// A and D are preset: the privileged spec lets hardware fault instead of
// setting them, and the kernel has no handler for that.
#define PTE_KERNEL_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define PTE_KERNEL_RW (PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)
#define SATP_MODE_SV39 (8 << 60)
#define SSTATUS_FS (3 << 13)
#define BOOT_STACK_SIZE (128 * 1024)

    .section .text.boot, "ax", @progbits
    .globl _start
_start:
    // Only the boot hart comes here (OpenSBI holds the others in HSM), so
    // the stack and .bss are ours alone.
    csrw sie, zero
    csrci sstatus, 2                 // SIE off until timer_init (timer.cc) enables it
    li t0, SSTATUS_FS
    csrc sstatus, t0                 // FS Off (OpenSBI leaves it on): FP traps as illegal
    li tp, 0                         // no Cpu yet: current_cpu() reads null, not junk
    csrw sscratch, zero              // the kernel's mark (trap_entry.S): the firmware may leave junk

    lla sp, boot_stack_top

    // a0/a1 survive: the loop uses only t registers.
    lla t0, __bss_start
    lla t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:
    lla t0, riscv64_trap_entry
    csrw stvec, t0                   // direct mode: the entry is 4-byte aligned

    lla t0, boot_root_page_table
    srli t0, t0, 12
    li t1, SATP_MODE_SV39
    or t0, t0, t1
    sfence.vma
    csrw satp, t0
    sfence.vma                       // identity map: the next fetch is the same address

    call riscv64_boot                // a0 = hart id, a1 = device tree; never returns
3:  wfi
    j 3b

// The root table maps the low 128 GiB with 1 GiB leaves, virtual = physical:
// gigabytes 0 and 1 hold the virt machine's MMIO (read/write, never
// executable), gigabyte 2 onward RAM (memory_map.cc uses none above 128
// GiB). The rest of the lower half, 128..256 GiB, is the pmaps' user range
// (pmap.h): it stays empty here. A leaf at level 2 needs a 1 GiB aligned
// physical address, which i << 30 is; its PPN field (bits 53:10) holds
// pa >> 12, so the entry is (i << 30 >> 12) << 10 = i << 28.
    .section .data.boot_page_table, "aw", @progbits
    .balign 4096
boot_root_page_table:
    .set gigabyte, 0
    .rept 2
    .quad (gigabyte << 28) | PTE_KERNEL_RW
    .set gigabyte, gigabyte + 1
    .endr
    .rept 126
    .quad (gigabyte << 28) | PTE_KERNEL_RWX
    .set gigabyte, gigabyte + 1
    .endr
    .rept 384
    .quad 0
    .endr

    .section .bss.boot_stack, "aw", @nobits
    .balign 16
boot_stack:
    .space BOOT_STACK_SIZE
boot_stack_top:
