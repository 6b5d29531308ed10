// platform/baremetal/common/example_selftests.cc: the examples (examples/*.c,
// embedded in the image: bare_task.h) run as task programs in real user
// mode, each a self-test between the harness's leak audits: it must end
// normally ("terminated") having printed exactly what
// examples/expected_output.h says, the same check the hosted tests make.
// Each runs as the bootstrap task, with the host-privileged and device
// master ports (core/task/bootstrap.h). Test programs that need no host
// (tests/programs/tasks.c) run the same way, checked against the output
// the hosted tests expect (tests/programs/expected_tasks.h).
#include "core/log.h"
#include "core/sched/sched.h"
#include "core/task/task.h"
#include "core/selftest.h"
#include "core/task/bootstrap.h"
#include "examples/expected_output.h"
#include "platform/baremetal/common/bare_task.h"
#include "tests/programs/expected_tasks.h"

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

}  // namespace umach::baremetal
