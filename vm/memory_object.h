// vm/memory_object.h: kernel-internal memory objects as ports.
//
// vm_map maps a memory object named by a port: a user pager's
// (vm/pager.h), or one of the kernel's own: a VmObject the kernel made (a
// program image, the time device, the default pager's objects, a test's)
// exported through a kernel port of kind kMemoryObject.
// The port stands for a KernelMemoryObject, an atomically counted handle
// holding one reference to the VmObject, so the dispatch can take a
// reference under the port's spinlock, where the VM lock (a sleeping lock)
// may not be taken. vm_map shares the object, or copies it by its copy
// strategy when asked to copy.
#pragma once

#include "core/refptr.h"
#include "core/result.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "vm/object.h"

namespace umach::vm {

class KernelMemoryObject : public RefCounted<KernelMemoryObject> {
 public:
  // A handle and its port for `object` (whose reference it takes). The
  // port lives until destroy().
  [[nodiscard]] static Result<RefPtr<KernelMemoryObject>> create(VmObject* object) UMACH_EXCLUDES(g_vm_lock);
  static void last_reference_dropped(KernelMemoryObject* m);

  VmObject* object() const { return object_; }
  ipc::Port* port() const { return port_.get(); }
  // A send right to the port, in transit (to give a task).
  ipc::TransitRight make_send();
  // Kills the port (every send right becomes dead); the object stays until
  // the last handle reference goes.
  void destroy();
  // From now on the handle lives as long as send rights to its port do:
  // it keeps a reference for them, dropped (and the port destroyed) when
  // the last one goes (a no-senders notification the kernel hears). For
  // objects made for a task (default_pager_object_create). False if the
  // port died.
  bool owned_by_senders();
  // The no-senders notification of such a handle's port arrived.
  void senders_gone();

  KernelMemoryObject(VmObject* object) : object_(object) {}
  ~KernelMemoryObject() = default;

 private:
  VmObject* object_;
  RefPtr<ipc::Port> port_;
  kstd::Atomic<bool> senders_own_{false};
};

// The handle a port stands for (one reference), or null.
KernelMemoryObject* convert_port_to_memory_object(ipc::Port* port);

}  // namespace umach::vm
