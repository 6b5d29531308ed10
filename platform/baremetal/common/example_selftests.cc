// platform/baremetal/common/example_selftests.cc: the examples (examples/*.c,
// embedded in the image: bare_task.h) run as task programs in real user
// mode, each a self-test between the harness's leak audits: it must end
// normally ("terminated") having printed exactly what
// examples/expected_output.h says, the same check the hosted tests make.
// Each runs as the bootstrap task, with the host-privileged and device
// master ports (core/task/bootstrap.h). Test programs that need no host
// (tests/programs/tasks.c) run the same way, checked against the output
// the hosted tests expect (tests/programs/expected_tasks.h), and so do
// the pager test programs: each scenario of tests/programs/pager_cases.c
// (an external pager and the faults it serves, in one task) and the
// kernel's default pager's calls (tests/programs/default_pager.c), against
// tests/programs/expected_pager.h; and a user default memory manager
// (tests/programs/user_dmm.c), against tests/programs/expected_user_dmm.h.
#include "core/log.h"
#include "core/page_alloc.h"
#include "core/sched/sched.h"
#include "core/task/task.h"
#include "core/selftest.h"
#include "core/task/bootstrap.h"
#include "examples/expected_output.h"
#include "platform/baremetal/common/bare_task.h"
#include "tests/programs/expected_pager.h"
#include "tests/programs/expected_tasks.h"
#include "tests/programs/expected_user_dmm.h"
#include "vm/swap.h"

namespace umach::baremetal {
namespace {

bool equal(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

// `s` starts with `prefix`: the rest of s, else null.
const char* after_prefix(const char* s, const char* prefix) {
  while (*prefix && *s == *prefix) ++s, ++prefix;
  return *prefix ? nullptr : s;
}

// Runs the embedded program `name` with argv[0..argc) (argv[0] its name) as
// the bootstrap task; false if it could not start. `check` then sees its
// output and end reason before the task is freed.
template <class Check>
void run_example(SelfTestContext& selftest_ctx, const char* name, const char* const* argv, size_t argc,
                 Check&& check) {
  const EmbeddedProgram* program = find_program(name);
  ST_CHECK(program != nullptr);
  if (!program) return;
  auto loaded = BareTask::load(*program, argv, argc);
  ST_CHECK(loaded.ok());
  if (!loaded.ok()) return;
  BareTask* task = loaded.value();
  ST_CHECK_EQ(give_bootstrap_ports(task->task()), KERN_SUCCESS);
  const char* reason = task->run_to_end();
  if (!equal(reason, "terminated")) klog("%s ended: %s\n", name, reason);
  ST_CHECK(equal(reason, "terminated"));
  if (!check(task->output())) klog("%s printed, unexpectedly:\n%s", name, task->output());
  // Runners of tasks it made with task_create free themselves on their
  // last kernel thread: give them a moment before the leak audit.
  for (int i = 0; i < 500 && live_tasks() > 1; ++i) sched::sleep_ns(1'000'000);
  ST_CHECK_EQ(live_tasks(), size_t{1});
  task->release();
}

}  // namespace

UMACH_SELFTEST(example_send_receive_gets_its_integer_back) {
  const char* argv[] = {"send_receive"};
  run_example(selftest_ctx, "send_receive", argv, 1, [&](const char* out) {
    ST_CHECK(equal(out, examples::kSendReceiveOutput));
    return equal(out, examples::kSendReceiveOutput);
  });
}

UMACH_SELFTEST(example_thread_by_hand_runs_a_thread_and_catches_an_overflow) {
  const char* argv[] = {"thread_by_hand"};
  run_example(selftest_ctx, "thread_by_hand", argv, 1, [&](const char* out) {
    // The prefix, a count of calls (its digits), the suffix.
    const char* rest = after_prefix(out, examples::kThreadByHandBeforeCount);
    const char* digits = rest;
    while (rest && *rest >= '0' && *rest <= '9') ++rest;
    const bool ok = rest && rest != digits && *digits != '0' && equal(rest, examples::kThreadByHandAfterCount);
    ST_CHECK(ok);
    return ok;
  });
}

UMACH_SELFTEST(example_exception_handler_maps_the_touched_page) {
  const char* argv[] = {"exception_handler"};
  run_example(selftest_ctx, "exception_handler", argv, 1, [&](const char* out) {
    ST_CHECK(equal(out, examples::kExceptionHandlerOutput));
    return equal(out, examples::kExceptionHandlerOutput);
  });
}

UMACH_SELFTEST(example_pager_computes_pages_on_demand) {
  const char* argv[] = {"pager"};
  run_example(selftest_ctx, "pager", argv, 1, [&](const char* out) {
    ST_CHECK(equal(out, examples::kPagerOutput));
    return equal(out, examples::kPagerOutput);
  });
}

UMACH_SELFTEST(example_bootstrap_gets_the_host_priv_and_device_master_ports) {
  // The boot script's variables, substituted as a boot loader would.
  char host[40], device[40];
  ksnprintf(host, sizeof host, "--host-priv-port=%u", kHostPortName);
  ksnprintf(device, sizeof device, "--device-master-port=%u", kDevicePortName);
  const char* argv[] = {"bootstrap", host, device};
  run_example(selftest_ctx, "bootstrap", argv, 3, [&](const char* out) {
    ST_CHECK(equal(out, examples::kBootstrapOutput));
    return equal(out, examples::kBootstrapOutput);
  });
}

UMACH_SELFTEST(example_sieve_finds_the_first_hundred_primes_and_tears_down) {
  const char* argv[] = {"sieve"};
  run_example(selftest_ctx, "sieve", argv, 1, [&](const char* out) {
    // The primes by trial division, in the sieve's layout.
    char expected[1024];
    size_t n = ksnprintf(expected, sizeof expected, "%s", examples::kSieveFirstLine);
    int primes[examples::kSievePrimes];
    int count = 0;
    for (int k = 2; count < examples::kSievePrimes; ++k) {
      bool prime = true;
      for (int i = 0; i < count && prime; ++i) prime = k % primes[i] != 0;
      if (!prime) continue;
      primes[count++] = k;
      n += ksnprintf(expected + n, sizeof expected - n, "%5d%s", k, count % 10 == 0 ? "\n" : "");
    }
    ksnprintf(expected + n, sizeof expected - n, "%s", examples::kSieveLastLine);
    ST_CHECK(equal(out, expected));
    return equal(out, expected);
  });
}

UMACH_SELFTEST(tasks_forked_child_runs_parent_code_on_a_copy_and_dies_with_its_port) {
  const char* argv[] = {"tasks", "fork"};
  run_example(selftest_ctx, "tasks", argv, 2, [&](const char* out) {
    ST_CHECK(equal(out, test_programs::kTasksForkOutput));
    return equal(out, test_programs::kTasksForkOutput);
  });
}

UMACH_SELFTEST(tasks_child_without_inherited_memory_is_empty) {
  const char* argv[] = {"tasks", "empty"};
  run_example(selftest_ctx, "tasks", argv, 2, [&](const char* out) {
    ST_CHECK(equal(out, test_programs::kTasksEmptyOutput));
    return equal(out, test_programs::kTasksEmptyOutput);
  });
}

// ---- The external-pager scenarios (tests/programs/pager_cases.c) ----
// One run of the program per scenario, as tests/hosted/pager_test.cc runs
// them (there on 2 vCPUs, here on the image's one: every scenario waits
// for its pager's answers with time limits, never by spinning, so one CPU
// serves both sides). Each must end normally having printed exactly
// `expected`, or "SCENARIO: ok" if that is null.
namespace {
void expect_pager_scenario(SelfTestContext& selftest_ctx, const char* scenario, const char* expected = nullptr) {
  char ok[64];
  ksnprintf(ok, sizeof ok, "%s%s", scenario, test_programs::kPagerScenarioOk);
  if (!expected) expected = ok;
  const char* argv[] = {"pager_cases", scenario};
  run_example(selftest_ctx, "pager_cases", argv, 2, [&](const char* out) {
    ST_CHECK(equal(out, expected));
    return equal(out, expected);
  });
}

}  // namespace

UMACH_SELFTEST(pager_data_request_per_missing_page_answered_by_data_supply) {
  expect_pager_scenario(selftest_ctx, "supply");
}

UMACH_SELFTEST(pager_data_unavailable_zero_fills_the_page) { expect_pager_scenario(selftest_ctx, "unavailable"); }

UMACH_SELFTEST(pager_data_error_raises_bad_access_with_kern_memory_error) {
  expect_pager_scenario(selftest_ctx, "error");
}

UMACH_SELFTEST(pager_misaligned_partial_or_misaddressed_supply_changes_nothing) {
  expect_pager_scenario(selftest_ctx, "garbage");
}

UMACH_SELFTEST(pager_supply_of_data_the_pager_has_not_got_waits_for_it) {
  expect_pager_scenario(selftest_ctx, "supply_unsupplied");
}

UMACH_SELFTEST(pager_supply_whose_data_cannot_be_had_fails_and_changes_nothing) {
  expect_pager_scenario(selftest_ctx, "supply_source_error");
}

UMACH_SELFTEST(pager_destroyed_pager_port_fails_waiting_and_later_faults) {
  expect_pager_scenario(selftest_ctx, "destroyed");
}

UMACH_SELFTEST(pager_thread_abort_ends_a_wait_for_a_silent_pager) {
  expect_pager_scenario(selftest_ctx, "silent_abort");
}

UMACH_SELFTEST(pager_thread_terminate_ends_a_wait_for_a_silent_pager) {
  expect_pager_scenario(selftest_ctx, "silent_terminate");
}

// The task ends itself with a fault waiting: "terminated", like any other.
UMACH_SELFTEST(pager_task_terminate_with_a_fault_waiting_ends_the_task) {
  expect_pager_scenario(selftest_ctx, "end_waiting", test_programs::kPagerEndWaitingOutput);
}

UMACH_SELFTEST(pager_maps_of_one_port_share_one_object) { expect_pager_scenario(selftest_ctx, "shared"); }

UMACH_SELFTEST(pager_attributes_follow_ready_and_change_attributes) {
  expect_pager_scenario(selftest_ctx, "attributes");
}

UMACH_SELFTEST(pager_faults_wait_until_the_pager_is_ready) { expect_pager_scenario(selftest_ctx, "ready_wait"); }

UMACH_SELFTEST(pager_terminate_after_the_last_unmap_gives_receive_rights) {
  expect_pager_scenario(selftest_ctx, "terminate");
}

UMACH_SELFTEST(pager_lock_request_returns_dirty_pages_flushes_and_completes) {
  expect_pager_scenario(selftest_ctx, "lock_request");
}

UMACH_SELFTEST(pager_lock_request_with_no_change_leaves_pages_as_they_are) {
  expect_pager_scenario(selftest_ctx, "lock_no_change");
}

UMACH_SELFTEST(pager_write_to_a_write_locked_page_asks_data_unlock) {
  expect_pager_scenario(selftest_ctx, "unlock");
}

UMACH_SELFTEST(pager_last_unmap_returns_dirty_and_precious_pages_before_terminate) {
  expect_pager_scenario(selftest_ctx, "returns");
}

UMACH_SELFTEST(pager_msync_returns_dirty_pages_and_invalidate_drops_them) {
  expect_pager_scenario(selftest_ctx, "msync");
}

UMACH_SELFTEST(pager_msync_over_ten_mappings_returns_every_dirty_page) {
  expect_pager_scenario(selftest_ctx, "msync_many");
}

UMACH_SELFTEST(pager_a_may_cache_object_outlives_its_last_mapping_until_the_pager_clears_it) {
  expect_pager_scenario(selftest_ctx, "cache");
}

UMACH_SELFTEST(pager_destroyed_object_terminates_at_once_and_fails_later_faults) {
  expect_pager_scenario(selftest_ctx, "destroy");
}

UMACH_SELFTEST(pager_destroying_an_object_only_the_cache_holds_terminates_it_once) {
  expect_pager_scenario(selftest_ctx, "destroy_cached");
}

UMACH_SELFTEST(pager_copy_call_tells_the_pager_and_reads_through_what_it_lacks) {
  expect_pager_scenario(selftest_ctx, "copy_call");
}

UMACH_SELFTEST(pager_copy_none_copies_at_once_asking_for_missing_pages) {
  expect_pager_scenario(selftest_ctx, "copy_none");
}

UMACH_SELFTEST(pager_unknown_scenario_prints_usage) {
  const char* argv[] = {"pager_cases", "no_such"};
  run_example(selftest_ctx, "pager_cases", argv, 2, [&](const char* out) {
    const bool ok = after_prefix(out, test_programs::kPagerUsagePrefix) != nullptr;
    ST_CHECK(ok);
    return ok;
  });
}

// ---- The kernel's default pager (tests/programs/default_pager.c) ----
// As tests/hosted/vm_program_test.cc runs it: as the bootstrap task, given
// the host-privileged port's name and a count of pages (hex) to touch, so
// that its object's pages go to the swap and come back. Hosted asks for
// memory's total plus 2048 pages, with 1 GiB of swap. Here the swap is
// 16 MiB carved off RAM (core/boot.cc: 4095 slots) and cannot take that
// much: touching a page costs the kernel memory too (its VmPage, its
// mapping's PvEntry, page tables), and pageout keeps up to total/32 pages
// free (vm/pageout.cc), so with the free pages plus 512 the swap held 4087
// pages once touched, and reading them back (each pushes out a page read
// already, into a slot of its own) ran out of slots: an EXC_BAD_ACCESS.
// So the program touches kBelowFree pages fewer than are free: its pages
// and the kernel's bookkeeping of them still exceed free memory, and some
// two thousand pages go out to the swap and come back (the log line says
// how many; on amd64 2838 pageouts and 1887 pageins, within the 4095 slots).
UMACH_SELFTEST(default_pager_calls_and_its_objects_through_the_swap) {
  constexpr size_t kBelowFree = 2560;
  const size_t free = page_allocator().free_pages();
  ST_CHECK(free > 2 * kBelowFree);
  if (free <= 2 * kBelowFree) return;
  const size_t big = free - kBelowFree;
  char host[24], pages[24];
  ksnprintf(host, sizeof host, "%u", kHostPortName);
  ksnprintf(pages, sizeof pages, "%zx", big);
  const char* argv[] = {"default_pager", host, pages};
  const vm::SwapCounts before = vm::swap_counts();
  run_example(selftest_ctx, "default_pager", argv, 3, [&](const char* out) {
    ST_CHECK(equal(out, test_programs::kDefaultPagerOutput));
    return equal(out, test_programs::kDefaultPagerOutput);
  });
  // Pages really went to the swap and came back from it.
  const vm::SwapCounts after = vm::swap_counts();
  klog("default_pager: %zu pages touched, %llu pageouts, %llu pageins, %zu of %zu slots in use after\n", big,
       static_cast<unsigned long long>(after.writes - before.writes),
       static_cast<unsigned long long>(after.reads - before.reads), after.used, after.total);
  ST_CHECK(after.writes - before.writes >= 256);
  ST_CHECK(after.reads - before.reads >= 256);
}

// ---- A user default memory manager (tests/programs/user_dmm.c) ----
// As tests/hosted/user_dmm_test.cc runs it: a store and a hog of 5/8 of
// the free pages each, the store wired, so that the hog's pages go out to
// the task's own manager and come back; the kernel's default pager is put
// back at the end (the program checks it), and with it the swap.
UMACH_SELFTEST(user_dmm_pages_anonymous_memory_out_and_back) {
  const size_t free = page_allocator().free_pages();
  const size_t hog = free * 5 / 8, store = free * 5 / 8;
  char host[24], hog_pages[24], store_pages[24];
  ksnprintf(host, sizeof host, "%u", kHostPortName);
  ksnprintf(hog_pages, sizeof hog_pages, "%zx", hog);
  ksnprintf(store_pages, sizeof store_pages, "%zx", store);
  const char* argv[] = {"user_dmm", host, hog_pages, store_pages};
  run_example(selftest_ctx, "user_dmm", argv, 4, [&](const char* out) {
    ST_CHECK(equal(out, test_programs::kUserDmmOutput));
    return equal(out, test_programs::kUserDmmOutput);
  });
}

}  // namespace umach::baremetal
