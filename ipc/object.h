// ipc/object.h: what ports and port sets have in common.
//
// An IpcObject is reference counted: every name-space entry that names it
// holds one reference, every right in transit in a message holds one, and
// kernel code that looks an object up holds one while it works. Its lock
// (rank kIpcObject) guards the subclass's state; a space's lock, when
// needed, is always taken first.
#pragma once

#include <stdint.h>

#include "core/object.h"
#include "core/refptr.h"
#include "core/spinlock.h"

namespace umach::ipc {

enum class ObjectKind : uint8_t { kPort, kPortSet };

class IpcObject : public RefCounted<IpcObject> {
 public:
  IpcObject(const IpcObject&) = delete;
  IpcObject& operator=(const IpcObject&) = delete;

  ObjectKind kind() const { return kind_; }
  // Frees a Port or PortSet when its last reference goes (RefCounted).
  static void last_reference_dropped(IpcObject* object);

  mutable Spinlock lock{LockRank::kIpcObject};

 protected:
  explicit IpcObject(ObjectKind kind) : kind_(kind) {}
  ~IpcObject() = default;
  void check_canary() const { canary_.check(); }

 private:
  const ObjectKind kind_;
  Canary<0x1bc0b1ecu> canary_;
};

}  // namespace umach::ipc
