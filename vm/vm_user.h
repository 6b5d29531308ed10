// vm/vm_user.h: the VM calls of mach.defs, mach_host.defs and gnumach.defs
// on a map, with GNU Mach's errors (the manual's, and GNU Mach's vm_user.c
// where the manual is silent). The kernel dispatch (vm/vm_server.cc)
// converts the task port and calls these; tests call them directly.
// Addresses are truncated and sizes rounded to pages, as GNU Mach does.
#pragma once

#include <stdint.h>

#include "mach/kern_return.h"
#include "mach/vm_statistics.h"
#include "vm/copy.h"
#include "vm/map.h"

namespace umach::vm {

kern_return_t allocate(VmMap& map, uint64_t* addr, uint64_t size, bool anywhere);
kern_return_t deallocate(VmMap& map, uint64_t addr, uint64_t size);
kern_return_t protect(VmMap& map, uint64_t addr, uint64_t size, bool set_max, unsigned prot);
kern_return_t inherit(VmMap& map, uint64_t addr, uint64_t size, unsigned inheritance);
kern_return_t read(VmMap& map, uint64_t addr, uint64_t size, VmMapCopy** data);
kern_return_t write(VmMap& map, uint64_t addr, VmMapCopy* data);  // consumes data on success
kern_return_t copy(VmMap& map, uint64_t src, uint64_t size, uint64_t dst);

struct RegionInfo {
  uint64_t address, size;
  unsigned protection, max_protection, inheritance;
  bool shared;
  uint64_t offset;
};
kern_return_t region(VmMap& map, uint64_t addr, RegionInfo* out);

// The object and offset that back `addr` (gsync's key for a word tasks
// share): KERN_INVALID_ADDRESS for a hole, KERN_RESOURCE_SHORTAGE. The
// object is named, not referenced: compare it, never dereference it.
kern_return_t object_at(VmMap& map, uint64_t addr, const void** object, uint64_t* offset);

// vm_map of anonymous memory (object null) or a kernel-internal object.
kern_return_t map_object(VmMap& map, uint64_t* addr, uint64_t size, uint64_t mask, bool anywhere, VmObject* object,
                         uint64_t offset, bool copy, unsigned cur, unsigned max, unsigned inheritance);

// Keeps [addr, addr + size) out of the VM's hands: an entry no access is
// allowed through (max protection none), for memory the platform placed
// itself (the hosted loader's image and stack).
kern_return_t reserve(VmMap& map, uint64_t addr, uint64_t size);

kern_return_t wire(VmMap& map, uint64_t addr, uint64_t size, unsigned access);
kern_return_t wire_all(VmMap& map, unsigned flags);
kern_return_t msync(VmMap& map, uint64_t addr, uint64_t size, unsigned flags);
void statistics(vm_statistics_data_t* out);
kern_return_t set_size_limit(VmMap& map, uint64_t current, uint64_t max);
void get_size_limit(VmMap& map, uint64_t* current, uint64_t* max);

}  // namespace umach::vm
