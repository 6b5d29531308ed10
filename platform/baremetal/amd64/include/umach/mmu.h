// platform/baremetal/amd64/include/umach/mmu.h: this ISA's page-table
// entries, for the code both ISAs share over them
// (common/page_table_pmaps.cc).
#pragma once

#include "platform/baremetal/amd64/pmap.h"

namespace umach::baremetal {
using IsaMmu = amd64::Mmu;
}  // namespace umach::baremetal
