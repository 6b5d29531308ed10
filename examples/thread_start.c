/* examples/thread_start.c: start_thread (thread_start.h). */
#include "thread_start.h"

#include <mach/thread_status.h>
#include <string.h>

kern_return_t start_thread(void (*fn)(long), long arg, thread_t *thread, vm_address_t *stack) {
  const mach_port_t self = mach_task_self();
  const vm_size_t size = kThreadStackPages * vm_page_size;
  *stack = 0;
  kern_return_t kr = vm_allocate(self, stack, size, TRUE);
  if (kr != KERN_SUCCESS) return kr;
  /* A thread that overflows its stack faults on the guard page instead of
   * scribbling over whatever lies below. */
  kr = vm_protect(self, *stack, vm_page_size, FALSE, VM_PROT_NONE);
  if (kr == KERN_SUCCESS) kr = thread_create(self, thread);
  if (kr != KERN_SUCCESS) {
    (void)vm_deallocate(self, *stack, size);
    return kr;
  }
#if defined(__x86_64__)
  struct i386_thread_state state;
  memset(&state, 0, sizeof state);
  state.rip = (uint64_t)(uintptr_t)fn;
  state.rdi = (uint64_t)arg;
  /* The SysV ABI wants rsp + 8 16-byte aligned at a function's entry, as
   * if a call had just pushed its return address. */
  state.ursp = *stack + size - 8;
  state.rsp = state.ursp;
  kr = thread_set_state(*thread, i386_THREAD_STATE, (thread_state_t)&state, i386_THREAD_STATE_COUNT);
#elif defined(__riscv)
  struct riscv64_thread_state state;
  memset(&state, 0, sizeof state);
  state.pc = (uint64_t)(uintptr_t)fn;
  state.x10 = (uint64_t)arg; /* a0 */
  state.x2 = *stack + size;  /* sp, 16-byte aligned */
  kr = thread_set_state(*thread, riscv64_THREAD_STATE, (thread_state_t)&state, riscv64_THREAD_STATE_COUNT);
#endif
  if (kr == KERN_SUCCESS) kr = thread_resume(*thread);
  if (kr != KERN_SUCCESS) {
    (void)thread_terminate(*thread);
    (void)mach_port_deallocate(self, *thread);
    (void)vm_deallocate(self, *stack, size);
  }
  return kr;
}
