// core/task/processor.cc: processors and the processor set, as Mach
// objects (mach_host.defs): each CPU's processor port, and the one
// processor set, the default, with its control and name ports.
//
// umach has one processor set, as GNU Mach built without MACH_HOST: every
// CPU, task and thread belongs to the default set. So
//   - processor_set_create answers KERN_FAILURE and processor_set_destroy
//     of the default set KERN_FAILURE (GNU Mach's answers);
//   - assigning a processor, task or thread to the default set succeeds
//     and changes nothing (it is there already); any other port is
//     KERN_INVALID_ARGUMENT;
//   - processor_start, processor_exit and processor_control answer
//     KERN_FAILURE: CPUs are not taken offline or controlled.
// The information calls answer from the scheduler. The ports are made at
// boot once the CPU count is known (kernel_bootstrap_cpus; a kernel with
// no scheduler, as some tests run, makes them on first use) and kept for
// the kernel's life (host::permanent_ports counts them).
//
// The set's own calls, with its control port only (the name port, or any
// other, is KERN_INVALID_ARGUMENT, as GNU Mach's conversion makes it):
//   - processor_set_tasks and processor_set_threads: send rights to every
//     task and thread that has not terminated (the kernel's lists of all
//     tasks and threads, core/task/task.h's KernelList), each the port a
//     task_get_special_port / thread_get_special_port of the kernel port
//     would give (GNU Mach's convert_task_to_port); one that ended after
//     the snapshot is MACH_PORT_DEAD, as in task_threads;
//   - processor_set_max_priority: the maximum new threads get (capped at
//     it); with change_threads, every thread whose maximum is higher
//     (numerically lower) comes down to it, its priority with it (GNU
//     Mach's loop). Until set it is 0, the highest, so a new thread keeps
//     the maximum its task's priority gives it (GNU Mach starts the set
//     at BASEPRI_USER, which umach's threads get as their own maximum);
//   - processor_set_policy_enable/disable: the mask processor_set_info's
//     PROCESSOR_SET_SCHED_INFO reports. POLICY_TIMESHARE is always
//     enabled (disabling it is KERN_INVALID_ARGUMENT, as any value that is
//     no policy); POLICY_FIXEDPRI may be enabled and disabled (GNU Mach is
//     built with MACH_FIXPRI); disabling it with change_threads moves
//     the threads under it back to POLICY_TIMESHARE. thread_policy
//     (core/task/switch.cc) accepts only what the set enables.
#include <mach/host_info.h>
#include <mach/machine.h>
#include <mach/policy.h>
#include <mach/processor_info.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>

#include "core/kalloc.h"
#include "core/kstd/cstring.h"
#include "core/sched/config.h"
#include "core/sched/sched.h"
#include "core/kstd/atomic.h"
#include "core/kstd/utility.h"
#include "core/platform/platform.h"
#include "core/task/host.h"
#include "core/task/processor.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "ipc/kobject.h"
#include "ipc/kserver.h"
#include "mach_host_kserver.h"

namespace umach::processor {
namespace {

// Made once, by the first call that needs them; read-only afterwards.
struct Processors {
  // 0: not made, 1: being made (others wait), 2: made. No lock: the
  // dispatch runs on kernel and (in tests) host threads alike, and making
  // ports allocates and takes port locks.
  kstd::Atomic<int> state{0};
  unsigned count = 0;
  ipc::Port* cpu[Platform::kMaxCpus] = {};
  ipc::Port* set = nullptr;
  ipc::Port* set_name = nullptr;
  kstd::Atomic<size_t> ports{0};  // made so far (leak audits read it from anywhere)
  // The set's scheduling state (processor_set_max_priority, _policy_*).
  kstd::Atomic<int> max_priority{sched::kPriorityHighest};
  kstd::Atomic<int> policies{POLICY_TIMESHARE};
};
[[clang::no_destroy]] constinit Processors g;
char g_set_object;  // what the set's ports stand for

ipc::Port* make_port(ipc::KObjectType type, void* object) {
  auto p = ipc::kobject_port_create(type, object);
  if (!p.ok()) return nullptr;
  g.ports.fetch_add(1, kstd::MemoryOrder::relaxed);
  return kstd::move(p).take().leak_ref();
}

// Makes the ports once; false if the kernel had no memory for them (what
// was made is kept, a later call makes the rest).
bool ensure_made() {
  for (;;) {
    int seen = g.state.load(kstd::MemoryOrder::acquire);
    if (seen == 2) return true;
    if (seen == 0 && g.state.compare_exchange(seen, 1, kstd::MemoryOrder::acquire, kstd::MemoryOrder::acquire)) break;
    Platform::cpu_relax();  // another thread makes them: a few allocations
  }
  const unsigned cpus = sched::cpu_count();
  if (!g.set) g.set = make_port(ipc::KObjectType::kProcessorSet, &g_set_object);
  if (!g.set_name) g.set_name = make_port(ipc::KObjectType::kProcessorSetName, &g_set_object);
  for (unsigned i = g.count; i < cpus && g.set && g.set_name; ++i) {
    // The processor's object is its slot number (+1, so slot 0 is not null).
    g.cpu[i] = make_port(ipc::KObjectType::kProcessor, reinterpret_cast<void*>(uintptr_t{i} + 1));
    if (!g.cpu[i]) break;
    g.count = i + 1;
  }
  const bool made = g.set && g.set_name && g.count == cpus;
  g.state.store(made ? 2 : 0, kstd::MemoryOrder::release);
  return made;
}

// The slot of the processor `port` stands for, or -1.
int slot_of(ipc_port_t port) {
  void* object = ipc::kobject_of(port, ipc::KObjectType::kProcessor, [](void*) { return true; });
  return object ? static_cast<int>(reinterpret_cast<uintptr_t>(object) - 1) : -1;
}

bool is_set(ipc_port_t port) {
  return ipc::kobject_of(port, ipc::KObjectType::kProcessorSet, [](void*) { return true; }) != nullptr;
}
// The name port, or either (the information calls take both, as GNU Mach's).
bool is_set_name(ipc_port_t port) {
  return ipc::kobject_of(port, ipc::KObjectType::kProcessorSetName, [](void*) { return true; }) != nullptr;
}
bool is_any_set(ipc_port_t port) { return is_set(port) || is_set_name(port); }


// A send right in transit to a kernel port (ipc/kserver.h's out-port rule).
ipc_port_t send_right(ipc::Port* port) { return ipc::kobject_make_send(port).port; }

// An out-of-line array of send rights to `ports` in the kernel's form (a
// kalloc'ed array of Port*, each a right in transit).
kern_return_t port_array(ipc::Port* const* ports, unsigned n, ipc_port_t** out, mach_msg_type_number_t* count) {
  auto* array = static_cast<ipc_port_t*>(kalloc(sizeof(ipc_port_t) * (n ? n : 1)));
  if (!array) return KERN_RESOURCE_SHORTAGE;
  for (unsigned i = 0; i < n; ++i) array[i] = send_right(ports[i]);
  *out = array;
  *count = n;
  return KERN_SUCCESS;
}

// A send right the request's body carried (not its target): the
// routine's once it succeeds (ipc/kobject.cc's kobject_server frees a
// successful request without destroying its body), so it goes here.
kern_return_t took(ipc_port_t right) {
  release_send_right(right);
  return KERN_SUCCESS;
}

// The port array of processor_set_tasks/threads from a snapshot: each
// object's kernel port (`port_of` answers an error once it ended).
template <class T>
kern_return_t kernel_port_array(const RefSnapshot<T>& objects, kern_return_t (*port_of)(T&, ipc::Port**),
                                ipc_port_t** list, mach_msg_type_number_t* count) {
  ipc_port_t* ports = nullptr;
  if (objects.size()) {
    ports = static_cast<ipc_port_t*>(kalloc(objects.size() * sizeof *ports));
    if (!ports) return KERN_RESOURCE_SHORTAGE;
    for (size_t i = 0; i < objects.size(); ++i) {
      ipc::Port* port = nullptr;
      ports[i] = port_of(objects[i], &port) == KERN_SUCCESS && port ? port : ipc::kDeadPort;
    }
  }
  *list = ports;
  *count = static_cast<mach_msg_type_number_t>(objects.size());
  return KERN_SUCCESS;
}

}  // namespace

bool init() { return ensure_made(); }

size_t permanent_ports() { return g.ports.load(kstd::MemoryOrder::relaxed); }

int max_priority() { return g.max_priority.load(kstd::MemoryOrder::relaxed); }

int policies() { return g.policies.load(kstd::MemoryOrder::relaxed); }

}  // namespace umach::processor

namespace umach::kserver {
using namespace umach::processor;

kern_return_t host_processors(ipc_port_t host_priv, ipc_port_t** list, mach_msg_type_number_t* count) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  return port_array(g.cpu, g.count, list, count);
}

kern_return_t processor_set_processors(ipc_port_t set, ipc_port_t** list, mach_msg_type_number_t* count) {
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  if (!is_any_set(set)) return KERN_INVALID_ARGUMENT;
  return port_array(g.cpu, g.count, list, count);
}

kern_return_t host_processor_sets(ipc_port_t host, ipc_port_t** sets, mach_msg_type_number_t* count) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  return port_array(&g.set_name, 1, sets, count);
}

kern_return_t processor_set_default(ipc_port_t host, ipc_port_t* set_name) {
  if (!host::is_host(host)) return KERN_INVALID_HOST;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  *set_name = send_right(g.set_name);
  return KERN_SUCCESS;
}

// On success the request's send right to the name port is the routine's
// (took()); a failed request is destroyed with it.
kern_return_t host_processor_set_priv(ipc_port_t host_priv, ipc_port_t set_name, ipc_port_t* set) {
  if (!host::is_host_priv(host_priv)) return KERN_INVALID_HOST;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  if (!is_set_name(set_name)) return KERN_INVALID_ARGUMENT;
  *set = send_right(g.set);
  return took(set_name);
}

kern_return_t processor_info(ipc_port_t processor, int flavor, ipc_port_t* host, processor_info_t info,
                             mach_msg_type_number_t* count) {
  const int slot = slot_of(processor);
  if (slot < 0) return KERN_INVALID_ARGUMENT;
  if (flavor != PROCESSOR_BASIC_INFO) return KERN_INVALID_ARGUMENT;
  processor_basic_info_data_t b{};
  b.cpu_type = host::kCpuType;
  b.cpu_subtype = host::kCpuSubtype;
  b.running = 1;  // every CPU the scheduler started runs until power-off
  b.slot_num = slot;
  b.is_master = slot == 0;
  const kern_return_t kr = host::copy_info(b, info, count);
  if (kr == KERN_SUCCESS) *host = send_right(host::port());
  return kr;
}

kern_return_t processor_set_info(ipc_port_t set, int flavor, ipc_port_t* host, processor_set_info_t info,
                                 mach_msg_type_number_t* count) {
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  if (!is_any_set(set)) return KERN_INVALID_ARGUMENT;
  kern_return_t kr;
  if (flavor == PROCESSOR_SET_BASIC_INFO) {
    const sched::LoadAverages a = sched::load_averages();
    processor_set_basic_info_data_t b{};
    b.processor_count = static_cast<integer_t>(g.count);
    b.task_count = static_cast<integer_t>(live_tasks());
    b.thread_count = static_cast<integer_t>(live_mach_threads());
    b.load_average = a.load[0];
    b.mach_factor = a.mach_factor[0];
    kr = host::copy_info(b, info, count);
  } else if (flavor == PROCESSOR_SET_SCHED_INFO) {
    processor_set_sched_info_data_t s{};
    s.policies = policies();
    s.max_priority = max_priority();
    kr = host::copy_info(s, info, count);
  } else {
    return KERN_INVALID_ARGUMENT;
  }
  if (kr == KERN_SUCCESS) *host = send_right(host::port());
  return kr;
}

kern_return_t processor_get_assignment(ipc_port_t processor, ipc_port_t* set_name) {
  if (slot_of(processor) < 0) return KERN_INVALID_ARGUMENT;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  *set_name = send_right(g.set_name);
  return KERN_SUCCESS;
}

kern_return_t thread_get_assignment(thread_ref_t thread, ipc_port_t* set_name) {
  if (!thread) return KERN_INVALID_ARGUMENT;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  *set_name = send_right(g.set_name);
  return KERN_SUCCESS;
}

kern_return_t task_get_assignment(ipc_port_t task, ipc_port_t* set_name) {
  if (!task_from_port(task)) return KERN_INVALID_ARGUMENT;
  if (!ensure_made()) return KERN_RESOURCE_SHORTAGE;
  *set_name = send_right(g.set_name);
  return KERN_SUCCESS;
}

// Assignments to the one set there is: nothing moves (the set's right
// the request carried is taken).
kern_return_t processor_assign(ipc_port_t processor, ipc_port_t set, boolean_t) {
  return slot_of(processor) >= 0 && is_set(set) ? took(set) : KERN_INVALID_ARGUMENT;
}
kern_return_t thread_assign(thread_ref_t thread, ipc_port_t set) {
  return thread && is_set(set) ? took(set) : KERN_INVALID_ARGUMENT;
}
kern_return_t thread_assign_default(thread_ref_t thread) { return thread ? KERN_SUCCESS : KERN_INVALID_ARGUMENT; }
kern_return_t task_assign(ipc_port_t task, ipc_port_t set, boolean_t) {
  return task_from_port(task) && is_set(set) ? took(set) : KERN_INVALID_ARGUMENT;
}
kern_return_t task_assign_default(ipc_port_t task, boolean_t) {
  return task_from_port(task) ? KERN_SUCCESS : KERN_INVALID_ARGUMENT;
}

// Any legal maximum, with the set's control port: every thread is in
// the one set, so none is refused with KERN_FAILURE.
kern_return_t thread_max_priority(thread_ref_t thread, ipc_port_t set, int max) {
  if (!thread || !is_set(set)) return KERN_INVALID_ARGUMENT;
  const kern_return_t kr = thread->set_max_priority(max);
  return kr == KERN_SUCCESS ? took(set) : kr;
}

kern_return_t processor_set_tasks(ipc_port_t set, ipc_port_t** list, mach_msg_type_number_t* count) {
  if (!is_set(set)) return KERN_INVALID_ARGUMENT;
  RefSnapshot<Task> tasks;
  if (kern_return_t kr = all_tasks(&tasks); kr != KERN_SUCCESS) return kr;
  return kernel_port_array<Task>(
      tasks, [](Task& t, ipc::Port** port) { return t.get_special_port(TASK_KERNEL_PORT, port); }, list, count);
}

kern_return_t processor_set_threads(ipc_port_t set, ipc_port_t** list, mach_msg_type_number_t* count) {
  if (!is_set(set)) return KERN_INVALID_ARGUMENT;
  RefSnapshot<MachThread> threads;
  if (kern_return_t kr = all_threads(&threads); kr != KERN_SUCCESS) return kr;
  return kernel_port_array<MachThread>(
      threads, [](MachThread& t, ipc::Port** port) { return t.get_special_port(THREAD_KERNEL_PORT, port); }, list,
      count);
}

// Threads that end meanwhile are passed over (set_max_priority refuses
// them); one made meanwhile reads the new maximum in MachThread::create.
kern_return_t processor_set_max_priority(ipc_port_t set, int max, boolean_t change_threads) {
  if (!is_set(set) || max < sched::kPriorityHighest || max > sched::kPriorityLowest) return KERN_INVALID_ARGUMENT;
  g.max_priority.store(max, kstd::MemoryOrder::relaxed);
  if (!change_threads) return KERN_SUCCESS;
  RefSnapshot<MachThread> threads;
  if (kern_return_t kr = all_threads(&threads); kr != KERN_SUCCESS) return kr;
  for (size_t i = 0; i < threads.size(); ++i)
    if (threads[i].max_priority() < max) (void)threads[i].set_max_priority(max);
  return KERN_SUCCESS;
}

kern_return_t processor_set_policy_enable(ipc_port_t set, int policy) {
  if (!is_set(set) || invalid_policy(policy)) return KERN_INVALID_ARGUMENT;
  g.policies.fetch_or(policy, kstd::MemoryOrder::relaxed);
  return KERN_SUCCESS;
}

kern_return_t processor_set_policy_disable(ipc_port_t set, int policy, boolean_t change_threads) {
  if (!is_set(set) || invalid_policy(policy) || policy == POLICY_TIMESHARE) return KERN_INVALID_ARGUMENT;
  g.policies.fetch_and(~policy, kstd::MemoryOrder::relaxed);
  if (!change_threads) return KERN_SUCCESS;
  // GNU Mach: the set's threads under that policy go back to timesharing.
  RefSnapshot<MachThread> threads;
  if (kern_return_t kr = all_threads(&threads); kr != KERN_SUCCESS) return kr;
  for (size_t i = 0; i < threads.size(); ++i)
    if (threads[i].policy() == policy) threads[i].set_policy(POLICY_TIMESHARE, 0);
  return KERN_SUCCESS;
}

kern_return_t processor_set_create(ipc_port_t host, ipc_port_t*, ipc_port_t*) {
  return host::is_host(host) ? KERN_FAILURE : KERN_INVALID_HOST;  // one set only
}
kern_return_t processor_set_destroy(ipc_port_t set) {
  return is_set(set) ? KERN_FAILURE : KERN_INVALID_ARGUMENT;  // the default set stays
}

kern_return_t processor_start(ipc_port_t processor) {
  return slot_of(processor) >= 0 ? KERN_FAILURE : KERN_INVALID_ARGUMENT;
}
kern_return_t processor_exit(ipc_port_t processor) {
  return slot_of(processor) >= 0 ? KERN_FAILURE : KERN_INVALID_ARGUMENT;
}
kern_return_t processor_control(ipc_port_t processor, processor_info_t, mach_msg_type_number_t) {
  return slot_of(processor) >= 0 ? KERN_FAILURE : KERN_INVALID_ARGUMENT;
}

}  // namespace umach::kserver
