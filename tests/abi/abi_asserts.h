/* tests/abi/abi_asserts.h: compile-time checks of every size, offset and
 * number shared/ABI.md fixes, against umach's public headers.
 *
 * Included by abi_c.c (C11, hosted and freestanding, and also compiled as
 * freestanding C++) and abi_cxx.cc (C++20): the same facts hold in every
 * language and setting the headers promise. A failing assert names the
 * expression that broke. What cannot be a constant expression (how the
 * descriptor bit fields pack into their word) is checked at run time in
 * abi_cxx.cc. */
#ifndef UMACH_TESTS_ABI_ASSERTS_H
#define UMACH_TESTS_ABI_ASSERTS_H

#include <stddef.h>

#include <device/device_types.h>
#include <device/net_status.h>
#include <mach/default_pager_types.h>
#include <mach/exception.h>
#include <mach/kern_return.h>
#include <mach/mach_types.h>
#include <mach/message.h>
#include <mach/mig_errors.h>
#include <mach/notify.h>
#include <mach/port.h>
#include <mach/processor_info.h>
#include <mach/syscall_sw.h>
#include <mach/task_info.h>
#include <mach/thread_info.h>
#include <mach/thread_status.h>
#include <mach/time_value.h>
#include <mach/vm_param.h>

#ifdef __cplusplus
#define ABI_ASSERT(cond) static_assert(cond, #cond)
#define ABI_ALIGNOF(type) alignof(type)
#else
#define ABI_ASSERT(cond) _Static_assert(cond, #cond)
#define ABI_ALIGNOF(type) _Alignof(type)
#endif
#define ABI_SIZE(type, n) ABI_ASSERT(sizeof(type) == (n))
#define ABI_OFFSET(type, member, n) ABI_ASSERT(offsetof(type, member) == (n))
#define ABI_MEMBER_SIZE(type, member, n) ABI_ASSERT(sizeof(((type *)0)->member) == (n))

/* ---- Scalar types (ABI.md "Types"). ---- */
ABI_SIZE(natural_t, 4);
ABI_SIZE(integer_t, 4);
ABI_SIZE(mach_port_t, 4);
ABI_SIZE(mach_port_name_t, 4);
ABI_SIZE(kern_return_t, 4);
ABI_SIZE(mach_msg_bits_t, 4);
ABI_SIZE(mach_msg_size_t, 4);
ABI_SIZE(mach_msg_id_t, 4);
ABI_SIZE(mach_port_seqno_t, 4);
ABI_SIZE(mach_msg_type_number_t, 4);
ABI_SIZE(boolean_t, 4);
ABI_SIZE(vm_offset_t, 8);
ABI_SIZE(vm_address_t, 8);
ABI_SIZE(vm_size_t, 8);
ABI_SIZE(rpc_uintptr_t, 8);
ABI_SIZE(rpc_vm_size_t, 8);
ABI_SIZE(rpc_long_integer_t, 8);
ABI_SIZE(rpc_long_natural_t, 8);
ABI_SIZE(rpc_phys_addr_t, 8);
ABI_SIZE(pointer_t, 8);
/* Every object port of the user API is a 32-bit name. */
ABI_SIZE(task_t, 4);
ABI_SIZE(thread_t, 4);
ABI_SIZE(vm_map_t, 4);
ABI_SIZE(ipc_space_t, 4);
ABI_SIZE(host_t, 4);
ABI_SIZE(host_priv_t, 4);
ABI_SIZE(processor_set_name_t, 4);
ABI_SIZE(memory_object_t, 4);
ABI_SIZE(device_t, 4);

/* ---- mach_msg_header_t: 32 bytes. ---- */
ABI_SIZE(mach_msg_header_t, 32);
ABI_ASSERT(ABI_ALIGNOF(mach_msg_header_t) == 8);
ABI_OFFSET(mach_msg_header_t, msgh_bits, 0);
ABI_OFFSET(mach_msg_header_t, msgh_size, 4);
ABI_OFFSET(mach_msg_header_t, msgh_remote_port, 8);
ABI_OFFSET(mach_msg_header_t, msgh_remote_port_slot, 8);
ABI_MEMBER_SIZE(mach_msg_header_t, msgh_remote_port_slot, 8);
ABI_OFFSET(mach_msg_header_t, msgh_local_port, 16);
ABI_OFFSET(mach_msg_header_t, msgh_local_port_slot, 16);
ABI_MEMBER_SIZE(mach_msg_header_t, msgh_local_port_slot, 8);
ABI_OFFSET(mach_msg_header_t, msgh_protected_payload, 16);
ABI_MEMBER_SIZE(mach_msg_header_t, msgh_protected_payload, 8);
ABI_OFFSET(mach_msg_header_t, msgh_seqno, 24);
ABI_OFFSET(mach_msg_header_t, msgh_id, 28);

/* ---- Type descriptors: 8 bytes, 8-aligned, count in the second word. ---- */
ABI_SIZE(mach_msg_type_t, 8);
ABI_ASSERT(ABI_ALIGNOF(mach_msg_type_t) == 8);
ABI_OFFSET(mach_msg_type_t, msgt_number, 4);
ABI_SIZE(mach_msg_type_long_t, 8);
ABI_ASSERT(ABI_ALIGNOF(mach_msg_type_long_t) == 8);
ABI_OFFSET(mach_msg_type_long_t, msgtl_header, 0);
ABI_OFFSET(mach_msg_type_long_t, msgtl_number, 4);
ABI_ASSERT(MACH_MSG_USER_ALIGNMENT == 8);
ABI_ASSERT(mach_msg_user_align(41) == 48);
ABI_ASSERT(mach_msg_user_align(48) == 48);

/* ---- Message constants (unchanged from GNU Mach). ---- */
ABI_ASSERT(MACH_MSG_TYPE_BOOLEAN == 0);
ABI_ASSERT(MACH_MSG_TYPE_INTEGER_16 == 1);
ABI_ASSERT(MACH_MSG_TYPE_INTEGER_32 == 2);
ABI_ASSERT(MACH_MSG_TYPE_CHAR == 8);
ABI_ASSERT(MACH_MSG_TYPE_BYTE == 9);
ABI_ASSERT(MACH_MSG_TYPE_INTEGER_8 == 9);
ABI_ASSERT(MACH_MSG_TYPE_REAL == 10);
ABI_ASSERT(MACH_MSG_TYPE_INTEGER_64 == 11);
ABI_ASSERT(MACH_MSG_TYPE_STRING == 12);
ABI_ASSERT(MACH_MSG_TYPE_STRING_C == 12);
ABI_ASSERT(MACH_MSG_TYPE_PORT_NAME == 15);
ABI_ASSERT(MACH_MSG_TYPE_MOVE_RECEIVE == 16);
ABI_ASSERT(MACH_MSG_TYPE_MOVE_SEND == 17);
ABI_ASSERT(MACH_MSG_TYPE_MOVE_SEND_ONCE == 18);
ABI_ASSERT(MACH_MSG_TYPE_COPY_SEND == 19);
ABI_ASSERT(MACH_MSG_TYPE_MAKE_SEND == 20);
ABI_ASSERT(MACH_MSG_TYPE_MAKE_SEND_ONCE == 21);
ABI_ASSERT(MACH_MSG_TYPE_PROTECTED_PAYLOAD == 23);
ABI_ASSERT(MACH_MSG_TYPE_LAST == 23);
ABI_ASSERT(MACH_MSG_TYPE_PORT_RECEIVE == MACH_MSG_TYPE_MOVE_RECEIVE);
ABI_ASSERT(MACH_MSG_TYPE_PORT_SEND == MACH_MSG_TYPE_MOVE_SEND);
ABI_ASSERT(MACH_MSG_TYPE_PORT_SEND_ONCE == MACH_MSG_TYPE_MOVE_SEND_ONCE);
ABI_ASSERT(MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE) == 0x1513);
ABI_ASSERT(MACH_MSGH_BITS_COMPLEX == 0x80000000U);
ABI_ASSERT(MACH_MSGH_BITS_REMOTE_MASK == 0xff && MACH_MSGH_BITS_LOCAL_MASK == 0xff00);
ABI_ASSERT(MACH_SEND_MSG == 1 && MACH_RCV_MSG == 2);
ABI_ASSERT(MACH_SEND_TIMEOUT == 0x10 && MACH_SEND_NOTIFY == 0x20);
ABI_ASSERT(MACH_SEND_INTERRUPT == 0x40 && MACH_SEND_CANCEL == 0x80);
ABI_ASSERT(MACH_RCV_TIMEOUT == 0x100 && MACH_RCV_NOTIFY == 0x200);
ABI_ASSERT(MACH_RCV_INTERRUPT == 0x400 && MACH_RCV_LARGE == 0x800);
ABI_ASSERT(MACH_MSG_TIMEOUT_NONE == 0);
ABI_ASSERT(MACH_MSG_SUCCESS == 0);
ABI_ASSERT(MACH_SEND_IN_PROGRESS == 0x10000001);
ABI_ASSERT(MACH_SEND_INVALID_DEST == 0x10000003);
ABI_ASSERT(MACH_SEND_INVALID_HEADER == 0x10000010);
ABI_ASSERT(MACH_RCV_IN_PROGRESS == 0x10004001);
ABI_ASSERT(MACH_RCV_TOO_LARGE == 0x10004004);
ABI_ASSERT(MACH_RCV_PORT_DIED == 0x10004009);
ABI_ASSERT(MACH_RCV_IN_SET == 0x1000400a);
ABI_ASSERT(MACH_RCV_HEADER_ERROR == 0x1000400b);
ABI_ASSERT(MACH_RCV_BODY_ERROR == 0x1000400c);
ABI_ASSERT(MACH_MSG_IPC_SPACE == 0x2000 && MACH_MSG_VM_SPACE == 0x1000);
ABI_ASSERT(MACH_MSG_IPC_KERNEL == 0x800 && MACH_MSG_VM_KERNEL == 0x400);

/* ---- Ports. ---- */
ABI_ASSERT(MACH_PORT_NULL == 0);
ABI_ASSERT(MACH_PORT_DEAD == 0xffffffffu);
ABI_ASSERT(MACH_PORT_VALID(1) && !MACH_PORT_VALID(MACH_PORT_NULL) && !MACH_PORT_VALID(MACH_PORT_DEAD));
ABI_ASSERT(MACH_PORT_RIGHT_SEND == 0 && MACH_PORT_RIGHT_RECEIVE == 1);
ABI_ASSERT(MACH_PORT_RIGHT_SEND_ONCE == 2 && MACH_PORT_RIGHT_PORT_SET == 3);
ABI_ASSERT(MACH_PORT_RIGHT_DEAD_NAME == 4 && MACH_PORT_RIGHT_NUMBER == 5);
ABI_ASSERT(MACH_PORT_TYPE_SEND == 0x10000 && MACH_PORT_TYPE_RECEIVE == 0x20000);
ABI_ASSERT(MACH_PORT_TYPE_DEAD_NAME == 0x100000);
ABI_SIZE(mach_port_status_t, 36);

/* ---- KERN_* (GNU Mach's values; 11 and 25 unused). ---- */
ABI_ASSERT(KERN_SUCCESS == 0);
ABI_ASSERT(KERN_INVALID_ADDRESS == 1);
ABI_ASSERT(KERN_PROTECTION_FAILURE == 2);
ABI_ASSERT(KERN_NO_SPACE == 3);
ABI_ASSERT(KERN_INVALID_ARGUMENT == 4);
ABI_ASSERT(KERN_FAILURE == 5);
ABI_ASSERT(KERN_RESOURCE_SHORTAGE == 6);
ABI_ASSERT(KERN_NOT_RECEIVER == 7);
ABI_ASSERT(KERN_NO_ACCESS == 8);
ABI_ASSERT(KERN_MEMORY_FAILURE == 9);
ABI_ASSERT(KERN_MEMORY_ERROR == 10);
ABI_ASSERT(KERN_NOT_IN_SET == 12);
ABI_ASSERT(KERN_NAME_EXISTS == 13);
ABI_ASSERT(KERN_ABORTED == 14);
ABI_ASSERT(KERN_INVALID_NAME == 15);
ABI_ASSERT(KERN_INVALID_TASK == 16);
ABI_ASSERT(KERN_INVALID_RIGHT == 17);
ABI_ASSERT(KERN_INVALID_VALUE == 18);
ABI_ASSERT(KERN_UREFS_OVERFLOW == 19);
ABI_ASSERT(KERN_INVALID_CAPABILITY == 20);
ABI_ASSERT(KERN_RIGHT_EXISTS == 21);
ABI_ASSERT(KERN_INVALID_HOST == 22);
ABI_ASSERT(KERN_MEMORY_PRESENT == 23);
ABI_ASSERT(KERN_WRITE_PROTECTION_FAILURE == 24);
ABI_ASSERT(KERN_TERMINATED == 26);
ABI_ASSERT(KERN_TIMEDOUT == 27);
ABI_ASSERT(KERN_INTERRUPTED == 28);
ABI_ASSERT(MIG_TYPE_ERROR == -300 && MIG_BAD_ID == -303 && MIG_NO_REPLY == -305);
ABI_ASSERT(MIG_DESTROY_REQUEST == -309);

/* ---- mig_reply_header_t: 48 bytes, RetCode at 40. ---- */
ABI_SIZE(mig_reply_header_t, 48);
ABI_OFFSET(mig_reply_header_t, Head, 0);
ABI_OFFSET(mig_reply_header_t, RetCodeType, 32);
ABI_OFFSET(mig_reply_header_t, RetCode, 40);

/* ---- Notifications: ids (shared/msgids.txt) and layouts. ---- */
ABI_ASSERT(MACH_NOTIFY_PORT_DELETED == 65);
ABI_ASSERT(MACH_NOTIFY_MSG_ACCEPTED == 66);
ABI_ASSERT(MACH_NOTIFY_PORT_DESTROYED == 69);
ABI_ASSERT(MACH_NOTIFY_NO_SENDERS == 70);
ABI_ASSERT(MACH_NOTIFY_SEND_ONCE == 71);
ABI_ASSERT(MACH_NOTIFY_DEAD_NAME == 72);
ABI_SIZE(mach_port_deleted_notification_t, 48);
ABI_OFFSET(mach_port_deleted_notification_t, not_type, 32);
ABI_OFFSET(mach_port_deleted_notification_t, not_port, 40);
ABI_SIZE(mach_msg_accepted_notification_t, 48);
ABI_OFFSET(mach_msg_accepted_notification_t, not_port, 40);
ABI_SIZE(mach_port_destroyed_notification_t, 48);
ABI_OFFSET(mach_port_destroyed_notification_t, not_port, 40);
ABI_SIZE(mach_no_senders_notification_t, 48);
ABI_OFFSET(mach_no_senders_notification_t, not_count, 40);
ABI_SIZE(mach_send_once_notification_t, 32);
ABI_SIZE(mach_dead_name_notification_t, 48);
ABI_OFFSET(mach_dead_name_notification_t, not_port, 40);

/* ---- Time values: 16 bytes each. ---- */
ABI_SIZE(rpc_time_value_t, 16);
ABI_OFFSET(rpc_time_value_t, seconds, 0);
ABI_MEMBER_SIZE(rpc_time_value_t, seconds, 8);
ABI_OFFSET(rpc_time_value_t, microseconds, 8);
ABI_SIZE(time_value_t, 16);
ABI_OFFSET(time_value_t, seconds, 0);
ABI_MEMBER_SIZE(time_value_t, seconds, 8);
ABI_OFFSET(time_value_t, microseconds, 8);
ABI_SIZE(time_value64_t, 16);
ABI_OFFSET(time_value64_t, seconds, 0);
ABI_OFFSET(time_value64_t, nanoseconds, 8);
ABI_MEMBER_SIZE(time_value64_t, nanoseconds, 8);

/* ---- task_basic_info: 120 bytes, count 30. ---- */
ABI_SIZE(struct task_basic_info, 120);
ABI_ASSERT(TASK_BASIC_INFO_COUNT == 30);
ABI_ASSERT(TASK_BASIC_INFO == 1);
ABI_OFFSET(struct task_basic_info, suspend_count, 0);
ABI_OFFSET(struct task_basic_info, base_priority, 4);
ABI_OFFSET(struct task_basic_info, virtual_size, 8);
ABI_OFFSET(struct task_basic_info, resident_size, 16);
ABI_OFFSET(struct task_basic_info, user_time, 24);
ABI_OFFSET(struct task_basic_info, system_time, 40);
ABI_OFFSET(struct task_basic_info, creation_time, 56);
ABI_OFFSET(struct task_basic_info, user_time64, 72);
ABI_OFFSET(struct task_basic_info, system_time64, 88);
ABI_OFFSET(struct task_basic_info, creation_time64, 104);
ABI_ASSERT(TASK_EVENTS_INFO_COUNT == 14);
ABI_ASSERT(TASK_THREAD_TIMES_INFO_COUNT == 16);

/* ---- thread_basic_info: 128 bytes, count 32. ---- */
ABI_SIZE(struct thread_basic_info, 128);
ABI_ASSERT(THREAD_BASIC_INFO_COUNT == 32);
ABI_ASSERT(THREAD_BASIC_INFO == 1);
ABI_OFFSET(struct thread_basic_info, user_time, 0);
ABI_OFFSET(struct thread_basic_info, system_time, 16);
ABI_OFFSET(struct thread_basic_info, cpu_usage, 32);
ABI_OFFSET(struct thread_basic_info, base_priority, 36);
ABI_OFFSET(struct thread_basic_info, cur_priority, 40);
ABI_OFFSET(struct thread_basic_info, run_state, 44);
ABI_OFFSET(struct thread_basic_info, flags, 48);
ABI_OFFSET(struct thread_basic_info, suspend_count, 52);
ABI_OFFSET(struct thread_basic_info, sleep_time, 56);
ABI_OFFSET(struct thread_basic_info, creation_time, 64);
ABI_OFFSET(struct thread_basic_info, user_time64, 80);
ABI_OFFSET(struct thread_basic_info, system_time64, 96);
ABI_OFFSET(struct thread_basic_info, creation_time64, 112);
ABI_ASSERT(THREAD_SCHED_INFO_COUNT == 8); /* depressed, then depress_priority, as GNU Mach's */
ABI_OFFSET(struct thread_sched_info, depressed, 20);

/* ---- Other info flavors and fixed strings. ---- */
ABI_SIZE(struct host_basic_info, 24);
ABI_ASSERT(HOST_BASIC_INFO_COUNT == 6);
ABI_ASSERT(HOST_SCHED_INFO_COUNT == 2 && HOST_LOAD_INFO_COUNT == 6);
ABI_ASSERT(PROCESSOR_BASIC_INFO_COUNT == 5); /* with running and is_master, as GNU Mach's */
ABI_OFFSET(struct processor_basic_info, slot_num, 12);
ABI_SIZE(kernel_version_t, 512);
ABI_SIZE(kernel_boot_info_t, 4096);
ABI_SIZE(vm_statistics_data_t, 13 * 4);
ABI_SIZE(vm_cache_statistics_data_t, 11 * 4);
ABI_SIZE(dev_name_t, 128);
ABI_SIZE(io_buf_ptr_inband_t, 128);
ABI_SIZE(recnum_t, 8);
ABI_SIZE(filter_t, 2);
ABI_SIZE(default_pager_filename_t, 256);
ABI_SIZE(kernel_debug_name_t, 64);
ABI_ASSERT(THREAD_STATE_MAX == 1024 && TASK_INFO_MAX == 1024 && THREAD_INFO_MAX == 1024);

/* ---- Traps (ABI.md "Traps"). ---- */
ABI_ASSERT(MACH_TRAP_mach_msg_trap == 25 && MACH_TRAP_ARGS_mach_msg_trap == 7);
ABI_ASSERT(MACH_TRAP_mach_reply_port == 26);
ABI_ASSERT(MACH_TRAP_mach_thread_self == 27);
ABI_ASSERT(MACH_TRAP_mach_task_self == 28);
ABI_ASSERT(MACH_TRAP_mach_host_self == 29);
ABI_ASSERT(MACH_TRAP_mach_print == 30);
ABI_ASSERT(MACH_TRAP_swtch_pri == 59);
ABI_ASSERT(MACH_TRAP_swtch == 60);
ABI_ASSERT(MACH_TRAP_thread_switch == 61);
ABI_ASSERT(MACH_TRAP_syscall_vm_map == 64 && MACH_TRAP_ARGS_syscall_vm_map == 11);
ABI_ASSERT(MACH_TRAP_syscall_vm_allocate == 65);
ABI_ASSERT(MACH_TRAP_syscall_vm_deallocate == 66);
ABI_ASSERT(MACH_TRAP_syscall_task_create == 68);
ABI_ASSERT(MACH_TRAP_syscall_task_terminate == 69);
ABI_ASSERT(MACH_TRAP_syscall_task_suspend == 70);
ABI_ASSERT(MACH_TRAP_syscall_task_set_special_port == 71);
ABI_ASSERT(MACH_TRAP_syscall_mach_port_allocate == 72);
ABI_ASSERT(MACH_TRAP_syscall_mach_port_deallocate == 73);
ABI_ASSERT(MACH_TRAP_syscall_mach_port_insert_right == 74);
ABI_ASSERT(MACH_TRAP_syscall_mach_port_allocate_name == 75);
ABI_ASSERT(MACH_TRAP_syscall_thread_depress_abort == 76);
ABI_ASSERT(MACH_TRAP_thread_set_self_state == 77);
ABI_ASSERT(MACH_TRAP_LAST == 77);

/* ---- Exceptions. ---- */
ABI_ASSERT(EXC_BAD_ACCESS == 1 && EXC_BAD_INSTRUCTION == 2 && EXC_ARITHMETIC == 3);
ABI_ASSERT(EXC_EMULATION == 4 && EXC_SOFTWARE == 5 && EXC_BREAKPOINT == 6);
ABI_ASSERT(EXC_I386_INVOP == 1);

/* ---- Thread state (ABI.md "Thread state, x86-64"; RISC-V64 is umach's). ---- */
#if defined(__x86_64__)
ABI_ASSERT(i386_THREAD_STATE == 1 && i386_FLOAT_STATE == 2 && i386_REGS_SEGS_STATE == 5);
ABI_ASSERT(i386_FSGS_BASE_STATE == 7 && i386_XFLOAT_STATE == 8);
ABI_OFFSET(struct i386_thread_state, r8, 0);
ABI_OFFSET(struct i386_thread_state, r9, 8);
ABI_OFFSET(struct i386_thread_state, r10, 16);
ABI_OFFSET(struct i386_thread_state, r11, 24);
ABI_OFFSET(struct i386_thread_state, r12, 32);
ABI_OFFSET(struct i386_thread_state, r13, 40);
ABI_OFFSET(struct i386_thread_state, r14, 48);
ABI_OFFSET(struct i386_thread_state, r15, 56);
ABI_OFFSET(struct i386_thread_state, rdi, 64);
ABI_OFFSET(struct i386_thread_state, rsi, 72);
ABI_OFFSET(struct i386_thread_state, rbp, 80);
ABI_OFFSET(struct i386_thread_state, rsp, 88);
ABI_OFFSET(struct i386_thread_state, rbx, 96);
ABI_OFFSET(struct i386_thread_state, rdx, 104);
ABI_OFFSET(struct i386_thread_state, rcx, 112);
ABI_OFFSET(struct i386_thread_state, rax, 120);
ABI_OFFSET(struct i386_thread_state, rip, 128);
ABI_OFFSET(struct i386_thread_state, cs, 136);
ABI_MEMBER_SIZE(struct i386_thread_state, cs, 4);
ABI_OFFSET(struct i386_thread_state, rfl, 144);
ABI_OFFSET(struct i386_thread_state, ursp, 152);
ABI_OFFSET(struct i386_thread_state, ss, 160);
ABI_MEMBER_SIZE(struct i386_thread_state, ss, 4);
ABI_SIZE(struct i386_thread_state, 168);
ABI_ASSERT(i386_THREAD_STATE_COUNT == 42);
ABI_OFFSET(struct i386_float_state, fpkind, 0);
ABI_OFFSET(struct i386_float_state, initialized, 4);
ABI_OFFSET(struct i386_float_state, hw_state, 8);
ABI_ASSERT(FP_STATE_BYTES == 108);
ABI_OFFSET(struct i386_float_state, exc_status, 116);
ABI_ASSERT(i386_FLOAT_STATE_COUNT == 30);
ABI_OFFSET(struct i386_fsgs_base_state, fs_base, 0);
ABI_OFFSET(struct i386_fsgs_base_state, gs_base, 8);
ABI_SIZE(struct i386_fsgs_base_state, 16);
ABI_ASSERT(i386_FSGS_BASE_STATE_COUNT == 4);
ABI_OFFSET(struct i386_xfloat_state, fpkind, 0);
ABI_OFFSET(struct i386_xfloat_state, initialized, 4);
ABI_OFFSET(struct i386_xfloat_state, exc_status, 8);
ABI_OFFSET(struct i386_xfloat_state, fp_save_kind, 12);
ABI_OFFSET(struct i386_xfloat_state, hw_state, 16);
ABI_SIZE(struct i386_xfp_save, 576);
#elif defined(__riscv) && __riscv_xlen == 64
ABI_ASSERT(riscv64_THREAD_STATE == 1 && riscv64_FLOAT_STATE == 2);
ABI_OFFSET(struct riscv64_thread_state, x1, 0);
ABI_OFFSET(struct riscv64_thread_state, x2, 8);
ABI_OFFSET(struct riscv64_thread_state, x10, 72);
ABI_OFFSET(struct riscv64_thread_state, x17, 128);
ABI_OFFSET(struct riscv64_thread_state, x31, 240);
ABI_OFFSET(struct riscv64_thread_state, pc, 248);
ABI_SIZE(struct riscv64_thread_state, 256);
ABI_ASSERT(riscv64_THREAD_STATE_COUNT == 64);
ABI_OFFSET(struct riscv64_float_state, f, 0);
ABI_OFFSET(struct riscv64_float_state, fcsr, 256);
ABI_SIZE(struct riscv64_float_state, 264);
ABI_ASSERT(riscv64_FLOAT_STATE_COUNT == 66);
#else
#error "no thread-state checks for this target"
#endif

/* ---- Pages. ---- */
ABI_ASSERT(PAGE_SIZE == 4096);

#endif /* UMACH_TESTS_ABI_ASSERTS_H */
