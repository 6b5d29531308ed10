// vm/default_pager.h: the kernel's default pager, as a port.
//
// Anonymous memory's pager is the kernel itself: pageout writes its pages
// to the swap area and faults read them back (vm/pageout.h, vm/swap.h).
// The default pager's port is a kernel port that answers GNU Mach's
// default_pager interface (default_pager.defs):
//   - default_pager_info: the swap area's size and free space, in bytes;
//   - default_pager_object_create: a memory object of anonymous memory
//     (zeros, paged to the swap like any), for vm_map by whoever holds a
//     send right; it lives as long as send rights to it and its mappings;
//   - default_pager_objects: the objects with pages in the swap (an
//     identifier each, and the bytes there), with a port for each that
//     has one (MACH_PORT_NULL for a task's private memory);
//   - default_pager_object_pages: the offsets of one such object's pages
//     in the swap (for an object default_pager_object_create made);
//   - default_pager_paging_file and _register_fileserver: the swap area is
//     the platform's, fixed at boot: KERN_FAILURE.
// vm_set_default_memory_manager (host_priv only) with MACH_PORT_NULL gives
// a send right to the default manager installed: this port while the
// kernel is the default pager. With a port it installs that port as the
// default memory manager (a user task that memory_object_create hands
// anonymous objects to when their pages must go out, vm/pager.h) and
// gives back the one it replaces; this port makes the kernel the default
// pager again. A dead name or another kernel object's port:
// KERN_INVALID_ARGUMENT. Objects a manager took stay its own when it is
// replaced; a manager that dies takes what it was given with it (their
// faults fail), and pageout uses the swap area again.
#pragma once

namespace umach::ipc {
class Port;
}  // namespace umach::ipc

namespace umach::vm {

// Makes the port; once at boot, after the zones.
void default_pager_init();
ipc::Port* default_pager_port();

}  // namespace umach::vm
