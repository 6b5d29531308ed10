/* tests/programs/traps.c: the syscall_* traps (ABI.md, 64 to 75), the
 * fast paths of the RPCs of the same name, with their errors: a name that
 * is not a task's answers MACH_SEND_INTERRUPTED (the RPC would give the
 * manual's error), an out pointer the task cannot write answers
 * KERN_INVALID_ADDRESS with nothing left behind. Prints each result in
 * decimal (MACH_SEND_INTERRUPTED is 268435463). Then thread_set_self_state
 * moves the thread to landed() on a new stack, which ends the task with
 * syscall_task_terminate. */
#include <mach.h>
#include <mach/mach_traps.h>
#include <mach/task_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_status.h>
#include <stdio.h>

static const char kReadOnly[16] = "read-only";
static void landed(long arg) __attribute__((noreturn));

int main(void) {
  mach_port_t self = mach_task_self(), host = mach_host_self();
  vm_offset_t at = 0;
  kern_return_t kr = syscall_vm_allocate(self, &at, vm_page_size, TRUE);
  *(volatile int*)at = 7;
  printf("vm_allocate: %d written %d\n", kr, *(volatile int*)at);
  printf("vm_allocate not a task: %d\n", syscall_vm_allocate(host, &at, vm_page_size, TRUE));
  printf("vm_allocate read-only out: %d\n", syscall_vm_allocate(self, (vm_offset_t*)kReadOnly, vm_page_size, TRUE));
  printf("vm_deallocate: %d\n", syscall_vm_deallocate(self, at, vm_page_size));
  printf("vm_deallocate null name: %d\n", syscall_vm_deallocate(MACH_PORT_NULL, at, vm_page_size));

  vm_offset_t mapped = 0;
  kr = syscall_vm_map(self, &mapped, 2 * vm_page_size, 0, TRUE, MACH_PORT_NULL, 0, FALSE, VM_PROT_DEFAULT, VM_PROT_ALL,
                      VM_INHERIT_COPY);
  ((volatile char*)mapped)[vm_page_size] = 1;
  vm_address_t region = mapped;
  vm_size_t size = 0;
  vm_prot_t prot, max;
  vm_inherit_t inherit;
  boolean_t shared;
  mach_port_t object;
  vm_offset_t offset;
  (void)vm_region(self, &region, &size, &prot, &max, &inherit, &shared, &object, &offset);
  printf("vm_map: %d size %lu max %d inherit %d\n", kr, (unsigned long)size / vm_page_size, max, inherit);
  printf("vm_map bad object name: %d\n", syscall_vm_map(self, &mapped, vm_page_size, 0, TRUE, 0x777, 0, FALSE,
                                                         VM_PROT_DEFAULT, VM_PROT_ALL, VM_INHERIT_COPY));
  printf("vm_map bad protection: %d\n", syscall_vm_map(self, &mapped, vm_page_size, 0, TRUE, MACH_PORT_NULL, 0,
                                                        FALSE, 0x100, VM_PROT_ALL, VM_INHERIT_COPY));

  mach_port_t port = MACH_PORT_NULL;
  kr = syscall_mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, &port);
  mach_port_type_t type = 0;
  (void)mach_port_type(self, port, &type);
  printf("port_allocate: %d receive %d\n", kr, (type & MACH_PORT_TYPE_RECEIVE) != 0);
  printf("port_allocate bad right: %d\n", syscall_mach_port_allocate(self, 99, &port));
  printf("port_allocate not a task: %d\n", syscall_mach_port_allocate(host, MACH_PORT_RIGHT_RECEIVE, &port));
  mach_port_array_t names;
  mach_port_type_array_t types;
  mach_msg_type_number_t before = 0, after = 0, n;
  (void)mach_port_names(self, &names, &before, &types, &n);
  kr = syscall_mach_port_allocate(self, MACH_PORT_RIGHT_RECEIVE, (mach_port_t*)kReadOnly);
  (void)mach_port_names(self, &names, &after, &types, &n);
  printf("port_allocate read-only out: %d names kept %d\n", kr, after == before);

  kr = syscall_mach_port_insert_right(self, port, port, MACH_MSG_TYPE_MAKE_SEND);
  (void)mach_port_type(self, port, &type);
  printf("insert_right: %d send %d\n", kr, (type & MACH_PORT_TYPE_SEND) != 0);
  printf("insert_right bad disposition: %d\n", syscall_mach_port_insert_right(self, port, port, 99));
  printf("insert_right unknown right: %d\n", syscall_mach_port_insert_right(self, port, 0x999, MACH_MSG_TYPE_COPY_SEND));

  kr = syscall_task_set_special_port(self, TASK_BOOTSTRAP_PORT, port);
  mach_port_t back = MACH_PORT_NULL;
  (void)task_get_special_port(self, TASK_BOOTSTRAP_PORT, &back);
  printf("set_special_port: %d same %d\n", kr, back == port);
  printf("set_special_port bad which: %d\n", syscall_task_set_special_port(self, 99, port));
  printf("set_special_port not a task: %d\n", syscall_task_set_special_port(host, TASK_BOOTSTRAP_PORT, port));

  mach_port_t child = MACH_PORT_NULL;
  kr = syscall_task_create(self, FALSE, &child);
  struct task_basic_info info;
  mach_msg_type_number_t info_count = TASK_BASIC_INFO_COUNT;
  printf("task_create: %d child info %d\n", kr, task_info(child, TASK_BASIC_INFO, (task_info_t)&info, &info_count));
  printf("task_create not a task: %d\n", syscall_task_create(host, FALSE, &child));
  (void)mach_port_names(self, &names, &before, &types, &n);
  kr = syscall_task_create(self, FALSE, (mach_port_t*)kReadOnly);
  (void)mach_port_names(self, &names, &after, &types, &n);
  printf("task_create read-only out: %d names kept %d\n", kr, after == before);
  printf("task_suspend child: %d\n", syscall_task_suspend(child));
  printf("task_suspend not a task: %d\n", syscall_task_suspend(host));
  printf("task_terminate child: %d\n", syscall_task_terminate(child));
  printf("child info after: %d\n", task_info(child, TASK_BASIC_INFO, (task_info_t)&info, &info_count));
  (void)mach_port_deallocate(self, child);

  printf("port_deallocate: %d\n", syscall_mach_port_deallocate(self, port));
  printf("port_deallocate unknown: %d\n", syscall_mach_port_deallocate(self, 0x999));
  printf("allocate_name: %d\n", syscall_mach_port_allocate_name(self, MACH_PORT_RIGHT_RECEIVE, 0x4242));
  printf("allocate_name again: %d\n", syscall_mach_port_allocate_name(self, MACH_PORT_RIGHT_RECEIVE, 0x4242));

  /* thread_set_self_state: the thread goes on in landed(), on a stack of its own. */
  struct i386_thread_state state;
  mach_msg_type_number_t count = i386_THREAD_STATE_COUNT;
  (void)thread_get_state(mach_thread_self(), i386_THREAD_STATE, (thread_state_t)&state, &count);
  printf("set_self_state bad flavor: %d\n", thread_set_self_state(99, (thread_state_t)&state, i386_THREAD_STATE_COUNT));
  printf("set_self_state short: %d\n", thread_set_self_state(i386_THREAD_STATE, (thread_state_t)&state, 3));
  printf("set_self_state unreadable: %d\n", thread_set_self_state(i386_THREAD_STATE, (thread_state_t)8, i386_THREAD_STATE_COUNT));
  vm_offset_t stack = 0;
  (void)syscall_vm_allocate(self, &stack, 4 * vm_page_size, TRUE);
  state.rip = (uintptr_t)landed;
  state.rdi = 4321;
  state.ursp = stack + 4 * vm_page_size - 8;
  state.rfl = 0x202;
  printf("set_self_state: %d\n", thread_set_self_state(i386_THREAD_STATE, (thread_state_t)&state, i386_THREAD_STATE_COUNT));
  return 1;
}

static void landed(long arg) {
  mach_port_t self = mach_task_self(), host = mach_host_self();
  printf("landed with %ld\n", arg);
  printf("task_terminate not a task: %d\n", syscall_task_terminate(host));
  printf("task_terminate self\n");
  syscall_task_terminate(self);
  printf("still running\n");
  for (;;) {
  }
}
