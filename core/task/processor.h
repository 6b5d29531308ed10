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

}  // namespace umach::processor
