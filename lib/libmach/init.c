/* lib/libmach/init.c: libmach's per-task state, set once at startup by
 * umach_libmach_init() (crt0 calls it before main; see
 * include/umach/task_runtime.h). Nothing here changes afterwards. */
#include "libmach.h"
#include <umach/task_runtime.h>

uintptr_t umach_commpage;
mach_port_t __mach_task_self_;
vm_size_t vm_page_size = 4096;

void umach_libmach_init(uintptr_t commpage) {
  umach_commpage = commpage;
  /* The parentheses call the trap, not the cached-value macro. */
  __mach_task_self_ = (mach_task_self)();
  vm_page_size = 4096; /* both architectures; no trap reports it */
  mig_init(0);
}
