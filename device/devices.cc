// device/devices.cc: the devices and the kernel's side of device.defs
// (device/devices.h).
//
// Not here yet: device_set_status, device_get_status, device_set_filter
// and the interrupt calls. They answer MIG_BAD_ID through the generated
// fallbacks.
#include "device/devices.h"

#include <device/device_types.h>

#include "core/kalloc.h"
#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/kstd/cstring.h"
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "device_kserver.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "vm/copy.h"
#include "vm/memory_object.h"

namespace umach::device {
namespace {

enum class Kind { kConsole, kTime };

struct Device {
  const char* name;
  Kind kind;
  ipc::Port* port = nullptr;  // made at init, kept for the kernel's life
};

// Set once at boot, before any task runs; read-only after.
Device g_devices[] = {{"console", Kind::kConsole}, {"time", Kind::kTime}};
ipc::Port* g_master = nullptr;
char g_master_object;
vm::KernelMemoryObject* g_time_object = nullptr;  // one reference, for the kernel's life
mapped_time_value_t* g_time_page = nullptr;       // the page, through the direct map
kstd::Atomic<bool> g_time_updating{false};

Device* device_of(ipc_port_t port) {
  return static_cast<Device*>(ipc::kobject_of(port, ipc::KObjectType::kDevice, [](void*) { return true; }));
}

template <class T>
void store(T* field, T value) {
  __atomic_store_n(field, value, __ATOMIC_RELEASE);
}
template <class T>
T load(const T* field) {
  return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

void console_write(const char* bytes, size_t n) { klog("%.*s", static_cast<int>(n), bytes); }

// How often a reader waiting for console input looks again: the platforms
// poll their input (no interrupt tells the kernel it came), and a person
// typing does not notice 10 ms.
constexpr uint64_t kConsolePollNs = 10'000'000;
kstd::Atomic<bool> g_console_reading{false};  // one reader takes input at a time: bytes stay in order

// device_read on the console: what input has arrived, up to n bytes,
// waiting for at least one unless `mode` has D_NOWAIT. 0 at the end of
// the input; D_WOULD_BLOCK in *error when D_NOWAIT finds none.
size_t console_read(char* buf, size_t n, dev_mode_t mode, kern_return_t* error) {
  *error = D_SUCCESS;
  if (n == 0) return 0;
  for (;;) {
    bool idle = false;
    long got = 0;
    if (g_console_reading.compare_exchange(idle, true, kstd::MemoryOrder::acquire, kstd::MemoryOrder::relaxed)) {
      got = Platform::console_read(buf, n);
      g_console_reading.store(false, kstd::MemoryOrder::release);
    }
    if (got > 0) return static_cast<size_t>(got);
    if (got < 0) return 0;
    if (mode & D_NOWAIT) {
      *error = D_WOULD_BLOCK;
      return 0;
    }
    sched::sleep_ns(kConsolePollNs);
  }
}

}  // namespace

void init() {
  if (g_master) return;
  auto master = ipc::kobject_port_create(ipc::KObjectType::kDeviceMaster, &g_master_object);
  kassert(master.ok());
  g_master = master.value().leak_ref();
  for (Device& d : g_devices) {
    auto port = ipc::kobject_port_create(ipc::KObjectType::kDevice, &d);
    kassert(port.ok());
    d.port = port.value().leak_ref();
  }
  // The time page: one wired page of an internal object, never paged out.
  vm::VmObject* o;
  {
    SpinlockGuard hold(vm::g_vm_lock);
    o = vm::VmObject::create(vm::kPageSize, MEMORY_OBJECT_COPY_NONE);
    kassert(o);
    vm::VmPage* p = vm::page_grab(true);
    kassert(p);
    p->wire_count = 1;
    o->insert(p, 0);
    g_time_page = static_cast<mapped_time_value_t*>(p->data());
  }
  auto handle = vm::KernelMemoryObject::create(o);
  kassert(handle.ok());
  g_time_object = handle.value().leak_ref();
  update_mapped_time();
  sched::set_clock_hook(update_mapped_time);
}

ipc::Port* master_port() { return g_master; }

size_t permanent_ports() { return g_master ? 2 + sizeof g_devices / sizeof g_devices[0] : 0; }

void update_mapped_time() {
  if (!g_time_page || g_time_updating.exchange(true, kstd::MemoryOrder::acquire)) return;
  const int64_t ns = host::time_of_day_ns();
  int64_t seconds = ns / 1'000'000'000, rest = ns % 1'000'000'000;
  if (rest < 0) rest += 1'000'000'000, --seconds;
  mapped_time_value_t* t = g_time_page;
  // GNU Mach's order: check_seconds, then the sub-second field, then
  // seconds; a reader reads the other way round.
  store(&t->check_seconds, static_cast<integer_t>(seconds));
  store(&t->microseconds, static_cast<integer_t>(rest / 1000));
  store(&t->seconds, static_cast<integer_t>(seconds));
  store(&t->check_seconds64, seconds);
  store(&t->time_value.nanoseconds, rest);
  store(&t->time_value.seconds, seconds);
  g_time_updating.store(false, kstd::MemoryOrder::release);
}

mapped_time_value_t read_mapped_time() {
  mapped_time_value_t v{};
  const mapped_time_value_t* t = g_time_page;
  if (!t) return v;
  do {
    v.time_value.seconds = load(&t->time_value.seconds);
    v.time_value.nanoseconds = load(&t->time_value.nanoseconds);
    v.check_seconds64 = load(&t->check_seconds64);
  } while (v.time_value.seconds != v.check_seconds64);
  do {
    v.seconds = load(&t->seconds);
    v.microseconds = load(&t->microseconds);
    v.check_seconds = load(&t->check_seconds);
  } while (v.seconds != v.check_seconds);
  return v;
}

}  // namespace umach::device

namespace umach::kserver {

using device::Device;

kern_return_t ds_device_open(ipc_port_t master, ipc_port_t, mach_msg_type_name_t, dev_mode_t, dev_name_t name,
                             ipc_port_t* port) {
  if (!master || master != device::master_port()) return D_INVALID_OPERATION;
  for (Device& d : device::g_devices) {
    const size_t n = kstd::strlen(d.name) + 1;  // the dispatch checked name ends within dev_name_t
    if (kstd::memcmp(d.name, name, n) != 0) continue;
    ipc::TransitRight right = ipc::kobject_make_send(d.port);
    *port = right.port;
    return D_SUCCESS;
  }
  return D_NO_SUCH_DEVICE;
}

kern_return_t ds_device_close(ipc_port_t port) { return device::device_of(port) ? D_SUCCESS : D_NO_SUCH_DEVICE; }

kern_return_t ds_device_write_inband(ipc_port_t port, ipc_port_t, mach_msg_type_name_t, dev_mode_t, recnum_t,
                                     io_buf_ptr_inband_t data, mach_msg_type_number_t count, int* written) {
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  device::console_write(data, count);
  *written = static_cast<int>(count);
  return D_SUCCESS;
}

kern_return_t ds_device_write(ipc_port_t port, ipc_port_t, mach_msg_type_name_t, dev_mode_t, recnum_t,
                              io_buf_ptr_t data, mach_msg_type_number_t count, int* written) {
  auto* copy = reinterpret_cast<vm::VmMapCopy*>(data);  // out of line: the kernel form's copy
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  char chunk[256];
  for (mach_msg_type_number_t at = 0; at < count;) {
    const size_t n = count - at < sizeof chunk ? count - at : sizeof chunk;
    vm::copy_read(copy, at, chunk, n);
    device::console_write(chunk, n);
    at += static_cast<mach_msg_type_number_t>(n);
  }
  vm::discard(copy);  // the routine's on success (ipc/kobject.cc)
  *written = static_cast<int>(count);
  return D_SUCCESS;
}

// device_read_inband: at most one inline buffer's worth.
kern_return_t ds_device_read_inband(ipc_port_t port, ipc_port_t, mach_msg_type_name_t, dev_mode_t mode, recnum_t,
                                    int bytes_wanted, io_buf_ptr_inband_t data, mach_msg_type_number_t* count) {
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  if (bytes_wanted < 0) return D_INVALID_SIZE;
  const size_t want = static_cast<size_t>(bytes_wanted) < sizeof(io_buf_ptr_inband_t)
                          ? static_cast<size_t>(bytes_wanted)
                          : sizeof(io_buf_ptr_inband_t);
  kern_return_t error;
  *count = static_cast<mach_msg_type_number_t>(device::console_read(data, want, mode, &error));
  return error;
}

// device_read: the bytes come back out of line, as a copy of a kernel
// buffer (at most kMaxRead a call: a console read returns what has
// arrived, seldom more than a line).
kern_return_t ds_device_read(ipc_port_t port, ipc_port_t, mach_msg_type_name_t, dev_mode_t mode, recnum_t,
                             int bytes_wanted, io_buf_ptr_t* data, mach_msg_type_number_t* count) {
  constexpr size_t kMaxRead = 4096;
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  if (bytes_wanted < 0) return D_INVALID_SIZE;
  const size_t want = static_cast<size_t>(bytes_wanted) < kMaxRead ? static_cast<size_t>(bytes_wanted) : kMaxRead;
  auto* buf = static_cast<char*>(kalloc(kMaxRead));  // not on the kernel stack
  if (!buf) return D_NO_MEMORY;
  kern_return_t error;
  const size_t n = device::console_read(buf, want, mode, &error);
  auto copy = n ? vm::copy_from_buffer(buf, n) : Result<vm::VmMapCopy*>(nullptr);
  kfree(buf, kMaxRead);
  if (error != D_SUCCESS) return error;
  *data = nullptr;
  *count = 0;
  if (n == 0) return D_SUCCESS;  // the end of the input
  if (!copy.ok()) return D_NO_MEMORY;
  *data = reinterpret_cast<io_buf_ptr_t>(copy.value());
  *count = static_cast<mach_msg_type_number_t>(n);
  return D_SUCCESS;
}

kern_return_t ds_device_map(ipc_port_t port, vm_prot_t prot, vm_offset_t offset, vm_size_t size, ipc_port_t* pager,
                            int) {
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kTime) return D_INVALID_OPERATION;
  if (prot & ~VM_PROT_READ) return D_READ_ONLY;  // the kernel's clock: nobody else writes it
  if (offset != 0 || size == 0 || size > vm::kPageSize) return D_INVALID_SIZE;
  *pager = device::g_time_object->make_send().port;
  return D_SUCCESS;
}

}  // namespace umach::kserver
