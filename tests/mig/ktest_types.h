// tests/mig/ktest_types.h: the kernel-side types of defs/umach_ktest.defs.
#pragma once

#include "core/mig/mig_kernel.h"

struct KtestObject;
using kobject_t = KtestObject*;
kobject_t ktest_lookup(ipc_port_t port);
void ktest_release(kobject_t object);
