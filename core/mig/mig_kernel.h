// core/mig/mig_kernel.h: what the kernel's generated RPC code stands on.
//
// tools/mig writes two kinds of kernel code from defs/: the dispatch that
// decodes a request sent to a kernel object (namespace umach::kserver) and
// the client stubs the kernel sends with (namespace umach::kuser), e.g.
// exception_raise, notifications, memory_object_* requests. Both see
// messages in the kernel's form: the layout of ABI.md with every port slot
// holding a port reference (ipc_port_t) instead of a name.
//
// The IPC layer defines the functions below (ipc/kclient.cc, as weak
// definitions: tests/mig's stub tests link capturing fakes instead). Port
// slots of a request carry the caller's references with the stub's
// dispositions (COPY_SEND and MAKE_*: the caller keeps its reference;
// MOVE_*: the message takes it). A reply comes back in kernel form with
// its header's port slots cleared: only its body may hold rights.
#pragma once

#include <mach/message.h>
#include <mach/mig_errors.h>

namespace umach::ipc {
class Port;
}  // namespace umach::ipc

// GNU Mach's name for a port reference, as the .defs' kernel translations
// spell it.
using ipc_port_t = umach::ipc::Port*;

namespace umach::ipc {

// Queues a message the kernel built (a simpleroutine); the message's
// rights and memory belong to IPC afterwards, whatever the result.
mach_msg_return_t mach_msg_send_from_kernel(mach_msg_header_t* msg, mach_msg_size_t size);

// Sends a request with a fresh reply port in the local slot (disposition
// MAKE_SEND_ONCE) and waits for the reply, which overwrites `msg` (at most
// rcv_size bytes).
mach_msg_return_t mach_msg_rpc_from_kernel(mach_msg_header_t* msg, mach_msg_size_t send_size,
                                           mach_msg_size_t rcv_size);

// Releases every right and out-of-line region a received kernel message
// holds (a reply the stub rejects).
void mach_msg_destroy_from_kernel(mach_msg_header_t* msg);

// The kernel's dispatch: releases the send right a request's body carried
// for a translated argument (the routine got the object), once the
// routine succeeded (ipc/kobject.cc).
void mig_release_translated(ipc_port_t port);

}  // namespace umach::ipc
