// core/task/traps.h: the syscall_* traps (ABI.md's table, 64 to 76), and
// through switch.cc the scheduling traps (59 to 61). The syscall_* are the
// fast paths of the RPCs of the same name, called with names in the
// caller's space instead of a message.
//
// As in GNU Mach (kern/ipc_mig.c), each translates its task name (a send
// right to a task port in the caller's space) itself, and a name that
// does not translate answers MACH_SEND_INTERRUPTED rather than an error:
// the user library then makes the RPC, which gives the manual's error (or
// reaches a task the trap cannot, e.g. through a proxy port). After the
// translation each runs the kernel routine the RPC runs, with the same
// results. Port-name arguments (syscall_vm_map's memory object,
// syscall_task_set_special_port's port, syscall_mach_port_insert_right's
// right) are copied in from the caller's space as a message would carry
// them, and released again if the routine fails.
//
// The platform reads the arguments (the first six in registers, the rest
// from the user stack) and gives the kernel's access to the caller's
// memory for the out arguments; a pointer the caller cannot write (or
// read) answers KERN_INVALID_ADDRESS, having undone what was done.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <mach/kern_return.h>

#include "ipc/space.h"

namespace umach {

class MachThread;
class Task;

namespace traps {

// The caller's memory, as the trap path reaches it (faulting pages in).
class UserMemory {
 public:
  virtual bool copyin(void* dst, uint64_t user_src, size_t n) = 0;
  virtual bool copyout(uint64_t user_dst, const void* src, size_t n) = 0;

 protected:
  ~UserMemory() = default;
};

// A send right taken from the caller's space for the length of a call
// (COPY_SEND, as a message's target), or nothing (port() null) for a name
// that is not a live send right: how a trap translates a name.
class SendRight {
 public:
  SendRight(ipc::IpcSpace& space, mach_port_name_t name);
  ~SendRight();
  SendRight(const SendRight&) = delete;
  SendRight& operator=(const SendRight&) = delete;
  ipc::Port* port() const { return right_.port; }

 private:
  ipc::TransitRight right_;
};

// How many arguments trap `n` takes if it is one of these, else -1.
int arg_count(int64_t n);

// Runs trap `n` (arg_count(n) >= 0) for `thread` of `caller`, with its
// arguments; the result is the trap's return value.
kern_return_t call(int64_t n, Task& caller, MachThread& thread, UserMemory& memory, const uint64_t* args);

// The scheduling traps swtch_pri (59), swtch (60), thread_switch (61) and
// syscall_thread_depress_abort (76), in core/task/switch.cc: the same two
// calls for them.
int switch_arg_count(int64_t n);
kern_return_t switch_call(int64_t n, Task& caller, MachThread& thread, const uint64_t* args);

}  // namespace traps
}  // namespace umach
