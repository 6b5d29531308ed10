// tests/programs/cow_object.h: the kernel's side of cow.c, for the tests
// and benchmarks that run it: the memory object it maps copy-on-write,
// given to the program under a name, and the check that the program's
// writes never reached it.
#pragma once

#include <stdint.h>

#include "ipc/space.h"
#include "platform/hosted/task/test_task.h"
#include "vm/memory_object.h"
#include "vm/object.h"

namespace umach::testing {

// An object of `pages` pages whose page i holds i + 1 in its second word
// (what cow.c checks), COPY_DELAY like a program image's. Null when short.
inline vm::VmObject* make_cow_object(uint64_t pages) {
  SpinlockGuard hold(vm::g_vm_lock);
  vm::VmObject* o = vm::VmObject::create(pages * vm::kPageSize, MEMORY_OBJECT_COPY_DELAY);
  for (uint64_t i = 0; o && i < pages; ++i) {
    vm::VmPage* p = vm::page_grab(true);
    if (!p) {
      vm::VmObject::deallocate(o);
      return nullptr;
    }
    static_cast<uint64_t*>(p->data())[1] = i + 1;
    o->insert(p, i * vm::kPageSize);
  }
  return o;
}

// True if every page still holds what make_cow_object put there.
inline bool cow_object_unchanged(vm::VmObject* o, uint64_t pages) {
  SpinlockGuard hold(vm::g_vm_lock);
  for (uint64_t i = 0; i < pages; ++i) {
    vm::VmPage* p = o->lookup(i * vm::kPageSize);
    const auto* words = p ? static_cast<const uint64_t*>(p->data()) : nullptr;
    if (!words || words[0] != 0 || words[1] != i + 1) return false;
  }
  return true;
}

// Gives the loaded task a send right to the object under `name`.
inline bool give_cow_object(hosted::TestTask& task, vm::KernelMemoryObject& object, mach_port_name_t name) {
  ipc::TransitRight right = object.make_send();
  if (task.task().space().insert_right(name, right) == KERN_SUCCESS) return true;
  ipc::release_transit_right(right);
  return false;
}

}  // namespace umach::testing
