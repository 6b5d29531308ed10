// core/task/processor.h: the processors and the processor set as kernel
// objects (their routines, mach_host.defs, are in processor.cc, which says
// what umach's single processor set means for each).
#pragma once

#include <stddef.h>

namespace umach::processor {

// Makes the ports of the CPUs the scheduler has and of the default set
// (kernel_bootstrap_cpus); false if there was no memory for them.
bool init();

// The ports made so far for the processors and the set: they live as long
// as the kernel (host::permanent_ports counts them).
size_t permanent_ports();

// The default set's maximum priority (processor_set_max_priority; 0, the
// highest, until set): a new thread's maximum is capped at it.
int max_priority();

// The policies the set allows (processor_set_policy_enable/disable): a
// mask of POLICY_*; POLICY_TIMESHARE is always in it.
int policies();

}  // namespace umach::processor
