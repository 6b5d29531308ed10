// device/devices.h: the kernel's devices, behind the device master port
// (device.defs; the bootstrap task gets a send right to it).
//
// Two devices so far, made at boot and never destroyed:
//   "console"  device_write / device_write_inband print on the kernel
//              console (klog); device_read / device_read_inband give what
//              input has arrived (at least one byte, waiting for it unless
//              the mode has D_NOWAIT: D_WOULD_BLOCK; thread_abort ends the
//              wait: MACH_RCV_INTERRUPTED), none at the end of the input (a
//              hosted run's standard input); device_get_status and
//              device_set_status answer the terminal flavors
//              (<device/tty_status.h>) as GNU Mach's com driver does;
//   "time"     device_map answers with a memory object of one page, a
//              mapped_time_value_t the kernel keeps current (every clock
//              tick of a busy CPU and whenever a CPU leaves idle), which
//              vm_map maps read-only into a task: the time of day without
//              a system call. Readers read seconds, the sub-second field,
//              then check_seconds (time_value.h) and retry if they differ.
// Neither takes packet filters (device_set_filter: D_INVALID_OPERATION,
// as GNU Mach answers for what is no network device), and the time device
// has no status. Any other name is D_NO_SUCH_DEVICE. Their ports are kernel objects
// (KObjectType::kDevice, kDeviceMaster) that stand for the devices for
// the kernel's life.
#pragma once

#include <stddef.h>

#include <mach/time_value.h>

#include "ipc/port.h"

namespace umach::device {

// Makes the master port, the devices and the time page (kernel_bootstrap,
// after host::init).
void init();

ipc::Port* master_port();

// The ports the devices keep for the kernel's life (leak counts discount them).
size_t permanent_ports();

// Brings the mapped time page up to the time of day (the scheduler's clock
// hook). Cheap, and a no-op while another CPU is at it.
void update_mapped_time();

// The mapped time page's values as a reader sees them (for tests: the
// kernel's own reader of the protocol above).
mapped_time_value_t read_mapped_time();

}  // namespace umach::device
