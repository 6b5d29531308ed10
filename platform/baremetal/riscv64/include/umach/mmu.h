// platform/baremetal/riscv64/include/umach/mmu.h: this ISA's page-table
// entries, for the code both ISAs share over them
// (common/page_table_pmaps.cc).
#pragma once

#include "platform/baremetal/riscv64/pmap.h"

namespace umach::baremetal {
using IsaMmu = riscv64::Mmu;
}  // namespace umach::baremetal
