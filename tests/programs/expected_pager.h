// tests/programs/expected_pager.h: what the pager test programs print, for
// every platform that runs them (the hosted tests, tests/hosted/pager_test.cc
// and vm_program_test.cc, and the bare-metal images'
// platform/baremetal/common/example_selftests.cc).
#pragma once

namespace umach::test_programs {

// `pager_cases SCENARIO` prints "SCENARIO" and this when every check held.
inline constexpr const char kPagerScenarioOk[] = ": ok\n";

// `pager_cases end_waiting` ends its own task with a fault waiting, before
// it could say ok.
inline constexpr const char kPagerEndWaitingOutput[] = "end_waiting: ending the task with a fault waiting\n";

// `pager_cases` with an unknown scenario: its output starts with this.
inline constexpr const char kPagerUsagePrefix[] = "usage: pager_cases SCENARIO";

// `default_pager HOST_PRIV_NAME BIG_PAGES` with BIG_PAGES more than memory
// holds: each check's line, then the verdict.
inline constexpr const char kDefaultPagerOutput[] =
    "vm_set_default_memory_manager gives the kernel's: ok\n"
    "asking again gives the same port: ok\n"
    "a task port is not host_priv: ok\n"
    "default_pager_info: ok\n"
    "default_pager_info on another port: ok\n"
    "default_pager_object_create: ok\n"
    "default_pager_object_create of size 0: ok\n"
    "two maps of the object: ok\n"
    "the maps share its pages: ok\n"
    "vm_allocate of more than memory: ok\n"
    "default_pager_objects lists paged-out memory: ok\n"
    "default_pager_object_pages lists the object's: ok\n"
    "default_pager_object_pages of a non-object: ok\n"
    "every page comes back: ok\n"
    "everything given back: ok\n"
    "default_pager: all ok\n";

}  // namespace umach::test_programs
