// platform/hosted/task/test_task.cc: see test_task.h.
#include "platform/hosted/task/test_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cstddef>
#include <new>

#include "core/kstd/cstring.h"
#include "core/kstd/utility.h"
#include "core/cpu.h"
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/task/host.h"
#include "core/task/thread.h"
#include "core/sched/sched.h"
#include "ipc/kmsg.h"
#include "ipc/msg.h"
#include "vm/fault.h"
#include "vm/vm_user.h"
#include "platform/hosted/memory/commpage.h"
#include "exc_kuser.h"
#include <mach/exception.h>
#include <mach/task_special_ports.h>
#include <mach/thread_special_ports.h>
#include <mach/thread_status.h>

namespace umach::hosted {
namespace {

constexpr size_t kPage = Platform::kPageSize;

// ABI.md's trap table: inside it, a number with no trap answers
// KERN_INVALID_ARGUMENT, except these, which answer MACH_PORT_NULL.
constexpr int64_t kLastTrap = 77;
bool answers_port_null(int64_t n) { return (n >= 10 && n <= 13) || n == 55 || n == 56; }
// The general-register flavors (the others: thread_flavors.cc).
bool is_thread_state(int flavor) { return flavor == i386_THREAD_STATE || flavor == i386_REGS_SEGS_STATE; }

bool read_file(const std::string& path, std::vector<uint8_t>& out) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return false;
  // On the heap: load() may run on a kernel thread, whose stack is small.
  std::vector<uint8_t> buf(65536);
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.insert(out.end(), buf.begin(), buf.begin() + n);
  fclose(f);
  return true;
}

}  // namespace

// The loaded programs, for the gdb helper's mach-load-symbols (it reads
// these two symbols by name). Plain data, so gdb can walk it.
struct LoadedProgramRecord {
  const char* path;
  uint64_t base;
};
constexpr unsigned kMaxLoadedPrograms = 256;
LoadedProgramRecord g_loaded_programs[kMaxLoadedPrograms];
unsigned g_loaded_program_count = 0;
namespace {
std::mutex g_loaded_lock;

void note_loaded(const std::string& path, uint64_t base) {
  std::lock_guard<std::mutex> hold(g_loaded_lock);
  if (g_loaded_program_count < kMaxLoadedPrograms)
    g_loaded_programs[g_loaded_program_count++] = {strdup(path.c_str()), base};
}

void note_unloaded(uint64_t base) {
  std::lock_guard<std::mutex> hold(g_loaded_lock);
  for (unsigned i = 0; i < g_loaded_program_count; ++i) {
    if (g_loaded_programs[i].base != base) continue;
    free(const_cast<char*>(g_loaded_programs[i].path));
    g_loaded_programs[i] = g_loaded_programs[--g_loaded_program_count];
    return;
  }
}
}  // namespace

std::atomic<int> TestTask::g_shared_in_user{0};
std::atomic<int> TestTask::g_shared_most{0};
std::atomic<int> TestTask::g_shared_waiting{0};

Result<std::unique_ptr<TestTask>> TestTask::load(const std::string& path, const std::vector<std::string>& args) {
  std::vector<uint8_t> file;
  if (!read_file(path, file)) return Error{KERN_INVALID_ARGUMENT};
  std::unique_ptr<TestTask> task(new TestTask);
  vm::VmMap* map = vm::VmMap::create(nullptr);
  if (!map) return Error{KERN_RESOURCE_SHORTAGE};
  task->map_ = RefPtr<vm::VmMap>::adopt(map);
  task->range_ = &map->pmap().range();
  task->range_->retain();
  task->task_ = UMACH_TRY(Task::create(task->map_));
  task->commpage_ = UMACH_TRY(commpage_create(reinterpret_cast<uintptr_t>(umach_hosted_trap_entry)));
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  // The image and the stack become VM memory of the task's map (text
  // shared with every task running the same file, data copy-on-write);
  // the commpage goes to the pmap alone (loader.h).
  LoadStatus st = load_task_program(*map, file.data(), file.size(), argv.data(), argv.size(), task->commpage_,
                                    &task->program_);
  if (st != LoadStatus::kOk) return Error{st == LoadStatus::kNoMemory ? KERN_RESOURCE_SHORTAGE : KERN_INVALID_ARGUMENT};
  // Faults and ticks in this window are the task's (the signal entry asks).
  AddressRange& r = *task->range_;
  if (!register_user_range(r.base(), r.end() - r.base())) return Error{KERN_RESOURCE_SHORTAGE};
  task->registered_ = true;
  const LoadedProgram& p = task->program_;
  note_loaded(path, p.load_bias);
  task->task_->set_thread_factory(task.get());
  return task;
}

TestTask::~TestTask() {
  if (task_) task_->set_thread_factory(nullptr);
  threads_.clear();
  if (program_.pc) {
    note_unloaded(program_.load_bias);
    unload_task_program(*map_, program_);  // its memory leaves the map; its use of the image ends
  }
  if (created_commpage_) pmap().remove(created_commpage_, kPage);
  if (registered_) unregister_user_range(range_->base());
  // The map (and its pmap) go with the last reference to it: ours, the Task's.
  if (commpage_) commpage_free(commpage_);
  if (range_) range_->release_ref();
}

TestTask::UserThread::UserThread(TestTask* t) : task(t), frame(new (std::align_val_t{64}) Frame{}) {}

TestTask::UserThread::~UserThread() {
  if (spare) ipc::Kmsg::free(spare);
  ::operator delete(frame, std::align_val_t{64});
}

Result<RefPtr<sched::Thread>> TestTask::start_thread(int priority, int cpu) {
  priority_ = priority;
  UserThread* t = UMACH_TRY(add_thread(priority, cpu, 0));
  return t->kernel;
}

Result<RefPtr<MachThread>> TestTask::create_thread() {
  UserThread* t = UMACH_TRY(add_thread(priority_, -1, 1));
  return t->mach;
}

// A new thread: the first one starts at the program's entry, the others
// with a zeroed register state and suspended. Its thread port exists
// before its first instruction (mach_thread_self).
Result<TestTask::UserThread*> TestTask::add_thread(int priority, int cpu, int suspended) {
  // Held throughout: a thread is made only while the task has live threads
  // (the first thread joins every thread it finds here before it ends).
  std::lock_guard<std::mutex> hold(threads_lock_);
  const bool first = threads_.empty();
  if (!first && (threads_ended_ || live_threads_ == 0)) return Error{KERN_INVALID_ARGUMENT};
  auto t = std::make_unique<UserThread>(this);
  if (first && program_.pc) {  // (a task_create'd task's first thread starts zeroed)
    const LoadedProgram& p = program_;
    Platform::frame_init(*t->frame, p.pc, p.sp, p.argc, p.argv, p.commpage);
  }
  t->kernel = UMACH_TRY(sched::kernel_thread_prepare("user", user_loop, t.get(), priority, cpu));
  t->mach = UMACH_TRY(MachThread::create(task_, t->kernel));
  t->mach->set_machine(t.get());
  for (int i = 0; i < suspended; ++i) (void)t->mach->suspend();
  UserThread* raw = t.get();
  ++live_threads_;
  threads_.push_back(std::move(t));
  sched::thread_setrun(*raw->kernel);
  return raw;
}

MachThread* TestTask::thread() {
  std::lock_guard<std::mutex> hold(threads_lock_);
  return threads_.empty() ? nullptr : threads_[0]->mach.get();
}

size_t TestTask::thread_count() const {
  std::lock_guard<std::mutex> hold(threads_lock_);
  return threads_.size();
}

std::string TestTask::output() const {
  std::lock_guard<std::mutex> hold(record_lock_);
  return output_;
}

std::vector<TestTask::Fault> TestTask::faults() const {
  std::lock_guard<std::mutex> hold(record_lock_);
  return faults_;
}

std::string TestTask::end_reason() const {
  std::lock_guard<std::mutex> hold(record_lock_);
  return end_reason_;
}

void TestTask::end(const std::string& why) {
  {
    std::lock_guard<std::mutex> hold(record_lock_);
    if (end_reason_.empty()) end_reason_ = why;
  }
  std::vector<MachThread*> threads;
  {
    // (The UserThreads, and their references, stay until ~TestTask.)
    std::lock_guard<std::mutex> hold(threads_lock_);
    for (auto& t : threads_) threads.push_back(t->mach.get());
  }
  for (MachThread* t : threads) t->terminate();  // ports die; each loop ends at its next chance
  if (task_) task_->terminate();                 // its rights go with it
}

// A thread's body: user code until it ends. The first thread then waits
// for the others, so joining it joins them all.
void TestTask::user_loop(void* arg) {
  auto* t = static_cast<UserThread*>(arg);
  TestTask* self = t->task;
  self->run_thread(*t);
  self->thread_ended(*t);
  if (self->kernel_owned_) self->created_loop_ended(*t);  // may free self
}

void TestTask::thread_ended(UserThread& t) {
  bool last;
  {
    std::lock_guard<std::mutex> hold(threads_lock_);
    last = --live_threads_ == 0;
    if (last) threads_ended_ = true;
  }
  t.mach->terminate();  // its port dies (thread_terminate did it already, or the task's end)
  if (last) end("terminated");
  std::lock_guard<std::mutex> first_check(threads_lock_);
  if (threads_[0].get() != &t) return;
  // The first thread: join the others (none is added once the last ended).
  for (size_t i = 1;; ++i) {
    RefPtr<sched::Thread> other;
    if (i >= threads_.size()) {
      if (threads_ended_) return;
      threads_lock_.unlock();
      sched::sleep_ns(1'000'000);
      threads_lock_.lock();
      --i;
      continue;
    }
    other = threads_[i]->kernel;
    threads_lock_.unlock();
    sched::thread_join(*other);
    threads_lock_.lock();
  }
}

void TestTask::run_thread(UserThread& t) {
  Frame& frame = *t.frame;
  for (;;) {
    sched::preemption_point();  // ticks first: run_user returns at once while one is pending
    if (stop_.load()) return end("stopped");
    if (!t.mach->enter_user()) return;  // terminated (the thread, or its task)

    // Tasks that share a range (--address-model=shared, or a child in its
    // parent's range) never run on two CPUs at once: claim the range for
    // this CPU and make this task's mappings the resident ones. The thread
    // cannot leave the CPU inside run_user, so the claim covers the run.
    AddressRange& range = *range_;
    bool shared = range_shared();
    unsigned cpu = this_cpu().id;
    if (shared) {
      if (!range.try_claim(cpu)) {
        // Another CPU runs a task of this range: wait a little, and let
        // the holder know someone waits, so it backs off after its run.
        g_shared_waiting.fetch_add(1);
        sched::sleep_ns(50'000);
        g_shared_waiting.fetch_sub(1);
        t.mach->leave_user();
        continue;
      }
      range.activate(pmap());
      int now = g_shared_in_user.fetch_add(1) + 1;
      for (int seen = g_shared_most.load(); now > seen && !g_shared_most.compare_exchange_weak(seen, now);) {
      }
    }
    TrapInfo trap = Platform::run_user(frame);
    t.mach->leave_user();
    if (shared) g_shared_in_user.fetch_sub(1);
    // A page fault is handled with the claim still held: the pmap sees
    // this task's mappings, not another task's of the same range. A trap
    // call may block (mach_msg) and wake on another CPU, so the claim goes
    // first; its copyin/copyout then go through the VM, not the mappings.
    const bool hold_claim = shared && trap.kind == TrapKind::kPageFault;
    if (shared && !hold_claim) range.release(cpu);
    bool go_on = handle(t, trap);
    if (hold_claim) range.release(cpu);
    if (shared) {
      // Best-effort fairness: a holder that would re-claim at once would
      // starve waiters polling from other CPUs.
      if (g_shared_waiting.load() > 0) sched::sleep_ns(200'000);
    }
    // An exception waits for its handler without the range's claim: the
    // handler may be a task of the same range.
    if (go_on && t.pending.exception) go_on = deliver_exception(t);
    if (!go_on) return;
  }
}

// What brought the thread back from user mode; false when the thread ends.
bool TestTask::handle(UserThread& t, const TrapInfo& trap) {
  switch (trap.kind) {
    case TrapKind::kPreempted:
      // Only this thread writes it: no locked instruction.
      preemptions_.store(preemptions_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return true;
    case TrapKind::kTrapCall:
      return handle_trap_call(t);
    case TrapKind::kPageFault:
      return handle_page_fault(t, trap);
    case TrapKind::kIllegalInstruction:
    case TrapKind::kGeneralProtection:
      t.pending = PendingException{EXC_BAD_INSTRUCTION, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kArithmetic:
      t.pending = PendingException{EXC_ARITHMETIC, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
    case TrapKind::kBreakpoint:
      t.pending = PendingException{EXC_BREAKPOINT, static_cast<kern_return_t>(trap.code), trap.subcode};
      return true;
  }
  return true;
}

bool TestTask::handle_trap_call(UserThread& t) {
  Frame& frame = *t.frame;
  trap_calls_.store(trap_calls_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);  // one writer
  int64_t n = Platform::frame_trap_number(frame);
  switch (n) {
    case 30: {  // mach_print(const char*)
      char text[256];
      uint64_t src = Platform::frame_trap_arg(frame, 0);
      size_t len = 0;
      while (len + 1 < sizeof text && copyin(&text[len], src + len, 1) && text[len]) ++len;
      text[len] = '\0';
      klog("%s", text);
      {
        std::lock_guard<std::mutex> hold(record_lock_);
        output_ += text;
      }
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
      natural_t state[i386_THREAD_STATE_COUNT];
      // Checked as thread_set_state checks it; on success the thread goes on
      // in the new state (its rax included), so nothing is returned.
      // The general registers only (where the thread goes on); the FP
      // flavors are for thread_set_state.
      if (!is_thread_state(flavor) || count < i386_THREAD_STATE_COUNT || count > THREAD_STATE_MAX) {
        Platform::frame_set_return(frame, KERN_INVALID_ARGUMENT);
      } else if (!copyin(state, at, sizeof state)) {
        Platform::frame_set_return(frame, KERN_INVALID_ADDRESS);
      } else if (const kern_return_t kr = t.set_state(flavor, state, i386_THREAD_STATE_COUNT); kr != KERN_SUCCESS) {
        Platform::frame_set_return(frame, kr);
      }
      return true;
    }
    default:
      if (const int counted = traps::arg_count(n); counted >= 0) {  // syscall_* and scheduling traps
        const auto count = static_cast<unsigned>(counted);
        uint64_t args[11];
        for (unsigned i = 0; i < count && i < Platform::kTrapRegisterArgs; ++i) args[i] = Platform::frame_trap_arg(frame, i);
        // ABI.md: the 7th and later from the user stack; unreadable, a bad access.
        const uint64_t stack = Platform::frame_trap_stack_args(frame);
        if (count > Platform::kTrapRegisterArgs &&
            !copyin(&args[Platform::kTrapRegisterArgs], stack, 8 * (count - Platform::kTrapRegisterArgs))) {
          t.pending = PendingException{EXC_BAD_ACCESS, KERN_INVALID_ADDRESS, stack};
          return true;
        }
        Platform::frame_set_return(frame, traps::call(n, *task_, *t.mach, *this, args));
        return true;
      }
      if (n < 0 || n > kLastTrap) {
        // ABI.md: outside the table is an invalid instruction (the pc is
        // past the trap instruction already, as after int3).
        t.pending = PendingException{EXC_BAD_INSTRUCTION, EXC_I386_INVOP, 0};
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
mach_msg_return_t TestTask::mach_msg_trap(UserThread& t) {
  Frame& frame = *t.frame;
  const uint64_t msg = Platform::frame_trap_arg(frame, 0);
  const auto option = static_cast<mach_msg_option_t>(Platform::frame_trap_arg(frame, 1));
  const auto send_size = static_cast<mach_msg_size_t>(Platform::frame_trap_arg(frame, 2));
  const auto rcv_size = static_cast<mach_msg_size_t>(Platform::frame_trap_arg(frame, 3));
  const auto rcv_name = static_cast<mach_port_name_t>(Platform::frame_trap_arg(frame, 4));
  const auto timeout = static_cast<mach_msg_timeout_t>(Platform::frame_trap_arg(frame, 5));
  // The 7th argument is on the user stack; an unreadable stack reads as no notify port.
  uint64_t notify_arg = 0;
  static_assert(Platform::kTrapRegisterArgs == 6);
  if ((option & (MACH_SEND_NOTIFY | MACH_SEND_CANCEL | MACH_RCV_NOTIFY)) &&
      !copyin(&notify_arg, Platform::frame_trap_stack_args(frame), sizeof notify_arg))
    notify_arg = 0;
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
    task_->note_message_sent();  // (task_info's TASK_EVENTS_INFO)
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
    task_->note_message_received();
    const bool copied = copyout(msg, k->bytes(), k->size());
    keep_spare(t, k);
    return copied ? mr : MACH_RCV_INVALID_DATA;
  }
  return MACH_MSG_SUCCESS;
}

ipc::Kmsg* TestTask::take_spare(UserThread& t, mach_msg_size_t size) {
  if (t.spare && size <= t.spare->capacity()) return ipc::Kmsg::reuse(kstd::exchange(t.spare, nullptr));
  return ipc::Kmsg::alloc(size);
}

void TestTask::keep_spare(UserThread& t, ipc::Kmsg* k) {
  if (!t.spare && k->from_zone()) t.spare = k;
  else ipc::Kmsg::free(k);
}

bool TestTask::handle_page_fault(UserThread& t, const TrapInfo& trap) {
  {
    std::lock_guard<std::mutex> hold(record_lock_);
    faults_.push_back({trap.address, trap.access});
  }
  task_->note_fault();
  const kern_return_t kr = fault_in(trap.address, trap.access);
  if (kr == KERN_SUCCESS) return true;
  // The VM cannot resolve it: EXC_BAD_ACCESS for the handlers (user_loop
  // delivers it once the range's claim is released).
  t.pending = PendingException{EXC_BAD_ACCESS, kr, trap.address};
  return true;
}

namespace {

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

// The console's name for an exception's code (the i386 names: this file
// runs x86-64 task programs).
const char* code_name(int exception, kern_return_t code) {
  switch (exception) {
    case EXC_BAD_ACCESS:
      return code == KERN_INVALID_ADDRESS      ? "KERN_INVALID_ADDRESS"
             : code == KERN_PROTECTION_FAILURE ? "KERN_PROTECTION_FAILURE"
                                               : "code";
    case EXC_BAD_INSTRUCTION:
      return code == EXC_I386_INVOP ? "EXC_I386_INVOP" : code == EXC_I386_GPFLT ? "EXC_I386_GPFLT" : "code";
    case EXC_ARITHMETIC:
      return code == EXC_I386_DIV    ? "EXC_I386_DIV"
             : code == EXC_I386_INTO ? "EXC_I386_INTO"
             : code == EXC_I386_EXTERR ? "EXC_I386_EXTERR"
                                       : "code";
    case EXC_BREAKPOINT:
      return code == EXC_I386_BPT ? "EXC_I386_BPT" : code == EXC_I386_SGL ? "EXC_I386_SGL" : "code";
    default:
      return "code";
  }
}

}  // namespace

// exception_raise to the thread's exception port, then the task's: the
// first handler that answers KERN_SUCCESS resumes the thread where it
// faulted (the instruction runs again); any other answer, or a dead port,
// moves on. With no handler left the task ends, saying why.
bool TestTask::deliver_exception(UserThread& t) {
  const PendingException e = kstd::exchange(t.pending, PendingException{});
  ipc::Port* handlers[2] = {nullptr, nullptr};
  if (t.mach->get_special_port(THREAD_EXCEPTION_PORT, &handlers[0]) != KERN_SUCCESS) handlers[0] = nullptr;
  if (task_->get_special_port(TASK_EXCEPTION_PORT, &handlers[1]) != KERN_SUCCESS) handlers[1] = nullptr;
  bool handled = false;
  for (ipc::Port* port : handlers) {
    if (!handled && port && port != ipc::kDeadPort) {
      // The stub copies send rights to the thread's and the task's ports
      // into the request (COPY_SEND from the kernel's own references).
      const kern_return_t kr = kuser::exception_raise(port, t.mach->port(), task_->port(), e.exception, e.code,
                                                      static_cast<long_integer_t>(e.subcode));
      handled = kr == KERN_SUCCESS;
    }
    release_send_right(port);
  }
  if (handled) return true;
  char why[160];
  // A bad access names its address; the others their subcode.
  snprintf(why, sizeof why, "exception %s (%s %s %#llx) with no handler", exception_name(e.exception),
           code_name(e.exception, e.code), e.exception == EXC_BAD_ACCESS ? "at" : "subcode",
           static_cast<unsigned long long>(e.subcode));
  klog("umach: task program thread ended: %s\n", why);
  end(why);
  return false;
}

bool TestTask::resolve_fault(uint64_t address, Access access) { return fault_in(address, access) == KERN_SUCCESS; }

kern_return_t TestTask::fault_in(uint64_t address, Access access) {
  uint64_t va = address & ~uint64_t{kPage - 1};
  bool write = access == Access::kWrite;
  // A run the pmap forgot, or a referenced/modified upgrade: anywhere in
  // the window, the commpage included (it is in the pmap, not the map)...
  if (va >= range_->base() && va < range_->end() && pmap().fault_in(va, write) == FaultOutcome::kResolved)
    return KERN_SUCCESS;
  // ... else the VM's: zero fill, copy-on-write, or an error.
  if (va < range_->vm_min() || va >= range_->vm_max()) return KERN_INVALID_ADDRESS;
  unsigned prot = access == Access::kWrite     ? VM_PROT_WRITE
                  : access == Access::kExecute ? VM_PROT_EXECUTE
                                               : VM_PROT_READ;
  return vm::vm_fault(*map_, va, prot);
}

bool TestTask::resolve_range(uint64_t address, size_t n, Access access) {
  if (address + n < address) return false;
  for (uint64_t va = address & ~uint64_t{kPage - 1}; va < address + n; va += kPage)
    if (!resolve_fault(va, access)) return false;
  return true;
}

// In a shared range the task's mappings may not be the resident ones
// (run_thread releases the claim around trap calls): through the VM then.
// Another address space lives in the range, or did: when the others have
// gone, the one left may still be the non-resident one (the last to be
// active went), and only the claimed path makes it resident again.
bool TestTask::range_shared() { return range_->pmap_count() > 1 || !pmap().resident(); }

bool TestTask::copyin(void* dst, uint64_t user_src, size_t n) {
  if (range_shared()) return vm::map_read(*map_, user_src, dst, n) == KERN_SUCCESS;
  return Platform::copyin(dst, user_src, n) ||
         (resolve_range(user_src, n, Access::kRead) && Platform::copyin(dst, user_src, n));
}

bool TestTask::copyout(uint64_t user_dst, const void* src, size_t n) {
  if (range_shared()) return vm::map_write(*map_, user_dst, src, n) == KERN_SUCCESS;
  return Platform::copyout(user_dst, src, n) ||
         (resolve_range(user_dst, n, Access::kWrite) && Platform::copyout(user_dst, src, n));
}

}  // namespace umach::hosted

namespace umach::hosted {
namespace {

// The user selectors a 64-bit Linux process runs with (hosted threads run
// in it): what thread_get_state reports, and with zero all set_state takes.
constexpr unsigned kUserCs = 0x33;
constexpr unsigned kUserSs = 0x2b;
// The flags a thread may set: CF PF AF ZF SF DF OF (and IF, bit 1, which
// every user thread has). Not TF or AC: they would trap into the host.
constexpr uint64_t kUserFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;
constexpr uint64_t kAlwaysFlags = 0x202;
// RF, which the frame of a fault carries (thread_get_state reports it), is
// taken back and dropped: it only matters to debug registers, and popfq
// cannot set it.
constexpr uint64_t kResumeFlag = 0x10000;


}  // namespace

kern_return_t TestTask::UserThread::get_state(int flavor, natural_t* state, mach_msg_type_number_t* count) {
  if (!is_thread_state(flavor)) return get_other_flavor(*frame, flavor, state, count);
  if (*count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  const Frame& f = *frame;
  i386_thread_state s{};
  s.r8 = f.r8, s.r9 = f.r9, s.r10 = f.r10, s.r11 = f.r11, s.r12 = f.r12, s.r13 = f.r13, s.r14 = f.r14, s.r15 = f.r15;
  s.rdi = f.rdi, s.rsi = f.rsi, s.rbp = f.rbp, s.rsp = f.rsp, s.rbx = f.rbx, s.rdx = f.rdx, s.rcx = f.rcx;
  s.rax = f.rax, s.rip = f.rip, s.cs = kUserCs, s.rfl = f.rflags, s.ursp = f.rsp, s.ss = kUserSs;
  memcpy(state, &s, sizeof s);
  *count = i386_THREAD_STATE_COUNT;
  return KERN_SUCCESS;
}

// Decode and check everything, then install: a pc and a stack pointer
// inside the task's window (so canonical user addresses), user flag bits
// only, the user selectors or zero. ursp is the stack the thread resumes
// with (<mach/thread_status.h>); rsp is ignored.
kern_return_t TestTask::UserThread::set_state(int flavor, const natural_t* state, mach_msg_type_number_t count) {
  if (!is_thread_state(flavor)) return set_other_flavor(*frame, flavor, state, count);
  if (count < i386_THREAD_STATE_COUNT) return KERN_INVALID_ARGUMENT;
  i386_thread_state s;
  memcpy(&s, state, sizeof s);
  const AddressRange& r = *task->range_;
  if (s.rip < r.vm_min() || s.rip >= r.vm_max()) return KERN_INVALID_ARGUMENT;
  if (s.ursp <= r.vm_min() || s.ursp > r.vm_max()) return KERN_INVALID_ARGUMENT;
  if (s.rfl & ~(kUserFlags | kAlwaysFlags | kResumeFlag)) return KERN_INVALID_ARGUMENT;
  if ((s.cs != 0 && s.cs != kUserCs) || (s.ss != 0 && s.ss != kUserSs)) return KERN_INVALID_ARGUMENT;
  Frame& f = *frame;
  f.r8 = s.r8, f.r9 = s.r9, f.r10 = s.r10, f.r11 = s.r11, f.r12 = s.r12, f.r13 = s.r13, f.r14 = s.r14, f.r15 = s.r15;
  f.rdi = s.rdi, f.rsi = s.rsi, f.rbp = s.rbp, f.rbx = s.rbx, f.rdx = s.rdx, f.rcx = s.rcx, f.rax = s.rax;
  f.rip = s.rip, f.rsp = s.ursp, f.rflags = (s.rfl & ~kResumeFlag) | kAlwaysFlags;
  return KERN_SUCCESS;
}

}  // namespace umach::hosted
