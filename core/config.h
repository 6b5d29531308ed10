// core/config.h: build-wide switches, as constants (tested with `if constexpr`,
// so both sides of every debug path always compile).
#pragma once

#ifndef UMACH_DEBUG_CHECKS
#define UMACH_DEBUG_CHECKS 1
#endif

namespace umach {
// Cheap local invariant checks after each mutating operation.
inline constexpr bool kDebugChecks = UMACH_DEBUG_CHECKS != 0;
}  // namespace umach
