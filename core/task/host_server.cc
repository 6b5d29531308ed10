// core/task/host_server.cc: the kernel's side of the host's information
// calls (mach_host.defs): host_info, host_get_kernel_version,
// host_get_uptime64, and the time of day (host_get_time, host_set_time,
// host_adjust_time and their 64-bit forms; core/task/host.h keeps it).
//
// The host port names the host; the host-privileged port does too, as in
// GNU Mach (every call that takes the host takes either). A null or other
// port is KERN_INVALID_HOST.
//
// Setting or adjusting the time takes the host-privileged port
// (KERN_INVALID_HOST otherwise); a time value whose sub-second field is out
// of range is KERN_INVALID_ARGUMENT.
//
// host_reboot takes the host-privileged port: RB_HALT powers the machine
// off, any other options end it as a reboot (host.h), and RB_DEBUGGER,
// with no kernel debugger to enter, only says so (debug the hosted kernel
// with gdb) and answers KERN_SUCCESS, as GNU Mach does without KDB.
#include <mach/host_info.h>
#include <mach/machine.h>

#include "core/kstd/cstring.h"
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"

namespace umach::kserver {
namespace {


constexpr int64_t kNs = 1'000'000'000;

// Floor division, so a time before the epoch keeps 0 <= sub-second < 1 s.
void split(int64_t ns, int64_t* seconds, int64_t* rest) {
  *seconds = ns / kNs;
  *rest = ns % kNs;
  if (*rest < 0) *rest += kNs, --*seconds;
}

bool valid(const time_value_t& t) { return t.microseconds >= 0 && t.microseconds < 1'000'000; }
bool valid(const time_value64_t& t) { return t.nanoseconds >= 0 && t.nanoseconds < kNs; }
int64_t to_ns(const time_value_t& t) { return t.seconds * kNs + int64_t{t.microseconds} * 1000; }
int64_t to_ns(const time_value64_t& t) { return t.seconds * kNs + t.nanoseconds; }
void from_ns(int64_t ns, time_value_t* t) {
  int64_t s, rest;
  split(ns, &s, &rest);
  *t = time_value_t{};
  t->seconds = s;
  t->microseconds = static_cast<integer_t>(rest / 1000);
}
void from_ns(int64_t ns, time_value64_t* t) {
  *t = time_value64_t{};
  split(ns, &t->seconds, &t->nanoseconds);
}

// The time calls, once for both forms (time_value_t, time_value64_t).
template <class T>
kern_return_t get_time(ipc_port_t host, T* now) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  from_ns(host::time_of_day_ns(), now);
  return KERN_SUCCESS;
}
template <class T>
kern_return_t set_time(ipc_port_t host_priv, const T& t) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  if (!valid(t)) return KERN_INVALID_ARGUMENT;
  host::set_time_of_day_ns(to_ns(t));
  return KERN_SUCCESS;
}
template <class T>
kern_return_t adjust_time(ipc_port_t host_priv, const T& delta, T* left) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  if (!valid(delta)) return KERN_INVALID_ARGUMENT;
  from_ns(host::adjust_time_of_day_ns(to_ns(delta)), left);
  return KERN_SUCCESS;
}

}  // namespace

kern_return_t host_info(ipc_port_t host, int flavor, host_info_t out, mach_msg_type_number_t* count) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  const unsigned cpus = sched::cpu_count();
  switch (flavor) {
    case HOST_BASIC_INFO: {
      host_basic_info_data_t info{};
      info.max_cpus = static_cast<integer_t>(cpus);
      info.avail_cpus = static_cast<integer_t>(cpus);
      info.memory_size = page_allocator().total_pages() * Platform::kPageSize;
      info.cpu_type = host::kCpuType;
      info.cpu_subtype = host::kCpuSubtype;
      return host::copy_info(info, out, count);
    }
    case HOST_PROCESSOR_SLOTS: {
      // The slot numbers of the CPUs there are: 0 .. cpus - 1.
      if (*count < cpus) return KERN_FAILURE;
      for (unsigned i = 0; i < cpus; ++i) out[i] = static_cast<integer_t>(i);
      *count = cpus;
      return KERN_SUCCESS;
    }
    case HOST_SCHED_INFO: {
      host_sched_info_data_t info{};
      info.min_timeout = static_cast<integer_t>(sched::kTickNs / 1'000'000);
      info.min_quantum = static_cast<integer_t>(sched::kTickNs * sched::kQuantumTicks / 1'000'000);
      return host::copy_info(info, out, count);
    }
    case HOST_LOAD_INFO: {
      const sched::LoadAverages a = sched::load_averages();
      host_load_info_data_t info{};
      for (int i = 0; i < 3; ++i) {
        info.avenrun[i] = a.load[i];
        info.mach_factor[i] = a.mach_factor[i];
      }
      return host::copy_info(info, out, count);
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

kern_return_t host_get_kernel_version(ipc_port_t host, kernel_version_t version) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  const char* v = host::kernel_version();
  const size_t n = kstd::strlen(v);
  kstd::memcpy(version, v, n + 1);  // far shorter than KERNEL_VERSION_MAX
  return KERN_SUCCESS;
}

kern_return_t host_get_time(ipc_port_t host, time_value_t* current_time) { return get_time(host, current_time); }
kern_return_t host_get_time64(ipc_port_t host, time_value64_t* current_time) { return get_time(host, current_time); }
kern_return_t host_set_time(ipc_port_t host_priv, time_value_t new_time) { return set_time(host_priv, new_time); }
kern_return_t host_set_time64(ipc_port_t host_priv, time_value64_t new_time) { return set_time(host_priv, new_time); }
kern_return_t host_adjust_time(ipc_port_t host_priv, time_value_t new_adjustment, time_value_t* old_adjustment) {
  return adjust_time(host_priv, new_adjustment, old_adjustment);
}
kern_return_t host_adjust_time64(ipc_port_t host_priv, time_value64_t new_adjustment,
                                 time_value64_t* old_adjustment) {
  return adjust_time(host_priv, new_adjustment, old_adjustment);
}

kern_return_t host_reboot(ipc_port_t host_priv, int options) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  if (options & host::kRebootDebugger) {
    klog("umach: host_reboot(RB_DEBUGGER): no kernel debugger here\n");
    return KERN_SUCCESS;
  }
  host::reboot(options);  // returns only to a test's hook
  return KERN_SUCCESS;
}

kern_return_t host_get_uptime64(ipc_port_t host, time_value64_t* uptime) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  from_ns(static_cast<int64_t>(Platform::clock_ns()), uptime);
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
