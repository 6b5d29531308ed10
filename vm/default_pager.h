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
// vm_set_default_memory_manager with MACH_PORT_NULL gives a send right to
// it (host_priv only). Installing another default memory manager (a user
// task that memory_object_create would hand temporary objects to) is not
// supported: KERN_FAILURE, nothing changes.
#pragma once

namespace umach::ipc {
class Port;
}  // namespace umach::ipc

namespace umach::vm {

// Makes the port; once at boot, after the zones.
void default_pager_init();
ipc::Port* default_pager_port();

}  // namespace umach::vm
