// platform/hosted/examples.cc: the built-in examples (examples.h).
#include "platform/hosted/examples.h"

#include <limits.h>
#include <unistd.h>

#include <string.h>

namespace umach::hosted {
namespace {

constexpr Example kExamples[] = {
    {"send_receive", "send an integer to a port and receive it back, in a hand-built typed message", "", true},
    {"thread_by_hand", "thread_create, a guarded stack, thread_set_state; a stack overflow caught", "", true},
    {"sieve", "the first 100 primes from a chain of filter threads joined by ports (a Kahn network)", "", true},
    {"exception_handler", "a user-level handler maps the page a thread touched, and the thread goes on", "", true},
    {"pager", "an external pager: a memory object whose pages a thread of the task computes on demand", "", true},
    {"bootstrap", "the bootstrap task's ports: host_get_time on host-priv, the console device",
     "--host-priv-port=${host-port} --device-master-port=${device-port}", false},
};

bool readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

// The directory the umach executable is in.
std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  char* slash = strrchr(buf, '/');
  if (!slash) return "";
  *slash = '\0';
  return buf;
}

}  // namespace

std::span<const Example> builtin_examples() { return kExamples; }

const Example* find_example(const std::string& name) {
  for (const Example& e : kExamples) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

std::string example_path(const std::string& name) {
  const std::string file = "/umach_example_" + name + ".elf";
  const std::string beside = executable_dir();
  if (!beside.empty() && readable(beside + "/" UMACH_EXAMPLES_FROM_EXE + file)) return beside + "/" UMACH_EXAMPLES_FROM_EXE + file;
  if (readable(UMACH_EXAMPLES_DIR + file)) return UMACH_EXAMPLES_DIR + file;
  return "";
}

}  // namespace umach::hosted
