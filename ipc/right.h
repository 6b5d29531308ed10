// ipc/right.h: helpers shared by the right operations (ipc/right.cc,
// ipc/mach_port.cc); not for use outside ipc/.
#pragma once

#include "ipc/space.h"

namespace umach::ipc {

// Takes a port out of its set, if it is in one (a set's lock nests inside
// its member's).
void leave_set_locked(Port* port) UMACH_REQUIRES(port->lock);

// Removes every member of a set that is going away.
void empty_set(PortSet* set);

// Dead-name requests come from their own zone (leak audits count them).
DeadNameRequest* new_dead_name_request();
void free_dead_name_request(DeadNameRequest* request);

}  // namespace umach::ipc
