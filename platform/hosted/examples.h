// platform/hosted/examples.h: the built-in examples (examples/), which
// `umach run NAME` runs by name, `umach list` lists and the default demo
// runs one after another.
//
// Their programs are built with umach (examples/CMakeLists.txt) into the
// build tree's examples/ directory. umach finds it relative to its own
// executable (the path between the two is fixed when it is built, so a
// build tree moved whole still works), else at the absolute path the build
// used.
#pragma once

#include <span>
#include <string>

namespace umach::hosted {

struct Example {
  const char* name;
  const char* description;  // one line, for `umach list`
  const char* args;         // its arguments after the name (boot variables allowed), or ""
  bool in_demo;             // run by the default demo
};

// Every built-in example, the demo's in the demo's order.
std::span<const Example> builtin_examples();

// The example called `name`, or null.
const Example* find_example(const std::string& name);

// The file of example `name`'s program ("" if it is not there).
std::string example_path(const std::string& name);

}  // namespace umach::hosted
