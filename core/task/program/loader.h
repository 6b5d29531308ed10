// core/task/program/loader.h: loading a task program into a task's address
// space (its VmMap), like a Mach bootstrap loader. Freestanding: the same
// loader serves hosted and the bare-metal images, for x86-64 and RISC-V64
// programs alike.
//
// Placement is relative to the map's range [min, max) (the pmap's
// pmap_min/pmap_max): the image at a fixed place above its minimum
// (kImageOffset above min, aligned as the segments ask), the stack at its
// top ([max - kStackSize, max)). Both are VM memory of the task's map,
// made from the program's image object (program_image.h: one per file
// content, shared by every task running it):
//   - a segment that is not writable (text, rodata: parse_elf accepts no
//     relocation there) maps the image object shared (vm_map without
//     copy), its maximum protection without write: every task running the
//     program uses the same physical pages;
//   - a writable segment maps a copy of it (vm_map with copy:
//     copy-on-write); the loader applies the relative relocations through
//     the map (map_write, which gives the task private copies of those
//     pages), then makes the RELRO range read-only (vm_protect);
//   - a segment's pages past its file contents (bss) are anonymous
//     zero-fill memory (the page holding the end of the file contents is
//     the image's, whose bytes past filesz are zeros);
//   - the stack is vm_allocate'd at its fixed place; the arguments are
//     written into it through the map.
// Nothing is entered in the pmap: the task's first touch of each page
// faults it in through vm_fault.
// The commpage is the caller's: it maps it (in the pmap, outside the
// VM's range on hosted) and passes its user address, which the loader only
// records for the entry registers.
// The first thread starts at `pc` with `sp` and three arguments: argc,
// argv, the commpage (x86-64: rdi, rsi, rdx; RISC-V: a0, a1, a2; see
// lib/libc/crt0_*.S); the stack holds, SysV style from sp up: argc,
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

#include "core/task/program/elf_image.h"
#include "core/task/program/program_image.h"
#include "vm/map.h"

namespace umach::program {

struct LoadedProgram {
  Machine machine = Machine::kX86_64;
  uint64_t pc = 0;
  uint64_t sp = 0;
  uint64_t argc = 0;      // rdi / a0
  uint64_t argv = 0;      // rsi / a1
  uint64_t commpage = 0;  // rdx / a2: the caller's commpage address
  uint64_t load_bias = 0;  // where image address 0 is (the gdb helper needs it)
  uint64_t image_end = 0;  // the image's segments lie in [load_bias, image_end)
  uint64_t stack_base = 0;
  uint64_t stack_top = 0;
  ProgramImage* image = nullptr;  // one use of the program's image, the loader's own
};

inline constexpr size_t kImageOffset = size_t{2} << 20;
inline constexpr size_t kStackSize = size_t{256} << 10;

// Loads `file`, which must be a program for `machine`, into `map` (which
// must have nothing where the image and stack go), with the arguments
// `argv[0..argc)`; `commpage` is the user address where the caller maps the
// commpage. kWrongMachine for a program of another machine; kNoMemory when
// memory is short; on failure nothing is left behind.
[[nodiscard]] LoadStatus load_task_program(vm::VmMap& map, const uint8_t* file, size_t size, Machine machine,
                                           const char* const* argv, size_t argc, uint64_t commpage,
                                           LoadedProgram* out);

// Removes the program's memory from the map and drops the loader's use of
// the image (the commpage stays: it is the caller's). Harmless on an empty
// LoadedProgram.
void unload_task_program(vm::VmMap& map, LoadedProgram& program);

}  // namespace umach::program
