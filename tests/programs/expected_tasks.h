// tests/programs/expected_tasks.h: what tests/programs/tasks.c prints in
// the modes every platform runs (the hosted tests, tests/hosted/task_test.cc,
// and the bare-metal images' platform/baremetal/common/example_selftests.cc).
#pragma once

namespace umach::test_programs {

// `tasks fork`: a child made with inherited memory runs the parent's code
// on its copy, then dies with its port.
inline constexpr const char kTasksForkOutput[] =
    "task_create: 0\n"
    "insert right: 0\n"
    "thread in child: 0\n"
    "task_threads: 0 count 1\n"
    "thread_info: 0 suspend_count 1\n"
    "thread_resume: 0\n"
    "from the child: 0 id 77 saw 1\n"
    "parent still has 1\n"
    "task_terminate: 0\n"
    "task_suspend of the ended child: 268435459\n"
    "thread_resume of its thread: 268435459\n";

// `tasks empty`: a child without inherited memory is empty.
inline constexpr const char kTasksEmptyOutput[] =
    "task_create: 0\n"
    "task_info: 0 virtual_size 0\n"
    "vm_region: 3\n"
    "thread_create: 0\n"
    "task_terminate: 0\n"
    "again: 268435459\n";

}  // namespace umach::test_programs
