// core/task/user_task.cc: see user_task.h.
#include "core/task/user_task.h"

#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>

#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/task/host.h"
#include "core/zone.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/vm_user.h"
#include "exc_kuser.h"

namespace umach {
namespace {

constexpr size_t kPage = Platform::kPageSize;

// ABI.md's trap table: inside it, a number with no trap answers
// KERN_INVALID_ARGUMENT, except these, which answer MACH_PORT_NULL.
constexpr int64_t kLastTrap = 77;
bool answers_port_null(int64_t n) { return (n >= 10 && n <= 13) || n == 55 || n == 56; }

[[clang::no_destroy]] constinit TypedZone<Platform::UserFrame> g_frames("user.frame");

const char* exception_name(int exception) {
  switch (exception) {
    case EXC_BAD_ACCESS: return "EXC_BAD_ACCESS";
    case EXC_BAD_INSTRUCTION: return "EXC_BAD_INSTRUCTION";
    case EXC_ARITHMETIC: return "EXC_ARITHMETIC";
    case EXC_SOFTWARE: return "EXC_SOFTWARE";
    case EXC_BREAKPOINT: return "EXC_BREAKPOINT";
    default: return "EXC_?";
  }
}

// The console's name for an exception's code: the machine's own codes
// (<mach/exception.h>), by the CPU type the kernel reports (host.h).
const char* code_name(int exception, kern_return_t code) {
  if (exception == EXC_BAD_ACCESS) {
    return code == KERN_INVALID_ADDRESS      ? "KERN_INVALID_ADDRESS"
           : code == KERN_PROTECTION_FAILURE ? "KERN_PROTECTION_FAILURE"
           : code == KERN_MEMORY_ERROR       ? "KERN_MEMORY_ERROR"  // a pager's data_error, or its death
                                             : "code";
  }
  if constexpr (host::kCpuType == CPU_TYPE_X86_64) {
    switch (exception) {
      case EXC_BAD_INSTRUCTION:
        return code == EXC_I386_INVOP ? "EXC_I386_INVOP" : code == EXC_I386_GPFLT ? "EXC_I386_GPFLT" : "code";
      case EXC_ARITHMETIC:
        return code == EXC_I386_DIV      ? "EXC_I386_DIV"
               : code == EXC_I386_INTO   ? "EXC_I386_INTO"
               : code == EXC_I386_EXTERR ? "EXC_I386_EXTERR"
                                         : "code";
      case EXC_BREAKPOINT:
        return code == EXC_I386_BPT ? "EXC_I386_BPT" : code == EXC_I386_SGL ? "EXC_I386_SGL" : "code";
      default:
        return "code";
    }
  } else {
    switch (exception) {
      case EXC_BAD_INSTRUCTION:
        return code == EXC_RISCV64_ILLEGAL      ? "EXC_RISCV64_ILLEGAL"
               : code == EXC_RISCV64_MISALIGNED ? "EXC_RISCV64_MISALIGNED"
                                                : "code";
      case EXC_BREAKPOINT:
        return code == EXC_RISCV64_BREAKPOINT ? "EXC_RISCV64_BREAKPOINT" : "code";
      default:
        return "code";
    }
  }
}

}  // namespace

[[clang::no_destroy]] constinit TypedZone<UserTask::UserThread> g_user_threads("user.thread");

UserTask::UserThread::UserThread(UserTask* t, Platform::UserFrame* f) : task(t), frame(f) {}

UserTask::UserThread::~UserThread() {
  if (spare) ipc::Kmsg::free(spare);
  g_frames.destroy(frame);
}

kern_return_t UserTask::UserThread::get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) {
  return Platform::frame_get_state(*frame, flavor, state, count);
}

kern_return_t UserTask::UserThread::set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) {
  return Platform::frame_set_state(*frame, flavor, state, count, task->map_->min(), task->map_->max());
}

UserTask::UserTask(RefPtr<Task> task, RefPtr<vm::VmMap> map) : task_(kstd::move(task)), map_(kstd::move(map)) {
  task_->set_thread_factory(this);
}

void UserTask::teardown() {
  if (task_) task_->set_thread_factory(nullptr);
  SpinlockGuard hold(threads_lock_);
  while (UserThread* t = threads_.pop_front()) {
    // The map may go with us: no switch may load its pmap again.
    if (t->kernel) t->kernel->set_address_space(nullptr);
    g_user_threads.destroy(t);
  }
}

Result<RefPtr<sched::Thread>> UserTask::start_thread(const UserEntry& entry, int priority, int cpu) {
  priority_ = priority;
  UserThread* t = UMACH_TRY(add_thread(&entry, priority, cpu));
  return t->kernel;
}

Result<RefPtr<MachThread>> UserTask::make_thread() {
  UserThread* t = UMACH_TRY(add_thread(nullptr, priority_, -1));
  return t->mach;
}

UserTask::UserThread* UserTask::first_thread_locked() const { return threads_.front(); }

// A new thread: the first one starts at its entry, the others with a
// zeroed register state and suspended. Its thread port exists before its
// first instruction (mach_thread_self). The count of live threads is
// taken first, so the task cannot end while the thread is being made
// (the first thread joins every thread on the list before it ends).
Result<UserTask::UserThread*> UserTask::add_thread(const UserEntry* entry, int priority, int cpu) {
  {
    SpinlockGuard hold(threads_lock_);
    if (!threads_.empty() && (threads_ended_ || live_threads_ == 0)) return Error{KERN_INVALID_ARGUMENT};
    ++live_threads_;
  }
  auto undo = [this](kern_return_t kr) -> Result<UserThread*> {
    bool last;
    {
      SpinlockGuard hold(threads_lock_);
      last = --live_threads_ == 0 && !threads_.empty();
      if (last) threads_ended_ = true;
    }
    if (last) end("terminated");
    return Error{kr};
  };
  Platform::UserFrame* frame = g_frames.create();
  if (!frame) return undo(KERN_RESOURCE_SHORTAGE);
  UserThread* t = g_user_threads.create(this, frame);
  if (!t) {
    g_frames.destroy(frame);
    return undo(KERN_RESOURCE_SHORTAGE);
  }
  if (entry) Platform::frame_init(*frame, entry->pc, entry->sp, entry->arg[0], entry->arg[1], entry->arg[2]);
  auto kernel = sched::kernel_thread_prepare("user", user_loop, t, priority, cpu);
  Result<RefPtr<MachThread>> mach = kernel.ok() ? MachThread::create(task_, kernel.value()) : Error{kernel.error()};
  if (!mach.ok()) {
    // A prepared kernel thread that never ran: dropping it frees it.
    g_user_threads.destroy(t);
    return undo(mach.error());
  }
  t->kernel = kstd::move(kernel.value());
  t->kernel->set_address_space(&map_->pmap());
  t->mach = kstd::move(mach.value());
  t->mach->set_machine(t);
  if (!entry) (void)t->mach->suspend();
  {
    SpinlockGuard hold(threads_lock_);
    threads_.push_back(*t);
    ++thread_count_;
  }
  sched::thread_setrun(*t->kernel);
  return t;
}

MachThread* UserTask::thread() {
  SpinlockGuard hold(threads_lock_);
  UserThread* t = first_thread_locked();
  return t ? t->mach.get() : nullptr;
}

size_t UserTask::thread_count() const {
  SpinlockGuard hold(threads_lock_);
  return thread_count_;
}

const char* UserTask::end_reason() const {
  SpinlockGuard hold(threads_lock_);
  return reason_set_ ? end_reason_ : nullptr;
}

void UserTask::end(const char* why) {
  bool first;
  {
    SpinlockGuard hold(threads_lock_);
    first = !reason_set_;
    if (first) {
      ksnprintf(end_reason_, sizeof end_reason_, "%s", why);
      reason_set_ = true;
    }
  }
  if (first) on_end(why);
  // Each thread's port dies and its loop ends at its next chance. The
  // list only grows while live threads remain; walk it under the lock,
  // terminating outside it (terminate takes IPC locks).
  for (UserThread* t = nullptr;;) {
    {
      SpinlockGuard hold(threads_lock_);
      t = t ? threads_.next(*t) : threads_.front();
    }
    if (!t) break;
    t->mach->terminate();
  }
  if (task_) task_->terminate();  // its rights go with it
}

// A thread's body: user code until it ends. The first thread then waits
// for the others, so joining it joins them all.
void UserTask::user_loop(void* arg) {
  auto* t = static_cast<UserThread*>(arg);
  UserTask* self = t->task;
  self->run_thread(*t);
  self->thread_ended(*t);
  if (self->kernel_owned_) self->loop_ended(*t);  // may free self
}

void UserTask::thread_ended(UserThread& t) {
  bool last;
  bool first;
  {
    SpinlockGuard hold(threads_lock_);
    last = --live_threads_ == 0;
    if (last) threads_ended_ = true;
    first = first_thread_locked() == &t;
  }
  t.mach->terminate();  // its port dies (thread_terminate did it already, or the task's end)
  if (last) end("terminated");
  if (!first) return;
  // The first thread: join the others (none is added once the last ended).
  for (UserThread* other = &t;;) {
    UserThread* next;
    bool ended;
    {
      SpinlockGuard hold(threads_lock_);
      next = threads_.next(*other);
      ended = threads_ended_;
    }
    if (next) {
      sched::thread_join(*next->kernel);
      other = next;
    } else if (ended) {
      return;
    } else {
      sched::sleep_ns(1'000'000);  // a thread still being made, or still running
    }
  }
}

// Kernel-owned runners: the Task ended, or the first thread's loop (which
// joined the rest) ended; whichever completes "ended and no loop left"
// frees the runner.
void UserTask::terminated() {
  if (!kernel_owned_) return;
  bool free_now;
  {
    SpinlockGuard hold(threads_lock_);
    task_ended_ = true;
    free_now = threads_.empty() || loops_ended_;
  }
  if (free_now) destroy();
}

void UserTask::loop_ended(UserThread& t) {
  bool free_now;
  {
    SpinlockGuard hold(threads_lock_);
    if (first_thread_locked() != &t) return;  // only the first: it joined the others
    loops_ended_ = true;
    free_now = task_ended_;
  }
  // The first thread's kernel thread runs on, on its own stack, until it
  // returns; freeing its UserThread (its frame, its reference to the
  // kernel thread) is safe now that its loop is over.
  if (free_now) destroy();
}

void UserTask::run_thread(UserThread& t) {
  Frame& frame = *t.frame;
  t.serve_hook.serve = serve_trap_call;
  t.serve_hook.thread = &t;
  for (;;) {
    // Not back to user mode now (or a kServed return: the hook handled the
    // trap and what follows it, only the way back in is left): from the
    // top, unless the thread ends.
    const TrapInfo trap = back_to_user(t) ? Platform::run_user(frame, &t.serve_hook) : TrapInfo{TrapKind::kServed};
    if (trap.kind == TrapKind::kServed) {
      if (!t.served_go_on) return;
      continue;
    }
    // Ticks pending now came while it ran user code (preemption_point took
    // the earlier ones), and made run_user return: user time.
    t.mach->leave_user(trap.kind == TrapKind::kPreempted ? this_cpu().timer_fired.load(kstd::MemoryOrder::relaxed) : 0);
    if (!between_runs(t, trap)) return;
  }
}

// Handles what brought the thread back; false when the thread ends.
bool UserTask::between_runs(UserThread& t, const TrapInfo& trap) {
  after_run(t.run_token, trap);
  bool go_on = handle(t, trap);
  after_handle(t.run_token, trap);
  t.run_token = 0;
  // An exception waits for its handler outside the hooks' claims: the
  // handler may need them.
  if (go_on && t.pending.exception) go_on = deliver_exception(t);
  return go_on;
}

// The way back into user mode: false if the thread does not go back now
// (it goes round the loop, or ends: t.served_go_on false).
bool UserTask::back_to_user(UserThread& t) {
  t.served_go_on = true;
  sched::preemption_point();  // ticks first: run_user returns at once while one is pending
  if (stop_.load(kstd::MemoryOrder::relaxed)) {
    end("stopped");
    t.served_go_on = false;
    return false;
  }
  if (!t.mach->enter_user()) {  // terminated (the thread, or its task)
    t.served_go_on = false;
    return false;
  }
  if (!before_run(t.run_token)) {
    t.mach->leave_user(0);
    return false;
  }
  return true;
}

// A trap call served from inside run_user (the platform's trap entry): as
// the loop would, without unwinding into it.
bool UserTask::serve_trap_call(TrapCallHook* hook) {
  UserThread& t = *static_cast<UserThread::ServeHook*>(hook)->thread;
  UserTask& self = *t.task;
  t.mach->leave_user(0);
  if (!self.between_runs(t, TrapInfo{TrapKind::kTrapCall})) {
    t.served_go_on = false;
    return false;
  }
  return self.back_to_user(t);
}

// What brought the thread back from user mode; false when the thread ends.
bool UserTask::handle(UserThread& t, const TrapInfo& trap) {
  switch (trap.kind) {
    case TrapKind::kPreempted:
      // Counted by its own thread only: no locked instruction needed.
      preemptions_.store(preemptions_.load(kstd::MemoryOrder::relaxed) + 1, kstd::MemoryOrder::relaxed);
      return true;
    case TrapKind::kTrapCall:
      return handle_trap_call(t);
    case TrapKind::kPageFault: {
      on_fault(trap.address, trap.access);
      task_->note_fault();
      const kern_return_t kr = fault_in(trap.address, trap.access);
      // A wait for a pager that thread_abort ended: the instruction runs
      // again (and faults again) once the thread goes back to user mode.
      // Otherwise the VM cannot resolve it: EXC_BAD_ACCESS for the handlers.
      if (kr != KERN_SUCCESS && kr != KERN_ABORTED) t.pending = PendingException{EXC_BAD_ACCESS, kr, trap.address};
      return true;
    }
    case TrapKind::kIllegalInstruction:
    case TrapKind::kGeneralProtection:
      t.pending = PendingException{EXC_BAD_INSTRUCTION, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kBadAccess:
      t.pending = PendingException{EXC_BAD_ACCESS, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kArithmetic:
      t.pending = PendingException{EXC_ARITHMETIC, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kBreakpoint:
      t.pending = PendingException{EXC_BREAKPOINT, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kServed:
      return true;  // (run_thread takes it first)
  }
  return true;
}

bool UserTask::handle_trap_call(UserThread& t) {
  Frame& frame = *t.frame;
  trap_calls_.store(trap_calls_.load(kstd::MemoryOrder::relaxed) + 1, kstd::MemoryOrder::relaxed);  // one writer
  const int64_t n = Platform::frame_trap_number(frame);
  switch (n) {
    case 30: {  // mach_print(const char*)
      char text[256];
      const uint64_t src = Platform::frame_trap_arg(frame, 0);
      size_t len = 0;
      while (len + 1 < sizeof text && copyin(&text[len], src + len, 1) && text[len]) ++len;
      text[len] = '\0';
      klog("%s", text);
      on_print(text);
      Platform::frame_set_return(frame, KERN_SUCCESS);
      return true;
    }
    case 25:  // mach_msg_trap
      Platform::frame_set_return(frame, mach_msg_trap(t));
      return true;
    case 26: {  // mach_reply_port: a new receive right, or MACH_PORT_NULL
      mach_port_name_t name = MACH_PORT_NULL;
      if (task_->space().allocate(MACH_PORT_RIGHT_RECEIVE, &name) != KERN_SUCCESS) name = MACH_PORT_NULL;
      Platform::frame_set_return(frame, name);
      return true;
    }
    case 27:  // mach_thread_self
      Platform::frame_set_return(frame, t.mach->self_name());
      return true;
    case 28:  // mach_task_self
      Platform::frame_set_return(frame, task_->self_name());
      return true;
    case 29:  // mach_host_self
      Platform::frame_set_return(frame, host::self_name(task_->space()));
      return true;
    case 77: {  // thread_set_self_state(flavor, state, count): resume in that state
      const auto flavor = static_cast<int>(Platform::frame_trap_arg(frame, 0));
      const uint64_t at = Platform::frame_trap_arg(frame, 1);
      const auto count = static_cast<mach_msg_type_number_t>(Platform::frame_trap_arg(frame, 2));
      constexpr unsigned kWords = Platform::kGeneralStateCount;
      natural_t state[kWords];
      // The general registers only (where the thread goes on; the FP
      // flavors are for thread_set_state), checked as thread_set_state
      // checks them. On success the thread goes on in the new state, its
      // return register included, so nothing is returned.
      if (!Platform::is_general_state(flavor) || count < kWords || count > THREAD_STATE_MAX) {
        Platform::frame_set_return(frame, KERN_INVALID_ARGUMENT);
      } else if (!copyin(state, at, sizeof state)) {
        Platform::frame_set_return(frame, KERN_INVALID_ADDRESS);
      } else if (const kern_return_t kr = t.set_state(flavor, state, kWords); kr != KERN_SUCCESS) {
        Platform::frame_set_return(frame, kr);
      }
      return true;
    }
    default:
      if (const int counted = traps::arg_count(n); counted >= 0) {  // syscall_* and scheduling traps
        const auto count = static_cast<unsigned>(counted);
        constexpr unsigned kRegs = Platform::kTrapRegisterArgs;
        uint64_t args[11];
        for (unsigned i = 0; i < count && i < kRegs; ++i) args[i] = Platform::frame_trap_arg(frame, i);
        // ABI.md: the rest from the user stack; unreadable, a bad access.
        const uint64_t stack = Platform::frame_trap_stack_args(frame);
        if (count > kRegs && !copyin(&args[kRegs], stack, 8 * (count - kRegs))) {
          t.pending = PendingException{EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, stack};
          return true;
        }
        Platform::frame_set_return(frame, traps::call(n, *task_, *t.mach, *this, args));
        return true;
      }
      if (n < 0 || n > kLastTrap) {
        // ABI.md: outside the table is an invalid instruction (the pc is
        // past the trap instruction already, as after a breakpoint).
        t.pending = PendingException{EXC_BAD_INSTRUCTION, Platform::kBadTrapCode, 0};
        return true;
      }
      Platform::frame_set_return(frame, answers_port_null(n) ? 0 : KERN_INVALID_ARGUMENT);
      return true;
  }
}

// mach_msg_trap(msg, option, send_size, rcv_size, rcv_name, timeout,
// notify): the message goes from user memory straight into a kernel buffer
// and back out of one (ipc/msg.h's Kmsg calls); a send that hands its
// message back (pseudo-receive) copies it back to the caller. The thread
// keeps one small buffer between calls, so a steady RPC loop needs no
// allocation.
mach_msg_return_t UserTask::mach_msg_trap(UserThread& t) {
  Frame& frame = *t.frame;
  const uint64_t msg = Platform::frame_trap_arg(frame, 0);
  const auto option = static_cast<mach_msg_option_t>(Platform::frame_trap_arg(frame, 1));
  const auto send_size = static_cast<mach_msg_size_t>(Platform::frame_trap_arg(frame, 2));
  const auto rcv_size = static_cast<mach_msg_size_t>(Platform::frame_trap_arg(frame, 3));
  const auto rcv_name = static_cast<mach_port_name_t>(Platform::frame_trap_arg(frame, 4));
  const auto timeout = static_cast<mach_msg_timeout_t>(Platform::frame_trap_arg(frame, 5));
  // The 7th argument: a register where the machine has seven (riscv64),
  // else the user stack; an unreadable stack reads as no notify port.
  uint64_t notify_arg = 0;
  if (option & (MACH_SEND_NOTIFY | MACH_SEND_CANCEL | MACH_RCV_NOTIFY)) {
    if constexpr (Platform::kTrapRegisterArgs > 6) {
      notify_arg = Platform::frame_trap_arg(frame, 6);
    } else if (!copyin(&notify_arg, Platform::frame_trap_stack_args(frame), sizeof notify_arg)) {
      notify_arg = 0;
    }
  }
  const auto notify = static_cast<mach_port_name_t>(notify_arg);
  // A send and a receive in one call (an RPC) take the fast path: a
  // receiver the send wakes runs as soon as the receive blocks.
  ipc::Handoff handoff;
  ipc::Handoff* fast = (option & MACH_SEND_MSG) && (option & MACH_RCV_MSG) ? &handoff : nullptr;
  if (option & MACH_SEND_MSG) {
    if (send_size > ipc::Kmsg::kMaxSize) return MACH_SEND_NO_BUFFER;
    if (send_size < sizeof(mach_msg_header_t)) return MACH_SEND_MSG_TOO_SMALL;
    // Straight from user memory into the kernel's buffer (the thread's
    // spare one when it is big enough).
    ipc::Kmsg* k = take_spare(t, send_size);
    if (!k) return MACH_SEND_NO_BUFFER;
    if (!copyin(k->bytes(), msg, send_size)) {
      keep_spare(t, k);
      return MACH_SEND_INVALID_DATA;
    }
    k->header()->msgh_size = send_size;
    mach_msg_return_t mr = ipc::mach_msg_send_kmsg(task_->space(), k, option, timeout, notify, fast);
    if (k) {
      const bool back = ipc::send_hands_message_back(mr);
      const bool copied = !back || copyout(msg, k->bytes(), k->size());
      keep_spare(t, k);
      if (!copied) mr = MACH_SEND_INVALID_DATA;
    }
    if (mr != MACH_MSG_SUCCESS && mr != MACH_SEND_WILL_NOTIFY) {
      ipc::handoff_flush(fast);
      return mr;
    }
    t.mach->note_message_sent();  // (task_info's TASK_EVENTS_INFO)
  }
  if (option & MACH_RCV_MSG) {
    const mach_msg_size_t size = rcv_size < ipc::Kmsg::kMaxSize ? rcv_size : ipc::Kmsg::kMaxSize;
    ipc::Kmsg* k = nullptr;
    mach_msg_size_t too_large = 0;
    mach_msg_return_t mr =
        ipc::mach_msg_receive_kmsg(task_->space(), size, rcv_name, option, timeout, notify, fast, &k, &too_large);
    if (mr == MACH_RCV_TOO_LARGE && too_large && size >= sizeof(mach_msg_header_t)) {
      // The needed size goes in the caller's header; the message stays queued.
      if (!copyout(msg + offsetof(mach_msg_header_t, msgh_size), &too_large, 4)) return MACH_RCV_INVALID_DATA;
      return mr;
    }
    if (!k) return mr;
    t.mach->note_message_received();
    const bool copied = copyout(msg, k->bytes(), k->size());
    keep_spare(t, k);
    return copied ? mr : MACH_RCV_INVALID_DATA;
  }
  return MACH_MSG_SUCCESS;
}

ipc::Kmsg* UserTask::take_spare(UserThread& t, mach_msg_size_t size) {
  if (t.spare && size <= t.spare->capacity()) return ipc::Kmsg::reuse(kstd::exchange(t.spare, nullptr));
  return ipc::Kmsg::alloc(size);
}

void UserTask::keep_spare(UserThread& t, ipc::Kmsg* k) {
  if (!t.spare && k->from_zone()) t.spare = k;
  else ipc::Kmsg::free(k);
}

// exception_raise to the thread's exception port, then the task's: the
// first handler that answers KERN_SUCCESS resumes the thread where it
// faulted (the instruction runs again); any other answer, or a dead port,
// moves on. With no handler left the task ends, saying why.
bool UserTask::deliver_exception(UserThread& t) {
  const PendingException e = kstd::exchange(t.pending, PendingException{});
  // A thread whose task is being terminated ends as terminated: what it
  // ran into meanwhile (a fault its dying pager can no longer serve) is
  // nobody's to handle.
  if (t.mach->ended() || task_->has_ended()) return false;
  ipc::Port* handlers[2] = {nullptr, nullptr};
  if (t.mach->get_special_port(THREAD_EXCEPTION_PORT, &handlers[0]) != KERN_SUCCESS) handlers[0] = nullptr;
  if (task_->get_special_port(TASK_EXCEPTION_PORT, &handlers[1]) != KERN_SUCCESS) handlers[1] = nullptr;
  bool handled = false;
  for (ipc::Port* port : handlers) {
    // (A thread terminated meanwhile: its RPC was interrupted; no more.)
    if (!handled && port && port != ipc::kDeadPort && !t.mach->ended()) {
      // The stub copies send rights to the thread's and the task's ports
      // into the request (COPY_SEND from the kernel's own references).
      // (References: a terminate meanwhile takes the ports from the task
      // and the thread, not from under the request.)
      const RefPtr<ipc::Port> thread_port = t.mach->self_port();
      const RefPtr<ipc::Port> task_port = task_->self_port();
      const kern_return_t kr = kuser::exception_raise(port, thread_port.get(), task_port.get(), e.exception, e.code,
                                                      static_cast<long_integer_t>(e.subcode));
      handled = kr == KERN_SUCCESS;
    }
    release_send_right(port);
  }
  if (handled) return true;
  // Terminated while it waited for a handler: it ends as terminated, and
  // its task lives on.
  if (t.mach->ended() || task_->has_ended()) return false;
  char why[160];
  char value[24] = "0";  // (as printf's %#llx: no 0x before a zero)
  if (e.subcode) ksnprintf(value, sizeof value, "%#llx", static_cast<unsigned long long>(e.subcode));
  // A bad access names its address; the others their subcode.
  ksnprintf(why, sizeof why, "exception %s (%s %s %s) with no handler", exception_name(e.exception),
            code_name(e.exception, e.code), e.exception == EXC_BAD_ACCESS ? "at" : "subcode", value);
  klog("umach: task program thread ended: %s\n", why);
  end(why);
  return false;
}

kern_return_t UserTask::fault_in(uint64_t address, Access access) {
  const uint64_t va = address & ~uint64_t{kPage - 1};
  // A fault only the platform's mappings know (hosted: a run its pmap
  // forgot, the commpage included)...
  if (machine_fault_in(va, access == Access::kWrite)) return KERN_SUCCESS;
  // ... else the VM's: zero fill, copy-on-write, or an error.
  if (va < map_->min() || va >= map_->max()) return KERN_INVALID_ADDRESS;
  const unsigned prot = access == Access::kWrite     ? VM_PROT_WRITE
                        : access == Access::kExecute ? VM_PROT_EXECUTE
                                                     : VM_PROT_READ;
  return vm::vm_fault(*map_, va, prot);
}

bool UserTask::resolve_range(uint64_t address, size_t n, Access access) {
  if (address + n < address) return false;
  for (uint64_t va = address & ~uint64_t{kPage - 1}; va < address + n; va += kPage)
    if (fault_in(va, access) != KERN_SUCCESS) return false;
  return true;
}

bool UserTask::copy_in(void* dst, uint64_t user_src, size_t n) {
  if (copy_through_vm()) return vm::map_read(*map_, user_src, dst, n) == KERN_SUCCESS;
  return Platform::copyin(dst, user_src, n) ||
         (resolve_range(user_src, n, Access::kRead) && Platform::copyin(dst, user_src, n));
}

bool UserTask::copy_out(uint64_t user_dst, const void* src, size_t n) {
  if (copy_through_vm()) return vm::map_write(*map_, user_dst, src, n) == KERN_SUCCESS;
  return Platform::copyout(user_dst, src, n) ||
         (resolve_range(user_dst, n, Access::kWrite) && Platform::copyout(user_dst, src, n));
}

}  // namespace umach
