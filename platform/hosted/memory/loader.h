// platform/hosted/memory/loader.h: loading a task program into an address
// space, like a Mach bootstrap loader.
//
// The image goes at a fixed place of the window (kImageOffset above its
// base, aligned as the segments ask), the stack at its top
// ([vm_max - kStackSize, vm_max)), the commpage at its base. Until the VM
// lands, segments are copied into fresh physical pages (later: text mapped
// shared from the image, data copy-on-write). The first thread starts at
// `pc` with `sp`, rdi = argc, rsi = argv, rdx = commpage; the stack holds,
// SysV style from sp up: argc, argv[0..argc-1], NULL, envp NULL,
// auxv (AT_PAGESZ, AT_NULL), then the argument strings; sp is 16-aligned.
// Everything the loader allocated is listed in the LoadedProgram and given
// back by unload_task_program(); a failed load gives back what it took.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "platform/hosted/memory/elf_image.h"
#include "platform/hosted/memory/pmap.h"

namespace umach::hosted {

struct LoadedProgram {
  struct Allocation {
    vaddr_t va;
    paddr_t pa;
    size_t pages;
  };

  vaddr_t pc = 0;
  vaddr_t sp = 0;
  uint64_t argc = 0;   // rdi
  vaddr_t argv = 0;    // rsi
  vaddr_t commpage = 0;  // rdx
  vaddr_t load_bias = 0;  // where image address 0 is (the gdb helper needs it)
  vaddr_t stack_base = 0;
  vaddr_t stack_top = 0;
  std::vector<Allocation> allocations;  // physical pages this program owns
};

inline constexpr size_t kImageOffset = size_t{2} << 20;
inline constexpr size_t kStackSize = size_t{256} << 10;

// Loads `file` into `pmap`'s address space (which must have nothing mapped
// where the image, stack and commpage go), with the arguments `argv[0..argc)`
// and the commpage physical page `commpage_page` (commpage.h).
[[nodiscard]] LoadStatus load_task_program(Pmap& pmap, const uint8_t* file, size_t size, const char* const* argv,
                                           size_t argc, paddr_t commpage_page, LoadedProgram* out);

// Removes the program's mappings (and the commpage's) and frees its pages.
void unload_task_program(Pmap& pmap, LoadedProgram& program);

}  // namespace umach::hosted
