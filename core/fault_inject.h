// core/fault_inject.h: make the Nth kernel allocation fail.
//
// Tests and fuzzers arm it to walk every error path of an operation: fail
// allocation 1, then 2, ... until the operation succeeds, checking each time
// that the failure was reported as an error and nothing leaked. Every zone
// allocation and every page allocation asks `should_fail()`; disarmed, that
// is one relaxed load.
#pragma once

#include <stdint.h>

namespace umach::fault_inject {

// The nth allocation from now (1 = the next one) fails; 0 disarms.
void fail_nth(uint64_t n);
// Called by allocators: true if this allocation must fail (then disarms).
bool should_fail();
// How many injected failures have happened since boot.
uint64_t injected_count();

}  // namespace umach::fault_inject
