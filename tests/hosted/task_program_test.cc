// tests/hosted/task_program_test.cc: task programs, end to end: loaded into
// a task's window, entering the kernel through the real commpage or by a
// real signal, faulted in, preempted, and resumed. Built twice: on 1 vCPU
// (umach_task_tests_1cpu) and on 4 (umach_task_tests_4cpu).
#include <gtest/gtest.h>

#include <elf.h>
#include <stdio.h>

#include <memory>
#include <string>
#include <vector>

#include "core/platform/platform.h"
#include "core/sched/sched.h"
#include "core/task/program/program_image.h"
#include "ipc/kobject.h"
#include "platform/hosted/task/test_task.h"
#include "vm/copy.h"
#include "vm/fault.h"
#include "vm/vm_user.h"
#include <umach/backend.h>

namespace {

using umach::Access;
using umach::hosted::TestTask;
using umach::sched::Thread;

std::unique_ptr<TestTask> load(const char* path, std::vector<std::string> args) {
  auto t = TestTask::load(path, args);
  EXPECT_TRUE(t.ok()) << "cannot load " << path;
  return t.ok() ? std::move(t).take() : nullptr;
}

// Starts each task's thread from a kernel thread, then runs `during` there
// (sleeping, stopping), then joins them all.
struct Scenario {
  std::vector<TestTask*> tasks;
  int priority = umach::sched::kPriorityUser;
  uint64_t run_ns = 0;  // 0: wait for the programs to end by themselves
  uint64_t min_preemptions = 0;  // then also wait until each was preempted this often
  std::vector<TestTask*> must_end;  // ... and until these have ended by themselves
  std::vector<uint64_t> ticks;
  bool started = true;
};

void run_scenario(void* arg) {
  auto* s = static_cast<Scenario*>(arg);
  std::vector<umach::RefPtr<Thread>> threads;
  for (TestTask* t : s->tasks) {
    auto th = t->start_thread(s->priority);
    if (!th.ok()) {
      s->started = false;
      break;
    }
    threads.push_back(std::move(th).take());
  }
  if (s->run_ns) {
    umach::sched::sleep_ns(s->run_ns);
    // On a loaded host a vCPU may get little host time: wait (up to 10 s)
    // until every program has been preempted at least twice, so "made
    // progress" does not depend on the host's mood.
    uint64_t give_up = umach::Platform::clock_ns() + 10'000'000'000;
    while (s->min_preemptions && umach::Platform::clock_ns() < give_up) {
      bool all = true;
      for (TestTask* t : s->tasks) all = all && (t->preemptions() >= s->min_preemptions || !t->end_reason().empty());
      for (TestTask* t : s->must_end) all = all && !t->end_reason().empty();
      if (all) break;
      umach::sched::sleep_ns(10'000'000);
    }
    for (TestTask* t : s->tasks) t->stop();
  }
  for (auto& th : threads) {
    umach::sched::thread_join(*th);
    s->ticks.push_back(th->ticks_run());
  }
}

void run(Scenario& s) {
  // The driver outranks the programs, so it wakes on time to stop them.
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_scenario, &s, umach::sched::kPriorityKernel));
  ASSERT_TRUE(s.started);
}

TEST(TaskProgram, HelloPrintsThroughTheCommpageAndTerminates) {
  auto hello = load(UMACH_PROGRAM_HELLO, {"hello"});
  ASSERT_TRUE(hello);
  Scenario s;
  s.tasks = {hello.get()};
  run(s);
  EXPECT_EQ(hello->output(), "hello from a task program\nargv[0]: hello\n");
  EXPECT_EQ(hello->end_reason(), "terminated");
}

TEST(TaskProgram, PortRightsAndMessagesWorkThroughLibmach) {
  auto ports = load(UMACH_PROGRAM_PORTS, {"ports"});
  ASSERT_TRUE(ports);
  Scenario s;
  s.tasks = {ports.get()};
  run(s);
  // KERN_SUCCESS 0, KERN_INVALID_RIGHT 17, MACH_RCV_TIMED_OUT 268451843.
  EXPECT_EQ(ports->output(),
            "allocate: 0\n"
            "insert_right: 0\n"
            "insert_right dead: 20\n"
            "type: 0 send+receive: 1\n"
            "deallocate send: 0\n"
            "deallocate receive: 17\n"
            "send: 0\n"
            "receive: 0 id 1234 value 42 on port 1\n"
            "empty: 268451843\n");
  EXPECT_EQ(ports->end_reason(), "terminated");
}

struct RpcPair {
  TestTask* server;
  TestTask* client;
};

void run_rpc_pair(void* arg) {
  auto* p = static_cast<RpcPair*>(arg);
  auto server = p->server->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(server.ok());
  auto client = p->client->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(client.ok());
  umach::sched::thread_join(*client.value());
  (void)p->server->task().space().destroy(0x1000);  // a server left waiting ends too
  umach::sched::thread_join(*server.value());
}

// rpc_client in `mode` against rpc_server, `rounds` messages (`size`:
// the out-of-line modes' bytes).
void client_and_server(const char* mode, const char* rounds = "500", const char* size = "4096") {
  auto server = load(UMACH_PROGRAM_RPC_SERVER, {"rpc_server"});
  auto client = load(UMACH_PROGRAM_RPC_CLIENT, {"rpc_client", rounds, mode, size});
  ASSERT_TRUE(server && client);
  // The server's receive right and the client's send right, both 0x1000.
  umach::ipc::IpcSpace& s = server->task().space();
  ASSERT_EQ(s.allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x1000), KERN_SUCCESS);
  umach::ipc::TransitRight right;
  ASSERT_EQ(s.copyin_right(0x1000, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  ASSERT_EQ(client->task().space().insert_right(0x1000, right), KERN_SUCCESS);
  RpcPair pair{server.get(), client.get()};
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_rpc_pair, &pair, umach::sched::kPriorityKernel));
  EXPECT_EQ(client->output(), std::string("rpc: ") + rounds + " done\n");
  EXPECT_EQ(client->end_reason(), "terminated");
  EXPECT_EQ(server->end_reason(), "terminated");
}

TEST(TaskProgram, TwoProgramsMakeNullRpcs) { client_and_server("null"); }
TEST(TaskProgram, OneProgramSendsOneWayMessagesToAnother) { client_and_server("oneway"); }
TEST(TaskProgram, RpcsCarryASendRightThereAndBack) { client_and_server("right"); }

// Out-of-line memory between two programs: every byte arrives, the
// server's writes to its copy never reach the client, and the client's
// writes after each send never reach the copy the server got.
TEST(TaskProgram, OutOfLineRpcsOf4KiBArriveIntactAndCopyOnWriteHolds) { client_and_server("oolcheck", "50", "4096"); }
TEST(TaskProgram, OutOfLineRpcsOf64KiBArriveIntactAndCopyOnWriteHolds) { client_and_server("oolcheck", "20", "65536"); }
TEST(TaskProgram, OutOfLineRpcsOf1MiBArriveIntactAndCopyOnWriteHolds) { client_and_server("oolcheck", "5", "1048576"); }
TEST(TaskProgram, OutOfLineRpcsWithoutChecksRunToTheirEnd) { client_and_server("ool", "200", "65536"); }

TEST(TaskProgram, SelfTrapsNameTheThreadTaskAndHostPorts) {
  auto p = load(UMACH_PROGRAM_SELF_PORTS, {"self_ports"});
  ASSERT_TRUE(p);
  Scenario s;
  s.tasks = {p.get()};
  run(s);
  // KERN_INVALID_TASK 16, KERN_INVALID_ARGUMENT 4, MACH_NOTIFY_DEAD_NAME 72.
  EXPECT_EQ(p->output(),
            "self ports: 1 1 1 distinct: 1\n"
            "thread again: 1 refs 2\n"
            "thread_abort self: 4\n"
            "allocate on host: 16\n"
            "abort the task: 4\n"
            "request: 0\n"
            "drop receive: 0\n"
            "notification: 0 id 72 for port 1\n"
            "dead name refs: 2\n");
  EXPECT_EQ(p->end_reason(), "terminated");
}

// thread_abort from another task ends a thread's wait in mach_msg.
struct AbortPair {
  TestTask* waiter;
  TestTask* aborter;
  umach::RefPtr<umach::ipc::Port> thread_port = {};
};

void run_abort_pair(void* arg) {
  auto* p = static_cast<AbortPair*>(arg);
  auto waiter = p->waiter->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(waiter.ok());
  // The aborter gets a send right to the waiter's thread port as 0x2000.
  p->thread_port = p->waiter->thread()->self_port();
  umach::ipc::TransitRight right = umach::ipc::kobject_make_send(p->thread_port.get());
  ASSERT_EQ(p->aborter->task().space().insert_right(0x2000, right), KERN_SUCCESS);
  auto aborter = p->aborter->start_thread(umach::sched::kPriorityUser);
  ASSERT_TRUE(aborter.ok());
  umach::sched::thread_join(*aborter.value());
  umach::sched::thread_join(*waiter.value());
}

TEST(TaskProgram, ThreadAbortEndsAnotherTasksWaitInMachMsg) {
  auto waiter = load(UMACH_PROGRAM_ABORT_WAITER, {"abort_waiter"});
  auto aborter = load(UMACH_PROGRAM_ABORTER, {"aborter"});
  ASSERT_TRUE(waiter && aborter);
  umach::ipc::IpcSpace& a = aborter->task().space();
  ASSERT_EQ(a.allocate_name(MACH_PORT_RIGHT_RECEIVE, 0x1000), KERN_SUCCESS);
  umach::ipc::TransitRight right;
  ASSERT_EQ(a.copyin_right(0x1000, MACH_MSG_TYPE_MAKE_SEND, &right), KERN_SUCCESS);
  ASSERT_EQ(waiter->task().space().insert_right(0x1000, right), KERN_SUCCESS);
  AbortPair pair{waiter.get(), aborter.get()};
  ASSERT_TRUE(umach::hosted::run_in_kernel(run_abort_pair, &pair, umach::sched::kPriorityKernel));
  EXPECT_EQ(waiter->output(), "waiter: 0x10004005\n");  // MACH_RCV_INTERRUPTED
  EXPECT_EQ(aborter->output(), "aborter: 0 out: 1\n");
  // Its thread ended, and its port died with it.
  EXPECT_TRUE(umach::ipc::kobject_make_send(pair.thread_port.get()).dead);
  pair.thread_port = nullptr;
}

TEST(TaskProgram, WriteToAnUnmappedPageIsResolvedAndResumed) {
  auto probe = load(UMACH_PROGRAM_HELLO, {"probe"});  // only for its window
  ASSERT_TRUE(probe);
  uint64_t target = probe->range().vm_min() + (uint64_t{1} << 30);  // far from image and stack
  char addr[32];
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(target));
  auto touch = load(UMACH_PROGRAM_TOUCH, {"touch", addr, "8", "w"});
  ASSERT_TRUE(touch);
  // The touch program's own window: recompute the target in it.
  target = touch->range().vm_min() + (uint64_t{1} << 30);
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(target));
  touch.reset();
  touch = load(UMACH_PROGRAM_TOUCH, {"touch", addr, "8", "w"});
  ASSERT_TRUE(touch);
  ASSERT_EQ(touch->range().vm_min() + (uint64_t{1} << 30), target) << "windows are reused in order";
  Scenario s;
  s.tasks = {touch.get()};
  run(s);
  EXPECT_EQ(touch->output(), "touch: ok\n");
  EXPECT_EQ(touch->end_reason(), "terminated");
  // Each of the 8 pages faulted once, on a write, at the page's first word.
  int at_target = 0;
  for (const TestTask::Fault& f : touch->faults()) {
    if (f.address < target || f.address >= target + 8 * 4096) continue;
    EXPECT_EQ(f.access, Access::kWrite);
    EXPECT_EQ(f.address % 4096, 0u);
    ++at_target;
  }
  EXPECT_EQ(at_target, 8);
}

TEST(TaskProgram, ReadOfAnUnmappedPageArrivesAsARead) {
  auto touch = load(UMACH_PROGRAM_TOUCH, {"touch", "0", "1", "r"});
  ASSERT_TRUE(touch);
  uint64_t target = touch->range().vm_min() + (uint64_t{1} << 31);
  char addr[32];
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(target));
  touch.reset();
  touch = load(UMACH_PROGRAM_TOUCH, {"touch", addr, "1", "r"});
  ASSERT_TRUE(touch);
  Scenario s;
  s.tasks = {touch.get()};
  run(s);
  EXPECT_EQ(touch->output(), "touch: ok\n");  // a zero-filled page reads as zeros
  bool seen = false;
  for (const TestTask::Fault& f : touch->faults())
    if (f.address == target) {
      EXPECT_EQ(f.access, Access::kRead);
      seen = true;
    }
  EXPECT_TRUE(seen);
}

// The touch program aimed at `offset` above its own window's vm_min: the
// window is known only once a task holds it, and windows are reused in
// order, so a first load finds it and the second reuses it.
std::unique_ptr<TestTask> load_touch_at(uint64_t offset, const char* count, const char* mode, uint64_t* target) {
  auto probe = load(UMACH_PROGRAM_TOUCH, {"touch", "0", "1", "r"});
  if (!probe) return nullptr;
  *target = probe->range().vm_min() + offset;
  char addr[32];
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(*target));
  probe.reset();
  return load(UMACH_PROGRAM_TOUCH, {"touch", addr, count, mode});
}

// Runs `touch` (aimed at target with mode "wn"), which must end at its
// first access there: a page fault the VM refused, with no handler.
void run_until_refused(TestTask& touch, uint64_t target) {
  Scenario s;
  s.tasks = {&touch};
  run(s);
  // EXC_BAD_ACCESS reached no handler (KERN_INVALID_ADDRESS or
  // KERN_PROTECTION_FAILURE, at the target).
  char at[32];
  snprintf(at, sizeof at, " at %#llx) with no handler", static_cast<unsigned long long>(target));
  EXPECT_EQ(touch.end_reason().rfind("exception EXC_BAD_ACCESS (KERN_", 0), 0u) << touch.end_reason();
  EXPECT_NE(touch.end_reason().find(at), std::string::npos) << touch.end_reason();
  EXPECT_EQ(touch.output(), "");
  ASSERT_FALSE(touch.faults().empty());
  EXPECT_EQ(touch.faults().back().address, target);
}

TEST(TaskProgram, TouchingMemoryNeverAllocatedEndsTheThread) {
  // Inside the window but outside every region of the task's map: the VM
  // refuses the fault (KERN_INVALID_ADDRESS) and, with no exception handler,
  // the thread ends.
  uint64_t target = 0;
  auto touch = load_touch_at(uint64_t{1} << 31, "1", "wn", &target);
  ASSERT_TRUE(touch);
  run_until_refused(*touch, target);
}

TEST(TaskProgram, VmAllocatedMemoryIsZeroFilledThroughTheVm) {
  uint64_t target = 0;
  auto touch = load_touch_at(uint64_t{1} << 31, "4", "w", &target);
  ASSERT_TRUE(touch);
  Scenario s;
  s.tasks = {touch.get()};
  run(s);
  EXPECT_EQ(touch->output(), "touch: ok\n");
  // The task's vm_allocate made one region there, and its pages came from
  // vm_fault: the kernel reads back what the program wrote.
  umach::vm::RegionInfo r;
  ASSERT_EQ(umach::vm::region(touch->map(), target, &r), KERN_SUCCESS);
  EXPECT_EQ(r.address, target);
  EXPECT_EQ(r.size, 4u * 4096);
  uint64_t v = 0;
  ASSERT_EQ(umach::vm::map_read(touch->map(), target + 3 * 4096, &v, sizeof v), KERN_SUCCESS);
  EXPECT_EQ(v, 4u);
}

// The program file's loadable segments, and the file.
struct ProgramFile {
  explicit ProgramFile(const char* path) {
    FILE* f = fopen(path, "rb");
    EXPECT_NE(f, nullptr) << path;
    for (int c; f && (c = fgetc(f)) != EOF;) bytes.push_back(static_cast<uint8_t>(c));
    if (f) fclose(f);
    Elf64_Ehdr eh;
    memcpy(&eh, bytes.data(), sizeof eh);
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      memcpy(&ph, bytes.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
      if (ph.p_type == PT_LOAD && ph.p_memsz != 0) segments.push_back(ph);
    }
  }
  // The last writable segment with file contents: .data (past RELRO).
  const Elf64_Phdr* data() const {
    const Elf64_Phdr* d = nullptr;
    for (const Elf64_Phdr& ph : segments)
      if ((ph.p_flags & PF_W) && ph.p_filesz > 0) d = &ph;
    return d;
  }
  std::vector<uint8_t> bytes;
  std::vector<Elf64_Phdr> segments;
};

// The physical page task `t` sees at va once it touched it with `access`.
uint64_t page_seen(TestTask& t, uint64_t va, unsigned access) {
  EXPECT_EQ(umach::vm::vm_fault(t.map(), va, access), KERN_SUCCESS);
  return umach::Platform::pmap_extract(t.map().pmap(), va);
}

// Two tasks running one program share its image object: the same physical
// text pages, and the same data pages until one writes (hello's .data has
// no relocation); the written page is then the writer's own, and the image
// object still holds the file's bytes. The image goes with the last task.
TEST(TaskProgram, TasksRunningOneProgramShareTextButNotWrittenData) {
  ProgramFile file(UMACH_PROGRAM_HELLO);
  const Elf64_Phdr* data = file.data();
  ASSERT_NE(data, nullptr);
  auto a = load(UMACH_PROGRAM_HELLO, {"hello"});
  auto b = load(UMACH_PROGRAM_HELLO, {"hello"});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->program().image, b->program().image);
  const uint64_t a_bias = a->program().load_bias, b_bias = b->program().load_bias;
  const uint64_t text = a->program().pc - a_bias, data_at = data->p_vaddr;
  EXPECT_EQ(page_seen(*a, a_bias + text, VM_PROT_EXECUTE), page_seen(*b, b_bias + text, VM_PROT_EXECUTE));
  EXPECT_EQ(page_seen(*a, a_bias + data_at, VM_PROT_READ), page_seen(*b, b_bias + data_at, VM_PROT_READ));
  Scenario s;
  s.tasks = {a.get(), b.get()};
  run(s);
  for (TestTask* t : s.tasks) {
    EXPECT_EQ(t->output(), "hello from a task program\nargv[0]: hello\n");
    EXPECT_EQ(t->end_reason(), "terminated");
  }
  EXPECT_EQ(page_seen(*a, a_bias + text, VM_PROT_READ), page_seen(*b, b_bias + text, VM_PROT_READ));
  // a writes its .data, as its own store would.
  const uint8_t mine = file.bytes[data->p_offset] ^ 0xff;
  ASSERT_EQ(umach::vm::map_write(a->map(), a_bias + data_at, &mine, 1), KERN_SUCCESS);
  EXPECT_NE(page_seen(*a, a_bias + data_at, VM_PROT_READ), page_seen(*b, b_bias + data_at, VM_PROT_READ));
  uint8_t theirs = 0;
  ASSERT_EQ(umach::vm::map_read(b->map(), b_bias + data_at, &theirs, 1), KERN_SUCCESS);
  EXPECT_EQ(theirs, file.bytes[data->p_offset]);
  {
    umach::SpinlockGuard hold(umach::vm::g_vm_lock);
    EXPECT_TRUE(umach::vm::object_holds(*a->program().image->object(), data->p_vaddr,
                                        file.bytes.data() + data->p_offset, data->p_filesz));
  }
  EXPECT_EQ(umach::program::ProgramImage::cached(), 1u);
  a.reset();
  EXPECT_EQ(umach::program::ProgramImage::cached(), 1u) << "b still runs it";
  b.reset();
  EXPECT_EQ(umach::program::ProgramImage::cached(), 0u);
}

// A program's text, static data and stack are regions of its task's map
// with the protections the file asks for; vm_read of .data returns the
// file's bytes.
TEST(TaskProgram, StaticDataAndStackAreVmMemory) {
  using umach::vm::RegionInfo;
  ProgramFile file(UMACH_PROGRAM_HELLO);
  auto t = load(UMACH_PROGRAM_HELLO, {"hello"});
  ASSERT_TRUE(t);
  const uint64_t bias = t->program().load_bias;
  for (const Elf64_Phdr& ph : file.segments) {
    RegionInfo r;
    ASSERT_EQ(umach::vm::region(t->map(), bias + ph.p_vaddr, &r), KERN_SUCCESS);
    ASSERT_LE(r.address, bias + ph.p_vaddr);
    if (ph.p_flags & PF_W) {
      // Copy-on-write data; its RELRO part read-only after relocation.
      EXPECT_TRUE(r.protection == (VM_PROT_READ | VM_PROT_WRITE) || r.protection == VM_PROT_READ);
      EXPECT_FALSE(r.shared);
    } else {
      unsigned want = VM_PROT_READ | (ph.p_flags & PF_X ? VM_PROT_EXECUTE : 0);
      EXPECT_EQ(r.protection, want);
      EXPECT_EQ(r.max_protection & VM_PROT_WRITE, 0u) << "text is never writable";
      EXPECT_TRUE(r.shared);
    }
  }
  const Elf64_Phdr* data = file.data();
  ASSERT_NE(data, nullptr);
  umach::vm::VmMapCopy* copy = nullptr;
  ASSERT_EQ(umach::vm::read(t->map(), bias + data->p_vaddr, data->p_filesz, &copy), KERN_SUCCESS);
  std::vector<uint8_t> got(data->p_filesz);
  ASSERT_EQ(umach::vm::copy_read(copy, 0, got.data(), got.size()), KERN_SUCCESS);
  umach::vm::discard(copy);
  EXPECT_EQ(got, std::vector<uint8_t>(file.bytes.begin() + data->p_offset,
                                      file.bytes.begin() + data->p_offset + data->p_filesz));
  RegionInfo stack;
  ASSERT_EQ(umach::vm::region(t->map(), t->program().stack_base, &stack), KERN_SUCCESS);
  EXPECT_EQ(stack.address, t->program().stack_base);
  EXPECT_EQ(stack.size, umach::program::kStackSize);
  EXPECT_EQ(stack.protection, unsigned{VM_PROT_READ | VM_PROT_WRITE});
}

TEST(TaskProgram, WritingItsTextEndsTheTaskWithAProtectionFault) {
  // The touch program aimed at its own entry point (windows are reused in
  // order: a first load finds where it will be).
  auto probe = load(UMACH_PROGRAM_TOUCH, {"touch", "0", "1", "r"});
  ASSERT_TRUE(probe);
  const uint64_t target = probe->program().pc;
  probe.reset();
  char addr[32];
  snprintf(addr, sizeof addr, "%#llx", static_cast<unsigned long long>(target));
  auto touch = load(UMACH_PROGRAM_TOUCH, {"touch", addr, "1", "wn"});
  ASSERT_TRUE(touch);
  ASSERT_EQ(touch->program().pc, target);
  run_until_refused(*touch, target);
  EXPECT_EQ(touch->faults().back().access, Access::kWrite);
  EXPECT_EQ(umach::vm::vm_fault(touch->map(), target, VM_PROT_WRITE), KERN_PROTECTION_FAILURE);
}

TEST(TaskProgram, AccessOutsideTheWindowEndsTheThread) {
  auto touch = load(UMACH_PROGRAM_TOUCH, {"touch", "0x1000", "1", "w"});
  ASSERT_TRUE(touch);
  Scenario s;
  s.tasks = {touch.get()};
  run(s);
  EXPECT_EQ(touch->end_reason(), "exception EXC_BAD_ACCESS (KERN_INVALID_ADDRESS at 0x1000) with no handler");
  ASSERT_FALSE(touch->faults().empty());
  EXPECT_EQ(touch->faults().back().address, 0x1000u);
}

TEST(TaskProgram, NullTrapsAnswerInvalidArgument) {
  auto trapper = load(UMACH_PROGRAM_TRAPPER, {"trapper", "1000"});
  ASSERT_TRUE(trapper);
  Scenario s;
  s.tasks = {trapper.get()};
  run(s);
  EXPECT_EQ(trapper->output(), "trapper: done\n");
  EXPECT_GE(trapper->trap_calls(), 1000u);
}

TEST(TaskProgram, SpinningProgramsAreAllPreemptedAndProgress) {
  unsigned n = 2 * umach::sched::cpu_count() + 1;  // more programs than CPUs
  std::vector<std::unique_ptr<TestTask>> owned;
  Scenario s;
  for (unsigned i = 0; i < n; ++i) {
    owned.push_back(load(UMACH_PROGRAM_SPIN, {"spin"}));
    ASSERT_TRUE(owned.back());
    s.tasks.push_back(owned.back().get());
  }
  s.run_ns = 30 * umach::sched::kTickNs;
  s.min_preemptions = 2;
  run(s);
  for (unsigned i = 0; i < n; ++i) {
    EXPECT_GT(owned[i]->preemptions(), 0u) << "program " << i << " was never preempted";
    EXPECT_GT(s.ticks[i], 0u) << "program " << i << " never ran";
    EXPECT_EQ(owned[i]->end_reason(), "stopped");
  }
}

TEST(TaskProgram, EqualPriorityProgramsShareOneCpuFairly) {
  if (umach::sched::cpu_count() != 1) GTEST_SKIP() << "one vCPU's round robin";
  constexpr unsigned kPrograms = 3;
  std::vector<std::unique_ptr<TestTask>> owned;
  Scenario s;
  for (unsigned i = 0; i < kPrograms; ++i) {
    owned.push_back(load(UMACH_PROGRAM_SPIN, {"spin"}));
    ASSERT_TRUE(owned.back());
    s.tasks.push_back(owned.back().get());
  }
  s.run_ns = 60 * umach::sched::kTickNs;
  s.min_preemptions = 4;
  run(s);
  // Fair round robin: each program's quantum runs out in turn, so their
  // preemption counts stay within a round or two of each other (the
  // programs start one after another, and stop wherever the round is;
  // ticks would not do:
  // when the host stalls the vCPU, the ticks it missed all land on
  // whichever program runs when it resumes).
  uint64_t least = ~uint64_t{0}, most = 0;
  for (TestTask* t : s.tasks) {
    least = std::min<uint64_t>(least, t->preemptions());
    most = std::max<uint64_t>(most, t->preemptions());
  }
  EXPECT_GE(least, 4u);
  EXPECT_LE(most, least + 2) << "preemptions: most " << most << ", least " << least;
}

}  // namespace

namespace {

TEST(TaskProgram, TasksSharingARangeNeverRunOnTwoCpusAtOnce) {
  using umach::hosted::AddressModel;
  umach::hosted::set_address_model(AddressModel::kShared);
  TestTask::reset_shared_range_stats();
  std::vector<std::unique_ptr<TestTask>> owned;
  Scenario s;
  for (int i = 0; i < 3; ++i) {
    owned.push_back(load(UMACH_PROGRAM_SPIN, {"spin"}));
    ASSERT_TRUE(owned.back());
    s.tasks.push_back(owned.back().get());
  }
  auto hello = load(UMACH_PROGRAM_HELLO, {"hello"});
  ASSERT_TRUE(hello);
  s.tasks.push_back(hello.get());
  umach::hosted::set_address_model(AddressModel::kWindowPerTask);
  ASSERT_EQ(&owned[0]->range(), &hello->range()) << "the shared model puts every task in one range";
  s.run_ns = 100 * umach::sched::kTickNs;  // room for the range to pass around
  s.min_preemptions = 1;
  s.must_end = {hello.get()};
  run(s);
  EXPECT_EQ(TestTask::shared_range_most_in_user(), 1);
  // Each kept its own bytes across the swaps: hello still printed its lines.
  EXPECT_EQ(hello->output(), "hello from a task program\nargv[0]: hello\n");
  for (auto& t : owned) EXPECT_GT(t->preemptions(), 0u);
}

}  // namespace
