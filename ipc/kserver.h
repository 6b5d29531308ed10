// ipc/kserver.h: what the kernel's generated dispatch (defs/ under
// KERNEL_SERVER, tools/mig) calls to turn a port into the kernel object it
// stands for, and the rule for what a kernel routine hands back.
//
// Conversions take a reference the dispatch drops with the matching
// destructor after the routine ran; a port that does not stand for the
// object (dead, another kind) converts to null, and the routine answers
// the error the manual gives for an invalid target.
//
// A kernel routine that returns a port (an out port argument) hands over a
// right in transit: one reference, with the right already counted in the
// port (as TransitRight). The descriptor's disposition only says which kind
// the receiver gets.
#pragma once

#include "core/mig/mig_kernel.h"

namespace umach {
class MachThread;
namespace vm {
class VmMap;
}  // namespace vm
namespace ipc {
class IpcSpace;
}  // namespace ipc
}  // namespace umach

// The task port's IPC space (mach_port_* calls), or null.
using ipc_space_ref_t = umach::ipc::IpcSpace*;
ipc_space_ref_t convert_port_to_space(ipc_port_t port);
void space_deallocate(ipc_space_ref_t space);

// The thread a thread port stands for, or null (core/task/thread.cc).
using thread_ref_t = umach::MachThread*;
thread_ref_t convert_port_to_thread(ipc_port_t port);
void thread_deallocate(thread_ref_t thread);

// The address space of the task a task port stands for, or null (a dead
// task, another kind of port, a task with no map) (vm/vm_server.cc).
using vm_map_ref_t = umach::vm::VmMap*;
vm_map_ref_t convert_port_to_map(ipc_port_t port);
void vm_map_deallocate(vm_map_ref_t map);
