// platform/hosted/memory/loader.h: loading a task program into a task's
// address space (its VmMap), like a Mach bootstrap loader.
//
// The image goes at a fixed place of the window (kImageOffset above its
// base, aligned as the segments ask), the stack at its top
// ([vm_max - kStackSize, vm_max)), the commpage at its base. Everything but
// the commpage is VM memory of the task's map, made from the program's
// image object (program_image.h: one per file content, shared by every
// task running it):
//   - a segment that is not writable and has no relocation (text, rodata)
//     maps the image object shared (vm_map without copy), its maximum
//     protection without write: every task running the program uses the
//     same physical pages;
//   - a writable segment, or one with relocations, maps a copy of it
//     (vm_map with copy: copy-on-write), writable while the loader applies
//     the R_X86_64_RELATIVE relocations through the map (map_write, which
//     gives the task private copies of those pages), then lowered to the
//     segment's protection and the RELRO range to read-only (vm_protect);
//   - a segment's pages past its file contents (bss) are anonymous
//     zero-fill memory (the page holding the end of the file contents is
//     the image's, whose bytes past filesz are zeros);
//   - the stack is vm_allocate'd at its fixed place; the arguments are
//     written into it through the map.
// Nothing is entered in the pmap: the task's first touch of each page
// faults it in through vm_fault.
// The commpage is one physical page shared by every task (commpage.h),
// entered directly in the pmap read+execute. It lies below the map's
// vm_min (address_window.h), so no VM entry can ever land on it and the VM
// never sees a fault there; the task's fault path asks the pmap alone
// (a commpage run the pmap forgot is faulted back by Pmap::fault_in).
// The first thread starts at `pc` with `sp`, rdi = argc, rsi = argv,
// rdx = commpage; the stack holds, SysV style from sp up: argc,
// argv[0..argc-1], NULL, envp NULL, auxv (AT_PAGESZ, AT_NULL), then the
// argument strings; sp is 16-aligned.
// The map owns the memory; the loader keeps only its use of the image
// (LoadedProgram::image). unload_task_program() takes out of the map what
// the load put there (the image's span and the stack, whatever the task
// made of them) and drops that use; a failed load leaves the map, the pmap
// and the image cache as it found them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "platform/hosted/memory/elf_image.h"
#include "platform/hosted/memory/physmem.h"
#include "platform/hosted/memory/program_image.h"
#include "vm/map.h"

namespace umach::hosted {

struct LoadedProgram {
  vaddr_t pc = 0;
  vaddr_t sp = 0;
  uint64_t argc = 0;   // rdi
  vaddr_t argv = 0;    // rsi
  vaddr_t commpage = 0;  // rdx
  vaddr_t load_bias = 0;  // where image address 0 is (the gdb helper needs it)
  vaddr_t image_end = 0;  // the image's segments lie in [load_bias, image_end)
  vaddr_t stack_base = 0;
  vaddr_t stack_top = 0;
  ProgramImage* image = nullptr;  // one use of the program's image, the loader's own
};

inline constexpr size_t kImageOffset = size_t{2} << 20;
inline constexpr size_t kStackSize = size_t{256} << 10;

// Loads `file` into `map` (which must have nothing where the image and
// stack go, and whose pmap nothing at the commpage), with the arguments
// `argv[0..argc)` and the commpage physical page `commpage_page`
// (commpage.h). kNoMemory when memory is short.
[[nodiscard]] LoadStatus load_task_program(vm::VmMap& map, const uint8_t* file, size_t size, const char* const* argv,
                                           size_t argc, paddr_t commpage_page, LoadedProgram* out);

// Removes the program's memory from the map, the commpage from the pmap,
// and drops the loader's use of the image.
void unload_task_program(vm::VmMap& map, LoadedProgram& program);

}  // namespace umach::hosted
