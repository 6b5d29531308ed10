// core/task/task_control.cc: a task's suspension, priority, name and
// information (core/task/task.h), and the task routines of mach.defs,
// mach_host.defs and gnumach.defs that use them: task_create,
// task_terminate, task_threads, task_info, task_suspend, task_resume,
// task_priority and task_set_name.
//
// Errors as the manual gives them: a port that is not a task's is
// KERN_INVALID_ARGUMENT for every routine here; so are an unknown
// task_info flavor, a count too small for it (as GNU Mach's code does,
// rather than the manual's MIG_ARRAY_TOO_LARGE), and a priority outside
// 0..49.
#include <mach/task_info.h>

#include "core/kalloc.h"
#include "core/kstd/cstring.h"
#include "core/sched/config.h"
#include "core/sched/sched.h"
#include "core/task/cpu_time.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "ipc/kserver.h"
#include "gnumach_kserver.h"
#include "mach_host_kserver.h"
#include "mach_kserver.h"
#include "vm/map.h"

namespace umach {

kern_return_t Task::suspend() {
  {
    SpinlockGuard g(special_lock_);
    if (ended_) return KERN_INVALID_ARGUMENT;
    // seq_cst: its threads enter user mode without a lock (MachThread::enter_user).
    suspend_count_.store(suspend_count_.load(kstd::MemoryOrder::relaxed) + 1);
  }
  // "This call does not return until all threads are suspended": each
  // leaves user mode at its next trap or tick and then stays out. Short of
  // memory for the list, they still stop, only not before the answer.
  Threads threads;
  if (this->threads(&threads) != KERN_SUCCESS) return KERN_SUCCESS;
  for (size_t i = 0; i < threads.size(); ++i)
    if (&threads[i].sched_thread() != sched::current_thread()) threads[i].wait_stopped();
  return KERN_SUCCESS;
}

kern_return_t Task::resume() {
  SpinlockGuard g(special_lock_);
  if (ended_) return KERN_INVALID_ARGUMENT;
  const int count = suspend_count_.load(kstd::MemoryOrder::relaxed);
  if (count == 0) return KERN_FAILURE;  // "The count may not become negative."
  suspend_count_.store(count - 1, kstd::MemoryOrder::release);
  // A thread that saw the count above zero asserted its wait under its
  // stop lock, which the wakeup takes after the store: none is missed.
  // (kWaitQueue ranks above kTaskSpecial.)
  if (count == 1)
    for (TaskThreadLink& l : threads_) l.thread->wake_stopped();
  return KERN_SUCCESS;
}

int Task::base_priority() const {
  const int p = priority_for_new_thread();
  return p >= 0 ? p : sched::kPriorityUser;
}

kern_return_t Task::set_priority(int priority, bool change_threads) {
  if (priority < sched::kPriorityHighest || priority > sched::kPriorityLowest) return KERN_INVALID_ARGUMENT;
  SpinlockGuard g(special_lock_);
  if (ended_) return KERN_INVALID_ARGUMENT;
  priority_.store(priority, kstd::MemoryOrder::relaxed);
  if (!change_threads) return KERN_SUCCESS;
  // "As many threads as possible will be changed and an error code will
  // be returned."
  kern_return_t kr = KERN_SUCCESS;
  for (TaskThreadLink& l : threads_)
    if (l.thread->set_priority(priority, false) != KERN_SUCCESS) kr = KERN_FAILURE;
  return kr;
}

void Task::set_name(const char* name) {
  SpinlockGuard g(special_lock_);
  size_t i = 0;
  for (; i + 1 < kNameMax && name[i]; ++i) name_[i] = name[i];
  name_[i] = '\0';
}

void Task::name(char (&out)[kNameMax]) {
  SpinlockGuard g(special_lock_);
  kstd::memcpy(out, name_, kNameMax);
}

namespace {

// The user and system time of a task's live threads (references held).
void live_thread_times(Task& task, uint64_t* user, uint64_t* system) {
  *user = *system = 0;
  Task::Threads threads;
  if (task.threads(&threads) != KERN_SUCCESS) return;
  for (size_t i = 0; i < threads.size(); ++i) {
    *user += threads[i].user_ns();
    *system += threads[i].system_ns();
  }
}

template <class T>
kern_return_t put_info(const T& info, mach_msg_type_number_t words, integer_t* out, mach_msg_type_number_t* count) {
  static_assert(sizeof(T) % sizeof(integer_t) == 0);
  if (*count < words) return KERN_INVALID_ARGUMENT;
  kstd::memcpy(out, &info, sizeof info);
  *count = words;
  return KERN_SUCCESS;
}

}  // namespace

// Counted on hosted: faults (the task's user page faults that reached the
// VM's vm_fault or the pmap), messages sent and received by its threads'
// mach_msg traps. Not counted (0): zero_fills, reactivations, pageins
// (no pager pages in yet), cow_faults (vm_fault does not say which kind
// it resolved).
kern_return_t Task::info(int flavor, integer_t* out, mach_msg_type_number_t* count) {
  uint64_t user, system;
  switch (flavor) {
    case TASK_BASIC_INFO: {
      task_basic_info b{};
      b.suspend_count = suspend_count();
      b.base_priority = base_priority();
      if (map_) {
        SpinlockGuard g(vm::g_vm_lock);
        b.virtual_size = map_->virtual_size();
        b.resident_size = map_->mappings.size() * Platform::kPageSize;
      }
      // The manual: of its terminated threads.
      {
        SpinlockGuard g(special_lock_);
        user = dead_user_ns_;
        system = dead_system_ns_;
      }
      to_time_values(user, &b.user_time, &b.user_time64);
      to_time_values(system, &b.system_time, &b.system_time64);
      to_time_values(static_cast<uint64_t>(creation_ns_), &b.creation_time, &b.creation_time64);
      return put_info(b, TASK_BASIC_INFO_COUNT, out, count);
    }
    case TASK_EVENTS_INFO: {
      task_events_info e{};
      e.faults = faults_.load(kstd::MemoryOrder::relaxed);
      uint64_t sent, received;
      {
        SpinlockGuard g(special_lock_);
        sent = dead_messages_sent_;
        received = dead_messages_received_;
      }
      Task::Threads threads;
      if (this->threads(&threads) == KERN_SUCCESS) {
        for (size_t i = 0; i < threads.size(); ++i) {
          sent += threads[i].messages_sent();
          received += threads[i].messages_received();
        }
      }
      e.messages_sent = sent;
      e.messages_received = received;
      return put_info(e, TASK_EVENTS_INFO_COUNT, out, count);
    }
    case TASK_THREAD_TIMES_INFO: {
      task_thread_times_info t{};
      live_thread_times(*this, &user, &system);
      to_time_values(user, &t.user_time, &t.user_time64);
      to_time_values(system, &t.system_time, &t.system_time64);
      return put_info(t, TASK_THREAD_TIMES_INFO_COUNT, out, count);
    }
    default: return KERN_INVALID_ARGUMENT;
  }
}

}  // namespace umach

namespace umach::kserver {

kern_return_t task_create(ipc_port_t parent_port, boolean_t inherit_memory, ipc_port_t* child) {
  RefPtr<Task> parent = task_from_port(parent_port);
  if (!parent) return KERN_INVALID_ARGUMENT;
  auto task = parent->create_child(inherit_memory != 0);
  if (!task.ok()) return task.error();
  *child = task.value()->make_send().port;  // a right in transit (ipc/kserver.h)
  return KERN_SUCCESS;
}

// Also of the caller's own task: its thread is terminated with the rest
// and never returns to user mode (the reply goes to a dead space).
kern_return_t task_terminate(ipc_port_t task_port) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  task->terminate_all();
  return KERN_SUCCESS;
}

kern_return_t task_suspend(ipc_port_t task_port) {
  RefPtr<Task> task = task_from_port(task_port);
  return task ? task->suspend() : KERN_INVALID_ARGUMENT;
}

kern_return_t task_resume(ipc_port_t task_port) {
  RefPtr<Task> task = task_from_port(task_port);
  return task ? task->resume() : KERN_INVALID_ARGUMENT;
}

kern_return_t task_info(ipc_port_t task_port, int flavor, task_info_t out, mach_msg_type_number_t* count) {
  RefPtr<Task> task = task_from_port(task_port);
  return task ? task->info(flavor, out, count) : KERN_INVALID_ARGUMENT;
}

// The reply's out-of-line port array in the kernel's form (ipc/kmsg.h): a
// kalloc'ed array of send rights in transit, null when there are none.
kern_return_t task_threads(ipc_port_t task_port, ipc_port_t** list, mach_msg_type_number_t* count) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  Task::Threads threads;
  if (kern_return_t kr = task->threads(&threads); kr != KERN_SUCCESS) return kr;
  ipc_port_t* ports = nullptr;
  if (threads.size()) {
    ports = static_cast<ipc_port_t*>(kalloc(threads.size() * sizeof *ports));
    if (!ports) return KERN_RESOURCE_SHORTAGE;
    for (size_t i = 0; i < threads.size(); ++i) {
      ipc_port_t port = threads[i].make_send().port;
      ports[i] = port ? port : ipc::kDeadPort;  // ended since the snapshot
    }
  }
  *list = ports;
  *count = static_cast<mach_msg_type_number_t>(threads.size());
  return KERN_SUCCESS;
}

kern_return_t task_priority(ipc_port_t task_port, int priority, boolean_t change_threads) {
  RefPtr<Task> task = task_from_port(task_port);
  return task ? task->set_priority(priority, change_threads != 0) : KERN_INVALID_ARGUMENT;
}

kern_return_t task_set_name(ipc_port_t task_port, kernel_debug_name_t name) {
  RefPtr<Task> task = task_from_port(task_port);
  if (!task) return KERN_INVALID_ARGUMENT;
  task->set_name(name);
  return KERN_SUCCESS;
}

}  // namespace umach::kserver
