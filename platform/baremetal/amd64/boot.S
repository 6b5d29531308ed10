// platform/baremetal/amd64/boot.S: from the PVH entry to C++.
//
// QEMU's -kernel finds the Xen PHYS32_ENTRY note below and enters
// amd64_pvh_entry in 32-bit protected mode, paging off, interrupts off, no
// stack, %ebx = physical address of struct hvm_start_info (the x86/HVM direct
// boot ABI). This file owns everything until C++ can run:
//   - clear .bss (it holds the page tables and the boot stack);
//   - build 4-level page tables identity-mapping the first 4 GiB with 2 MiB
//     pages (the kernel's direct map is the identity: see backend.h);
//   - enable PAE, long mode (EFER.LME) and paging, load a flat 64-bit GDT;
//   - switch to the boot stack and call amd64_start(start_info) (start.cc).
// Selectors: 0x08 kernel code (64-bit), 0x10 kernel data. trap.cc installs
// interrupt gates with the 0x08 selector.

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define BOOT_STACK_SIZE (64 * 1024)
#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_LARGE 0x80  /* a PD entry mapping a 2 MiB page */
#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define XEN_ELFNOTE_PHYS32_ENTRY 18

// The PVH entry note. QEMU reads it through the PT_NOTE program header
// (kernel.ld). 4-byte alignment as ELF notes require; the descriptor is 8
// bytes, as Linux's 64-bit image has it, so a loader reading either width
// gets the entry address (it is below 4 GiB).
  .section .note.Xen, "a", @note
  .balign 4
  .long 4                        // namesz: "Xen\0"
  .long 8                        // descsz
  .long XEN_ELFNOTE_PHYS32_ENTRY
  .asciz "Xen"
  .balign 4
  .quad amd64_pvh_entry
  .balign 4

  .section .text.boot, "ax", @progbits
  .code32
  .globl amd64_pvh_entry
  .type amd64_pvh_entry, @function
amd64_pvh_entry:
  cli
  cld
  // %ebx (start_info) survives everything up to the call into C++.

  // Clear .bss; kernel.ld aligns both ends to 8 bytes.
  movl $__bss_start, %edi
  movl $__bss_end, %ecx
  subl %edi, %ecx
  shrl $2, %ecx
  xorl %eax, %eax
  rep stosl

  // PML4[0] -> the PDPT; PDPT[0..3] -> four page directories, one per GiB.
  movl $boot_pdpt, %eax
  orl $(PTE_PRESENT | PTE_WRITE), %eax
  movl %eax, boot_pml4
  movl $boot_pd, %eax
  orl $(PTE_PRESENT | PTE_WRITE), %eax
  movl $boot_pdpt, %edi
  movl $4, %ecx
1:
  movl %eax, (%edi)              // the upper halves stay zero from the clear
  addl $4096, %eax
  addl $8, %edi
  loop 1b

  // 2048 PD entries of 2 MiB each: physical 0 .. 4 GiB at the same address.
  movl $(PTE_PRESENT | PTE_WRITE | PTE_LARGE), %eax
  movl $boot_pd, %edi
  movl $2048, %ecx
2:
  movl %eax, (%edi)
  addl $0x200000, %eax
  addl $8, %edi
  loop 2b

  movl $boot_pml4, %eax
  movl %eax, %cr3
  movl %cr4, %eax
  orl $CR4_PAE, %eax
  movl %eax, %cr4
  movl $MSR_EFER, %ecx
  rdmsr
  orl $EFER_LME, %eax
  wrmsr
  movl %cr0, %eax
  orl $(CR0_PG | CR0_WP | CR0_PE), %eax
  movl %eax, %cr0                // now in compatibility mode

  lgdt boot_gdt_ptr
  ljmp $KERNEL_CS, $amd64_long_mode_entry

  .code64
amd64_long_mode_entry:
  movl $KERNEL_DS, %eax
  movl %eax, %ds
  movl %eax, %es
  movl %eax, %ss
  // FS and GS get the null selector; loading GS clears its base, which
  // set_current_cpu() later sets through the MSR.
  xorl %eax, %eax
  movl %eax, %fs
  movl %eax, %gs

  movq $boot_stack_top, %rsp
  xorl %ebp, %ebp                // ends frame-pointer walks
  movl %ebx, %edi                // zero-extends: amd64_start(uint32_t start_info)
  call amd64_start
3:
  cli
  hlt
  jmp 3b
  .size amd64_pvh_entry, . - amd64_pvh_entry

// The boot GDT: null, 64-bit kernel code, kernel data. Flat; in long mode
// only the code segment's L bit and the present bits matter.
  .section .rodata
  .balign 16
boot_gdt:
  .quad 0
  .quad 0x00AF9A000000FFFF       // KERNEL_CS: present, DPL 0, execute/read, L=1, G=1
  .quad 0x00CF92000000FFFF       // KERNEL_DS: present, DPL 0, read/write, D/B=1, G=1
boot_gdt_end:
  .balign 8
boot_gdt_ptr:
  .word boot_gdt_end - boot_gdt - 1
  .quad boot_gdt                 // lgdt in 32-bit mode reads the low 4 bytes

  .section .bss
  .balign 4096
boot_pml4:
  .skip 4096
boot_pdpt:
  .skip 4096
boot_pd:
  .skip 4 * 4096
  .balign 16
  .globl boot_stack_bottom
boot_stack_bottom:
  .skip BOOT_STACK_SIZE
  .globl boot_stack_top
boot_stack_top:

  .section .note.GNU-stack, "", @progbits
