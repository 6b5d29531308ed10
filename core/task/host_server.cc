// core/task/host_server.cc: the kernel's side of the host's information
// calls (mach_host.defs): host_info, host_get_kernel_version,
// host_get_uptime64.
//
// The host port names the host; the host-privileged port does too, as in
// GNU Mach (every call that takes the host takes either). A null or other
// port is KERN_INVALID_HOST.
//
// Not here yet: the time-of-day calls (host_get_time, host_get_time64 and
// their set/adjust forms: no platform reads a real-time clock yet),
// host_reboot, and the processor and processor-set calls. They answer
// MIG_BAD_ID through the generated fallbacks.
#include <mach/host_info.h>
#include <mach/machine.h>

#include "core/kstd/cstring.h"
#include "core/page_alloc.h"
#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"

namespace umach::kserver {
namespace {

bool is_host(ipc_port_t port) { return port && (port == host::port() || port == host::priv_port()); }

#if defined(__x86_64__)
constexpr cpu_type_t kCpuType = CPU_TYPE_X86_64;
constexpr cpu_subtype_t kCpuSubtype = CPU_SUBTYPE_AT386;
#elif defined(__riscv) && __riscv_xlen == 64
constexpr cpu_type_t kCpuType = CPU_TYPE_RISCV64;
constexpr cpu_subtype_t kCpuSubtype = 0;  // no subtypes defined
#else
#error "a CPU type for this architecture"
#endif

// Copies `words` integer_t of `info` out if the caller made room for them
// (KERN_FAILURE otherwise, as GNU Mach answers a short count).
template <class T>
kern_return_t give(const T& info, host_info_t out, mach_msg_type_number_t* count) {
  constexpr mach_msg_type_number_t words = sizeof(T) / sizeof(integer_t);
  if (*count < words) return KERN_FAILURE;
  kstd::memcpy(out, &info, sizeof info);
  *count = words;
  return KERN_SUCCESS;
}

}  // namespace

kern_return_t host_info(ipc_port_t host, int flavor, host_info_t out, mach_msg_type_number_t* count) {
  if (!is_host(host)) return KERN_INVALID_HOST;
  const unsigned cpus = sched::cpu_count();
  switch (flavor) {
    case HOST_BASIC_INFO: {
      host_basic_info_data_t info{};
      info.max_cpus = static_cast<integer_t>(cpus);
      info.avail_cpus = static_cast<integer_t>(cpus);
      info.memory_size = page_allocator().total_pages() * Platform::kPageSize;
      info.cpu_type = kCpuType;
      info.cpu_subtype = kCpuSubtype;
      return give(info, out, count);
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
      return give(info, out, count);
    }
    case HOST_LOAD_INFO: {
      const sched::LoadAverages a = sched::load_averages();
      host_load_info_data_t info{};
      for (int i = 0; i < 3; ++i) {
        info.avenrun[i] = a.load[i];
        info.mach_factor[i] = a.mach_factor[i];
      }
      return give(info, out, count);
    }
    default:
      return KERN_INVALID_ARGUMENT;
  }
}

kern_return_t host_get_kernel_version(ipc_port_t host, kernel_version_t version) {
  if (!is_host(host)) return KERN_INVALID_HOST;
  const char* v = host::kernel_version();
  const size_t n = kstd::strlen(v);
  kstd::memcpy(version, v, n + 1);  // far shorter than KERNEL_VERSION_MAX
  return KERN_SUCCESS;
}

kern_return_t host_get_uptime64(ipc_port_t host, time_value64_t* uptime) {
  if (!is_host(host)) return KERN_INVALID_HOST;
  const uint64_t ns = Platform::clock_ns();
  uptime->seconds = static_cast<int64_t>(ns / 1'000'000'000);
  uptime->nanoseconds = static_cast<int64_t>(ns % 1'000'000'000);
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
