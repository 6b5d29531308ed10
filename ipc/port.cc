// ipc/port.cc: creating and freeing ports and port sets.
#include "ipc/port.h"

#include "core/zone.h"

namespace umach::ipc {
namespace {
[[clang::no_destroy]] constinit TypedZone<Port> g_ports("ipc.port");
[[clang::no_destroy]] constinit TypedZone<PortSet> g_port_sets("ipc.pset");
}  // namespace

Result<RefPtr<Port>> Port::create() {
  Port* p = g_ports.create();
  if (!p) return Error{KERN_RESOURCE_SHORTAGE};
  return RefPtr<Port>::adopt(p);
}

Result<RefPtr<PortSet>> PortSet::create() {
  PortSet* s = g_port_sets.create();
  if (!s) return Error{KERN_RESOURCE_SHORTAGE};
  return RefPtr<PortSet>::adopt(s);
}

// The last reference: nobody else can reach the object, so its state is
// read without its lock.
void IpcObject::last_reference_dropped(IpcObject* object) UMACH_NO_THREAD_SAFETY_ANALYSIS {
  if (object->kind() == ObjectKind::kPort) {
    auto* port = static_cast<Port*>(object);
    // Every right holds a reference: with none left, no right exists.
    kassert(port->srights_ == 0 && port->sorights_ == 0 && port->receiver_ == nullptr);
    kassert(port->pset_ == nullptr && port->msgcount_ == 0);
    kassert(port->nsrequest_ == nullptr && port->pdrequest_ == nullptr);
    g_ports.destroy(port);
  } else {
    auto* set = static_cast<PortSet*>(object);
    kassert(set->member_count_ == 0);
    g_port_sets.destroy(set);
  }
}

void Port::check_local() const {
  check_canary();
  SpinlockGuard g(lock);
  kassert(active_ || (receiver_ == nullptr && pset_ == nullptr));
  kassert(receiver_ == nullptr || MACH_PORT_VALID(receiver_name_));
}

void PortSet::check_local() const {
  check_canary();
  SpinlockGuard g(lock);
  size_t n = 0;
  for (const Port& p : members_) {
    (void)p;
    ++n;
  }
  kassert(n == member_count_);
}

size_t live_ports() { return g_ports.live(); }
size_t live_port_sets() { return g_port_sets.live(); }

}  // namespace umach::ipc
