// device/devices.cc: the devices and the kernel's side of device.defs
// (device/devices.h).
//
// Not here yet: the interrupt calls (device_intr_register,
// device_intr_ack). They answer MIG_BAD_ID through the generated
// fallbacks.
#include "device/devices.h"

#include <device/device_types.h>
#include <device/tty_status.h>

#include "core/kalloc.h"
#include "core/kassert.h"
#include "core/kstd/atomic.h"
#include "core/kstd/cstring.h"
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/spinlock.h"
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
    // thread_abort (or the thread's end) ends the wait. In GNU Mach the
    // read is queued and the caller waits in mach_msg's receive half,
    // which the abort interrupts: the caller sees MACH_RCV_INTERRUPTED.
    // Here the caller waits inside the request, so the reply says it;
    // nothing was taken from the input.
    if (sched::sleep_interruptible_ns(kConsolePollNs) == sched::WaitResult::kInterrupted) {
      *error = MACH_RCV_INTERRUPTED;
      return 0;
    }
  }
}

// TTY_FLUSH of D_READ: drops the input that has arrived and not been read,
// at most a terminal's input queue's worth (GNU Mach's tty keeps 4096
// bytes). A reader waiting goes on waiting, as GNU Mach's delayed reads do.
void console_flush_input() {
  constexpr size_t kTtyInputQueue = 4096;
  char chunk[256];
  for (size_t dropped = 0; dropped < kTtyInputQueue;) {
    bool idle = false;
    if (!g_console_reading.compare_exchange(idle, true, kstd::MemoryOrder::acquire, kstd::MemoryOrder::relaxed)) {
      Platform::cpu_relax();  // a reader is in the platform's read (it never blocks there)
      continue;
    }
    const long got = Platform::console_read(chunk, sizeof chunk);
    g_console_reading.store(false, kstd::MemoryOrder::release);
    if (got <= 0) return;
    dropped += static_cast<size_t>(got);
  }
}

// The console's line as GNU Mach's com driver keeps a serial line's: what
// TTY_STATUS and TTY_MODEM set comes back from device_get_status. The
// line is virtual (the platform's console needs no speed or parity), so
// the settings change nothing else, and its input signals are always up.
struct ConsoleLine {
  int ispeed = B115200, ospeed = B115200;  // com's defaults
  int breakc = 0;
  int flags = TF_EVENP | TF_ODDP | TF_ECHO | TF_CRMOD | TF_XTABS | TF_LITOUT;
  int modem = TM_DTR | TM_RTS;  // com raises them when it opens the line
  bool hupcls = false;          // TF_HUPCLS, kept apart as GNU Mach's TS_HUPCLS: once set, it
                                // stays until the line closes (the console never does)
};
constexpr int kModemInputs = TM_CTS | TM_DSR | TM_RNG | TM_CAR;  // what the line reports
constexpr int kLineUp = TM_CTS | TM_DSR | TM_CAR;
// Innermost: nothing is taken while it is held (the console's own rank).
Spinlock g_line_lock{LockRank::kConsole};
ConsoleLine g_line UMACH_GUARDED_BY(g_line_lock);

// device_get_status on the console: com's flavors (comgetstat,
// tty_get_status), with GNU Mach's errors: D_INVALID_OPERATION for an
// unknown flavor and for a count too small for TTY_STATUS.
io_return_t console_get_status(dev_flavor_t flavor, int* data, mach_msg_type_number_t* count) {
  SpinlockGuard hold(g_line_lock);
  switch (flavor) {
    case TTY_MODEM:
      // As comgetstat: the input signals read afresh, one int whatever
      // the count asked (the reply always has room).
      g_line.modem = (g_line.modem & ~kModemInputs) | kLineUp;
      data[0] = g_line.modem;
      *count = TTY_MODEM_COUNT;
      return D_SUCCESS;
    case TTY_STATUS: {
      if (*count < TTY_STATUS_COUNT) return D_INVALID_OPERATION;
      tty_status s{g_line.ispeed, g_line.ospeed, g_line.breakc, g_line.flags | (g_line.hupcls ? TF_HUPCLS : 0)};
      kstd::memcpy(data, &s, sizeof s);
      *count = TTY_STATUS_COUNT;
      return D_SUCCESS;
    }
    default:
      return D_INVALID_OPERATION;
  }
}

// comsetstat's modem control: DMSET of TM_HUP (0) hangs up, clearing DTR
// and RTS.
void set_modem_locked(int bits) UMACH_REQUIRES(g_line_lock) {
  g_line.modem = bits == TM_HUP ? g_line.modem & ~(TM_DTR | TM_RTS) : bits;
}

// device_set_status on the console: com's flavors (comsetstat,
// tty_set_status). A count too small for the flavor, or a speed outside
// the table, is D_INVALID_OPERATION as in GNU Mach (com reads TTY_MODEM's
// int whatever the count; here a request without it is refused too,
// rather than read past its end).
io_return_t console_set_status(dev_flavor_t flavor, const int* data, mach_msg_type_number_t count) {
  if (flavor == TTY_FLUSH) {
    if (count < TTY_FLUSH_COUNT) return D_INVALID_OPERATION;
    const int which = data[0] ? data[0] : D_READ | D_WRITE;
    if (which & D_READ) console_flush_input();
    // D_WRITE: nothing waits to go out (console writes are synchronous).
    return D_SUCCESS;
  }
  SpinlockGuard hold(g_line_lock);
  switch (flavor) {
    case TTY_SET_BREAK:
      g_line.modem |= TM_BRK;
      return D_SUCCESS;
    case TTY_CLEAR_BREAK:
      g_line.modem &= ~TM_BRK;
      return D_SUCCESS;
    case TTY_MODEM:
      if (count < TTY_MODEM_COUNT) return D_INVALID_OPERATION;
      set_modem_locked(data[0]);
      return D_SUCCESS;
    case TTY_STOP:
    case TTY_START:
      return D_SUCCESS;  // console output is never held back (klog writes at once)
    case TTY_STATUS: {
      if (count < TTY_STATUS_COUNT) return D_INVALID_OPERATION;
      tty_status s;
      kstd::memcpy(&s, data, sizeof s);
      if (s.tt_ispeed < 0 || s.tt_ispeed >= NSPEEDS || s.tt_ospeed < 0 || s.tt_ospeed >= NSPEEDS)
        return D_INVALID_OPERATION;
      g_line.ispeed = s.tt_ispeed;
      g_line.ospeed = s.tt_ospeed;
      g_line.breakc = s.tt_breakc;
      g_line.flags = s.tt_flags & ~TF_HUPCLS;
      g_line.hupcls = g_line.hupcls || (s.tt_flags & TF_HUPCLS);
      // As com's comparam: speed B0 hangs the line up; any other raises
      // DTR and RTS.
      if (s.tt_ispeed == B0) {
        g_line.hupcls = true;
        g_line.modem = 0;
      } else {
        g_line.modem |= TM_DTR | TM_RTS;
      }
      return D_SUCCESS;
    }
    default:
      return D_INVALID_OPERATION;
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
    // Pages a pager has not given yet are waited for, as GNU Mach's
    // device_write_get faults them in; one that cannot be had ends the
    // write with that error (what was written before it stays written),
    // and the dispatch destroys the request with its data.
    if (kern_return_t kr = vm::copy_read(copy, at, chunk, n); kr != KERN_SUCCESS) return kr;
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
  *data = nullptr;
  *count = 0;
  if (error != D_SUCCESS) return error;  // n is 0: no copy was made
  if (n == 0) return D_SUCCESS;          // the end of the input
  if (!copy.ok()) return D_NO_MEMORY;
  *data = reinterpret_cast<io_buf_ptr_t>(copy.value());
  *count = static_cast<mach_msg_type_number_t>(n);
  return D_SUCCESS;
}

// device_set_status / device_get_status: the console answers com's
// terminal flavors. The time device has none: D_INVALID_OPERATION (GNU
// Mach's nulldev entries answer D_SUCCESS and give nothing back).
kern_return_t ds_device_set_status(ipc_port_t port, dev_flavor_t flavor, dev_status_t status,
                                   mach_msg_type_number_t count) {
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  return device::console_set_status(flavor, status, count);
}

kern_return_t ds_device_get_status(ipc_port_t port, dev_flavor_t flavor, dev_status_t status,
                                   mach_msg_type_number_t* count) {
  Device* d = device::device_of(port);
  if (!d) return D_NO_SUCH_DEVICE;
  if (d->kind != device::Kind::kConsole) return D_INVALID_OPERATION;
  return device::console_get_status(flavor, status, count);
}

// device_set_filter: only network devices take filters, and there are
// none. GNU Mach's answers: D_NO_SUCH_DEVICE for what is no device, else
// D_INVALID_OPERATION (no receive port, or a device without input
// filtering). The receive right goes with the request (the dispatch
// destroys a request whose routine failed).
kern_return_t ds_device_set_filter(ipc_port_t port, ipc_port_t, int, filter_array_t, mach_msg_type_number_t) {
  if (!device::device_of(port)) return D_NO_SUCH_DEVICE;
  return D_INVALID_OPERATION;
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
