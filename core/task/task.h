// core/task/task.h: a task: its name space and its kernel port, its
// address space, its special ports, and the factory its platform gives it
// for thread_create; its threads, suspension, times, name and priority
// (task_create, task_terminate, task_suspend/resume, task_info,
// task_threads, task_set_name, task_priority: core/task/task_server.cc).
//
// Threads: every MachThread of the task is on its list from its creation
// until it terminates (under special_lock_; a thread is added only while
// the task has not ended). Suspension is a count: while it is above zero
// MachThread::enter_user keeps every thread of the task (new ones too)
// out of user mode; task_resume to zero wakes them.
//
// Every task is also on the kernel's list of all tasks (all_tasks(),
// processor_set_tasks) from Task::create until it terminates.
//
// Tasks made by task_create keep a reference to themselves until they are
// terminated (as GNU Mach's, they live until task_terminate, threads or
// not); the platform's TaskRunnerFactory gives them what runs threads.
//
// Special ports (task_get/set_special_port, <mach/task_special_ports.h>):
// send rights the task holds, each a reference counted in its port's
// srights_, released when the task terminates: TASK_EXCEPTION_PORT (where
// its threads' exceptions go when a thread has no port of its own),
// TASK_BOOTSTRAP_PORT, and TASK_KERNEL_PORT (what others get back as the
// task's port; by default a new send right to self_).
//
// The task port's receive right is the kernel's: the Task holds it (self_)
// and the port's kobject points back at the Task. terminate() cuts that
// link under the port's lock before the port dies, so a conversion that
// holds the port's lock never sees a Task that is going away.
#pragma once

#include "core/kalloc.h"
#include "core/kstd/atomic.h"
#include "core/list.h"
#include "core/refptr.h"
#include "core/result.h"
#include "core/spinlock.h"
#include "ipc/port.h"
#include "ipc/space.h"
#include "vm/map.h"

namespace umach {

class MachThread;

// References to the objects a list held at one moment (a task's threads,
// a KernelList), in the list's order; released when the snapshot goes.
template <class T>
class RefSnapshot {
 public:
  RefSnapshot() = default;
  ~RefSnapshot() {
    for (size_t i = 0; i < n_; ++i) array_[i]->unref();
    kfree(array_, capacity_ * sizeof *array_);
  }
  RefSnapshot(const RefSnapshot&) = delete;
  RefSnapshot& operator=(const RefSnapshot&) = delete;
  size_t size() const { return n_; }
  T& operator[](size_t i) const { return *array_[i]; }

  // Fills an empty snapshot. `collect(array, capacity, &n)` takes the
  // list's lock; if the list fits in `array` (null: no array yet) it puts
  // a reference to each object there that is not already dying, sets n to
  // their number and answers true, else it sets n to the list's size and
  // answers false. The array is allocated with no lock held, and the walk
  // retried if the list outgrew it. KERN_RESOURCE_SHORTAGE when short.
  template <class Collect>
  kern_return_t fill(Collect collect) {
    kassert(!array_);
    size_t capacity = 0;
    T** a = nullptr;
    for (;;) {
      size_t n = 0;
      if (collect(a, capacity, &n)) {
        array_ = a;
        n_ = n;
        capacity_ = capacity;
        return KERN_SUCCESS;
      }
      kfree(a, capacity * sizeof *a);
      capacity = n + 4;
      a = static_cast<T**>(kalloc(capacity * sizeof *a));
      if (!a) return KERN_RESOURCE_SHORTAGE;
    }
  }

 private:
  T** array_ = nullptr;  // kalloc'ed, capacity_ entries
  size_t n_ = 0;
  size_t capacity_ = 0;
};

// A kernel-wide list of every live object of a kind (all tasks, all
// threads: processor_set_tasks/threads), with its own lock, taken alone
// (LockRank::kAllObjects): nothing else is locked inside it, and it is
// taken with nothing else held. It holds no references: an object leaves
// it before its memory goes (when it terminates; remove() of one not on
// it does nothing).
template <class T, ListNode T::*Link>
class KernelList {
 public:
  constexpr KernelList() = default;

  void add(T& object) {
    SpinlockGuard g(lock_);
    list_.push_back(object);
  }
  void remove(T& object) {
    SpinlockGuard g(lock_);
    if ((object.*Link).is_linked()) list_.remove(object);
  }
  // References to every object on it that is not already dying (its last
  // reference gone, on its way off the list).
  kern_return_t snapshot(RefSnapshot<T>* out) {
    return out->fill([this](T** array, size_t capacity, size_t* n) {
      SpinlockGuard g(lock_);
      *n = list_.size();
      if (!array || *n > capacity) return false;
      *n = 0;
      for (T& object : list_)
        if (object.try_ref()) array[(*n)++] = &object;
      return true;
    });
  }

 private:
  Spinlock lock_{LockRank::kAllObjects};
  List<T, Link> list_ UMACH_GUARDED_BY(lock_);
};

// A thread's place on its task's thread list (a member of MachThread; here
// because MachThread is incomplete in this header).
struct TaskThreadLink {
  ListNode node;
  MachThread* thread = nullptr;
};

// What makes a task's threads: the platform code that runs its user mode
// (hosted: TestTask). A new thread has a zeroed register state and is
// suspended once. The Task borrows it until terminate() or until its owner
// clears it.
class TaskThreadFactory {
 public:
  virtual Result<RefPtr<MachThread>> create_thread() = 0;
  // The task ended: called once, after terminate() and once no
  // create_thread call is running; the Task never calls the factory again.
  virtual void task_terminated() {}

 protected:
  ~TaskThreadFactory() = default;
};

class Task : public RefCounted<Task> {
 public:
  // A task with `map` as its address space (none: IPC-only tasks of tests).
  [[nodiscard]] static Result<RefPtr<Task>> create(RefPtr<vm::VmMap> map = {});
  static void last_reference_dropped(Task* task);
  Task() = default;  // use create()
  ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  ipc::IpcSpace& space() { return *space_; }
  // The task's own port (a reference, taken under the lock, so a
  // terminate meanwhile cannot take it away under the caller), or null
  // once the task was terminated.
  RefPtr<ipc::Port> self_port() UMACH_EXCLUDES(special_lock_);
  // Its place on the list of all tasks (all_tasks()).
  ListNode all_tasks_link;
  // Its address space (set at creation, kept until the task goes), or null.
  vm::VmMap* map() { return map_.get(); }

  // mach_task_self: a send right to the task's port in its own space (one
  // more user reference each call), or MACH_PORT_NULL when the task ended.
  mach_port_name_t self_name();
  // A send right to the task port in transit, for another space.
  ipc::TransitRight make_send();

  // task_set_special_port: `right` (a send right, or null; consumed on
  // success) replaces the one kept for `which`, which is released.
  // KERN_INVALID_ARGUMENT for another `which`; KERN_INVALID_TASK once the
  // task ended.
  kern_return_t set_special_port(int which, ipc::Port* right);
  // task_get_special_port: a new send right (copied from the one kept;
  // null if none, kDeadPort if its port died) in *right.
  kern_return_t get_special_port(int which, ipc::Port** right);

  // thread_create's maker (null: this task cannot have threads made).
  void set_thread_factory(TaskThreadFactory* factory);
  // thread_create: a new thread, suspended; KERN_INVALID_ARGUMENT once the
  // task ended, KERN_FAILURE for a task no platform runs.
  [[nodiscard]] Result<RefPtr<MachThread>> create_thread();

  // Ends the task's IPC: the port dies (every name for it becomes a dead
  // name), the special ports are released and the space destroys every
  // right it holds. Idempotent.
  void terminate();
  // True once terminate() began (its threads are about to end).
  bool has_ended() {
    SpinlockGuard g(special_lock_);
    return ended_;
  }

  // ---- threads, suspension, information (issue 7; task_server.cc) ----

  // task_create: a child of this task with an empty address space, or with
  // inherit_memory a vm::map_fork of this one's; it holds a reference to
  // itself until terminated, and the platform's runner factory (if any)
  // attaches to it. KERN_RESOURCE_SHORTAGE when short; a task with no map
  // can only have an IPC-only child.
  [[nodiscard]] Result<RefPtr<Task>> create_child(bool inherit_memory);
  // task_terminate: terminate(), then every thread terminates and (all
  // but the caller's own) has left user mode for good when this returns.
  void terminate_all();

  // MachThread's: a new thread joins the list (false once the task ended),
  // a terminated one leaves it.
  bool add_thread(MachThread& thread);
  void remove_thread(MachThread& thread);
  // References to its threads, in creation order, which the snapshot
  // releases when it goes. KERN_RESOURCE_SHORTAGE when short.
  using Threads = RefSnapshot<MachThread>;
  kern_return_t threads(Threads* out);

  // task_suspend: one more suspension; waits until every other thread of
  // the task is out of user mode. task_resume: one less (KERN_FAILURE at
  // zero). KERN_INVALID_ARGUMENT once the task ended.
  kern_return_t suspend();
  kern_return_t resume();
  int suspend_count() const { return suspend_count_.load(); }  // seq_cst (MachThread::enter_user)

  // task_priority: the priority new threads get (kPriorityUser until
  // set); with change_threads every thread's too (KERN_FAILURE if one's
  // maximum forbids it). -1: never set (new threads keep the runner's).
  kern_return_t set_priority(int priority, bool change_threads);
  int priority_for_new_thread() const { return priority_.load(kstd::MemoryOrder::relaxed); }
  int base_priority() const;

  // task_set_name: kept (truncated to kNameMax - 1), for diagnostics.
  static constexpr size_t kNameMax = 64;
  void set_name(const char* name);
  void name(char (&out)[kNameMax]);

  // task_info's flavors; KERN_INVALID_ARGUMENT for another flavor or a
  // count too small for it.
  kern_return_t info(int flavor, integer_t* out, mach_msg_type_number_t* count);

  // Events the platform counts for TASK_EVENTS_INFO.
  void note_fault() { faults_.fetch_add(1, kstd::MemoryOrder::relaxed); }

 private:
  ipc::Port** special_slot_locked(int which) UMACH_REQUIRES(special_lock_);
  void add_dead_thread_times(MachThread& thread);

  Spinlock special_lock_{LockRank::kTaskSpecial};
  ipc::Port* kernel_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;     // null: self_
  ipc::Port* exception_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // send rights
  ipc::Port* bootstrap_port_ UMACH_GUARDED_BY(special_lock_) = nullptr;
  bool ended_ UMACH_GUARDED_BY(special_lock_) = false;
  TaskThreadFactory* factory_ UMACH_GUARDED_BY(special_lock_) = nullptr;  // borrowed
  // create_thread calls running, and the factory terminate() took while
  // one ran (the last call tells it the task ended).
  int factory_calls_ UMACH_GUARDED_BY(special_lock_) = 0;
  TaskThreadFactory* factory_ending_ UMACH_GUARDED_BY(special_lock_) = nullptr;
  List<TaskThreadLink, &TaskThreadLink::node> threads_ UMACH_GUARDED_BY(special_lock_);
  kstd::Atomic<int> suspend_count_{0};  // written under special_lock_
  kstd::Atomic<int> priority_{-1};
  char name_[kNameMax] UMACH_GUARDED_BY(special_lock_) = {};
  RefPtr<Task> created_self_;  // task_create's tasks: until terminated
  int64_t creation_ns_ = 0;    // time of day
  // Of its terminated threads (task_basic_info), under special_lock_.
  uint64_t dead_user_ns_ UMACH_GUARDED_BY(special_lock_) = 0;
  uint64_t dead_system_ns_ UMACH_GUARDED_BY(special_lock_) = 0;
  kstd::Atomic<uint64_t> faults_{0};
  // Messages of its ended threads (live ones count their own: thread.h).
  uint64_t dead_messages_sent_ UMACH_GUARDED_BY(special_lock_) = 0;
  uint64_t dead_messages_received_ UMACH_GUARDED_BY(special_lock_) = 0;
  RefPtr<ipc::IpcSpace> space_;
  RefPtr<ipc::Port> self_ UMACH_GUARDED_BY(special_lock_);
  RefPtr<vm::VmMap> map_;
  Canary<0x5441534bu> canary_;  // "TASK"
};

size_t live_tasks();

// References to every task that has not terminated (processor_set_tasks),
// in creation order. KERN_RESOURCE_SHORTAGE when short.
kern_return_t all_tasks(RefSnapshot<Task>* out);

// The task a task port stands for (a reference), or null.
RefPtr<Task> task_from_port(ipc::Port* port);

// Releases a send right kept as a special port (null and dead: nothing).
using ipc::release_send_right;

// What gives a task made by task_create its runner: the platform's
// (hosted: a TestTask with no program, which the kernel owns until the
// task ended and its last thread ended). attach() sets the task's thread
// factory; an error ends the new task. None registered (bare metal so
// far): such tasks have IPC and memory but no threads (thread_create
// answers KERN_FAILURE).
class TaskRunnerFactory {
 public:
  virtual kern_return_t attach(RefPtr<Task> task) = 0;

 protected:
  ~TaskRunnerFactory() = default;
};
void set_task_runner_factory(TaskRunnerFactory* factory);

}  // namespace umach
