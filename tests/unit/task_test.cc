// tests/unit/task_test.cc: the core's side of the task calls
// (core/task/task.h, task_control.cc, thread_info.cc), with no user code:
// the thread list, the suspend count, task_info's and thread_info's
// errors, priorities, task_create's children and their end. The threads
// here are MachThreads over kernel threads that already ended. The leak
// audit after each test checks that every task, thread and page went.
#include <gtest/gtest.h>

#include <mach/task_info.h>
#include <mach/thread_info.h>

#include "core/sched/sched.h"
#include "core/task/task.h"
#include "core/task/thread.h"
#include "vm/map.h"
#include <umach/backend.h>

namespace {

using umach::MachThread;
using umach::RefPtr;
using umach::Task;

void nothing(void*) {}

// Runs fn on a kernel thread (joining a thread blocks).
template <class F>
void in_kernel(F fn) {
  ASSERT_TRUE(umach::hosted::run_in_kernel([](void* f) { (*static_cast<F*>(f))(); }, &fn,
                                           umach::sched::kPriorityKernel));
}

RefPtr<MachThread> make_thread(RefPtr<Task> task) {
  auto k = umach::sched::kernel_thread("unit", nothing, nullptr, umach::sched::kPriorityUser);
  EXPECT_TRUE(k.ok());
  umach::sched::thread_join(*k.value());
  auto t = MachThread::create(std::move(task), k.value());
  return t.ok() ? t.value() : RefPtr<MachThread>();
}

RefPtr<Task> make_task() {
  auto t = Task::create();
  EXPECT_TRUE(t.ok());
  return t.ok() ? t.value() : RefPtr<Task>();
}

size_t thread_count(Task& task) {
  Task::Threads threads;
  EXPECT_EQ(task.threads(&threads), KERN_SUCCESS);
  return threads.size();
}

TEST(TaskCore, ThreadsAreListedInCreationOrderUntilTheyTerminate) {
  in_kernel([] {
    RefPtr<Task> task = make_task();
    RefPtr<MachThread> a = make_thread(task), b = make_thread(task);
    ASSERT_TRUE(a && b);
    {
      Task::Threads threads;
      ASSERT_EQ(task->threads(&threads), KERN_SUCCESS);
      ASSERT_EQ(threads.size(), 2u);
      EXPECT_EQ(&threads[0], a.get());
      EXPECT_EQ(&threads[1], b.get());
    }
    a->terminate();
    EXPECT_EQ(thread_count(*task), 1u);
    task->terminate_all();
    EXPECT_TRUE(b->ended());
    EXPECT_EQ(thread_count(*task), 0u);
    EXPECT_FALSE(MachThread::create(task, RefPtr<umach::sched::Thread>()).ok()) << "no thread joins an ended task";
  });
}

TEST(TaskCore, SuspendCountsAndResumeAtZeroFails) {
  RefPtr<Task> task = make_task();
  EXPECT_EQ(task->resume(), KERN_FAILURE);
  EXPECT_EQ(task->suspend(), KERN_SUCCESS);
  EXPECT_EQ(task->suspend(), KERN_SUCCESS);
  EXPECT_EQ(task->suspend_count(), 2);
  EXPECT_EQ(task->resume(), KERN_SUCCESS);
  EXPECT_EQ(task->suspend_count(), 1);
  EXPECT_EQ(task->resume(), KERN_SUCCESS);
  EXPECT_EQ(task->resume(), KERN_FAILURE);
  task->terminate();
  EXPECT_EQ(task->suspend(), KERN_INVALID_ARGUMENT);
  EXPECT_EQ(task->resume(), KERN_INVALID_ARGUMENT);
}

TEST(TaskCore, InfoRefusesUnknownFlavorsAndShortCounts) {
  in_kernel([] {
    RefPtr<Task> task = make_task();
    task_basic_info_data_t b;
    mach_msg_type_number_t count = TASK_BASIC_INFO_COUNT;
    EXPECT_EQ(task->info(TASK_BASIC_INFO, reinterpret_cast<integer_t*>(&b), &count), KERN_SUCCESS);
    EXPECT_EQ(count, 30u);
    EXPECT_EQ(b.virtual_size, 0u);  // no map
    EXPECT_EQ(b.base_priority, umach::sched::kPriorityUser);
    count = TASK_EVENTS_INFO_COUNT - 1;
    EXPECT_EQ(task->info(TASK_EVENTS_INFO, reinterpret_cast<integer_t*>(&b), &count), KERN_INVALID_ARGUMENT);
    count = TASK_BASIC_INFO_COUNT;
    EXPECT_EQ(task->info(4, reinterpret_cast<integer_t*>(&b), &count), KERN_INVALID_ARGUMENT);

    RefPtr<MachThread> t = make_thread(task);
    ASSERT_TRUE(t);
    thread_basic_info_data_t tb;
    count = THREAD_BASIC_INFO_COUNT;
    EXPECT_EQ(t->info(THREAD_BASIC_INFO, reinterpret_cast<integer_t*>(&tb), &count), KERN_SUCCESS);
    EXPECT_EQ(count, 32u);
    EXPECT_EQ(tb.run_state, TH_STATE_HALTED) << "its kernel thread ended";
    count = THREAD_SCHED_INFO_COUNT - 1;
    EXPECT_EQ(t->info(THREAD_SCHED_INFO, reinterpret_cast<integer_t*>(&tb), &count), KERN_INVALID_ARGUMENT);
    count = THREAD_BASIC_INFO_COUNT;
    EXPECT_EQ(t->info(3, reinterpret_cast<integer_t*>(&tb), &count), KERN_INVALID_ARGUMENT);
    task->terminate_all();
  });
}

TEST(TaskCore, PrioritiesStayWithinRangeAndBelowTheMaximum) {
  in_kernel([] {
    RefPtr<Task> task = make_task();
    RefPtr<MachThread> t = make_thread(task);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->max_priority(), umach::sched::kPriorityUser);
    EXPECT_EQ(t->set_priority(50, false), KERN_INVALID_ARGUMENT);
    EXPECT_EQ(t->set_priority(24, false), KERN_FAILURE);
    EXPECT_EQ(t->set_priority(40, true), KERN_SUCCESS);
    EXPECT_EQ(t->max_priority(), 40);
    EXPECT_EQ(t->set_priority(30, false), KERN_FAILURE);
    EXPECT_EQ(task->set_priority(-1, false), KERN_INVALID_ARGUMENT);
    EXPECT_EQ(task->set_priority(30, true), KERN_FAILURE) << "the thread's maximum is 40";
    EXPECT_EQ(task->base_priority(), 30);
    EXPECT_EQ(task->set_priority(45, true), KERN_SUCCESS);
    EXPECT_EQ(t->base_priority(), 45);
    // thread_max_priority may raise the maximum again, or lower the base with it.
    EXPECT_EQ(t->set_max_priority(50), KERN_INVALID_ARGUMENT);
    EXPECT_EQ(t->set_max_priority(10), KERN_SUCCESS);
    EXPECT_EQ(t->set_priority(12, false), KERN_SUCCESS) << "above the old maximum, below the new";
    EXPECT_EQ(t->set_max_priority(20), KERN_SUCCESS);
    EXPECT_EQ(t->max_priority(), 20);
    EXPECT_EQ(t->base_priority(), 20) << "the base came down to the new maximum";
    task->terminate_all();
  });
}

TEST(TaskCore, NameIsKeptTruncated) {
  RefPtr<Task> task = make_task();
  char name[Task::kNameMax];
  task->name(name);
  EXPECT_STREQ(name, "");
  std::string longer(100, 'x');
  task->set_name(longer.c_str());
  task->name(name);
  EXPECT_EQ(std::string(name), std::string(Task::kNameMax - 1, 'x'));
}

TEST(TaskCore, CreatedChildLivesUntilTerminated) {
  RefPtr<Task> parent = make_task();
  const size_t before = umach::live_tasks();
  Task* raw;
  {
    auto child = parent->create_child(false);
    ASSERT_TRUE(child.ok());
    raw = child.value().get();
  }
  EXPECT_EQ(umach::live_tasks(), before + 1) << "it holds itself";
  RefPtr<Task>::share(raw)->terminate_all();
  EXPECT_EQ(umach::live_tasks(), before);
}

TEST(TaskCore, ForkedChildWithARunnerIsFreedWhenTerminatedThreadless) {
  RefPtr<umach::vm::VmMap> map = RefPtr<umach::vm::VmMap>::adopt(umach::vm::VmMap::create(nullptr));
  ASSERT_TRUE(map);
  auto parent = Task::create(map);
  ASSERT_TRUE(parent.ok());
  const size_t tasks = umach::live_tasks(), maps = umach::vm::live_maps();
  Task* raw;
  {
    auto child = parent.value()->create_child(true);
    ASSERT_TRUE(child.ok());
    raw = child.value().get();
  }
  EXPECT_EQ(umach::vm::live_maps(), maps + 1);
  // The hosted runner (a kernel-owned TestTask) holds the task and its map
  // until the task's end, then frees itself.
  RefPtr<Task>::share(raw)->terminate_all();
  EXPECT_EQ(umach::live_tasks(), tasks);
  EXPECT_EQ(umach::vm::live_maps(), maps);
  parent.value()->terminate();
}

}  // namespace
