// core/platform/platform.h: the one door from the core to the machine.
// `umach/backend.h` is the backend the build chose (its include directory
// is the only one that provides that name).
#pragma once

#include "core/platform/contract.h"
#include <umach/backend.h>

namespace umach {
using Platform = platform::Backend;
}
