// vm/dot.h: a map and its object graph as Graphviz dot, for debugging:
// entries (range, protection, needs_copy), the objects they refer to, each
// object's shadow (with offset) and copy links, and resident page counts.
// From gdb: `call vm_dump_dot_for_gdb(map)` prints it on the console;
// tools/gdb/umach.py's mach-vm-dot has dump_dot fill that function's buffer
// and prints or saves the graph itself. `umach --vm-dot=FILE --run ...`
// writes the graph of the program's map (platform/hosted/main.cc).
#pragma once

#include <stddef.h>

#include "vm/map.h"

namespace umach::vm {

// Writes the graph into buf (NUL-terminated, cut at cap); returns the
// length the whole graph needs.
size_t dump_dot(VmMap& map, char* buf, size_t cap) UMACH_EXCLUDES(g_vm_lock);

}  // namespace umach::vm

// For gdb (`call vm_dump_dot_for_gdb(map)`): prints the graph to the console.
extern "C" void vm_dump_dot_for_gdb(umach::vm::VmMap* map);
