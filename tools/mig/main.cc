// tools/mig/main.cc: umach's mig, the command line.
//
//   mig [-cpp CMD] [-I DIR] [-D NAME[=VALUE]] [-U NAME] [-MD DEPFILE]
//       [-user FILE.c] [-header FILE.h] [-server FILE.c] [-sheader FILE.h]
//       [-kernel-server FILE.cc -kheader FILE.h] [-kernel-user FILE.cc -kuheader FILE.h]
//       [-header-as NAME] [-sheader-as NAME] [-msgids] file.defs
//
// One run writes one side: the user/server outputs (C) together, or the
// kernel's dispatch (C++, with KERNEL_SERVER defined for the
// preprocessor), or the kernel's client stubs (C++, KERNEL_USER defined).
// -header-as (-sheader-as) names the client (server) header as the
// generated source #includes it (default: the header's file name). -msgids prints one line per routine,
// "request-id reply-id subsystem routine" as in shared/msgids.txt.
// Errors print as "file:line: error: message" and exit 1.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "mig.h"

namespace {

struct Options {
  std::string cpp = "clang -E -x c -std=c11 -nostdinc";
  std::vector<std::string> cpp_args;
  std::string depfile;
  std::string user, header, server, sheader, kserver, kheader, kuser, kuheader, header_as, sheader_as;
  bool msgids = false;
  std::string defs;
};

[[noreturn]] void usage(const char* why) {
  std::cerr << "mig: " << why << "\n"
            << "usage: mig [-cpp CMD] [-I DIR] [-D NAME[=V]] [-U NAME] [-MD DEPFILE]\n"
               "           [-user F.c] [-header F.h] [-server F.c] [-sheader F.h]\n"
               "           [-kernel-server F.cc -kheader F.h] [-kernel-user F.cc -kuheader F.h]\n"
               "           [-header-as NAME] [-sheader-as NAME] [-msgids] file.defs\n";
  std::exit(2);
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "-cpp") o.cpp = value();
    else if (a.rfind("-I", 0) == 0 || a.rfind("-D", 0) == 0 || a.rfind("-U", 0) == 0) {
      if (a.size() == 2) o.cpp_args.push_back(a + value());
      else o.cpp_args.push_back(a);
    } else if (a == "-MD") o.depfile = value();
    else if (a == "-user") o.user = value();
    else if (a == "-header") o.header = value();
    else if (a == "-server") o.server = value();
    else if (a == "-sheader") o.sheader = value();
    else if (a == "-kernel-server") o.kserver = value();
    else if (a == "-kheader") o.kheader = value();
    else if (a == "-kernel-user") o.kuser = value();
    else if (a == "-kuheader") o.kuheader = value();
    else if (a == "-header-as") o.header_as = value();
    else if (a == "-sheader-as") o.sheader_as = value();
    else if (a == "-msgids") o.msgids = true;
    else if (!a.empty() && a[0] == '-') usage(("unknown option " + a).c_str());
    else if (o.defs.empty()) o.defs = a;
    else usage("more than one .defs file");
  }
  if (o.defs.empty()) usage("no .defs file");
  const bool user_side = !o.user.empty() || !o.header.empty() || !o.server.empty() || !o.sheader.empty();
  const bool ks = !o.kserver.empty() || !o.kheader.empty();
  const bool ku = !o.kuser.empty() || !o.kuheader.empty();
  if (user_side + ks + ku > 1) usage("one run writes user/server outputs, or the kernel's dispatch, or the kernel's client stubs");
  if ((!o.kserver.empty()) != (!o.kheader.empty())) usage("-kernel-server and -kheader go together");
  if ((!o.kuser.empty()) != (!o.kuheader.empty())) usage("-kernel-user and -kuheader go together");
  return o;
}

std::string first_output(const Options& o) {
  for (const auto* f : {&o.user, &o.header, &o.server, &o.sheader, &o.kserver, &o.kheader, &o.kuser, &o.kuheader})
    if (!f->empty()) return *f;
  return "msgids";
}

std::string preprocess(const Options& o, const std::vector<std::string>& defines) {
  std::string cmd = o.cpp;
  for (const auto& a : o.cpp_args) cmd += " " + quote(a);
  for (const auto& d : defines) cmd += " " + quote(d);
  if (!o.depfile.empty()) cmd += " -MD -MF " + quote(o.depfile) + " -MT " + quote(first_output(o));
  cmd += " " + quote(o.defs);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    std::perror("mig: popen");
    std::exit(1);
  }
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
  int status = pclose(p);
  if (status != 0) {
    std::cerr << o.defs << ": error: the preprocessor failed (" << cmd << ")\n";
    std::exit(1);
  }
  return text;
}

std::string base_name(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void write_file(const std::string& path, const std::string& text) {
  if (path.empty()) return;
  // Rewrite only on change, so a build does not recompile what did not change.
  std::ifstream in(path, std::ios::binary);
  std::stringstream old;
  old << in.rdbuf();
  if (in && old.str() == text) return;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) {
    std::cerr << "mig: cannot write " << path << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  std::vector<std::string> defines;
  mig::Side user_side = mig::Side::User, server_side = mig::Side::Server;
  if (!o.kserver.empty()) {
    defines = {"-DKERNEL_SERVER=1", "-DKERNEL=1"};
    server_side = mig::Side::KernelServer;
  } else if (!o.kuser.empty()) {
    defines = {"-DKERNEL_USER=1", "-DKERNEL=1"};
    user_side = mig::Side::KernelUser;
  }
  try {
    mig::Subsystem s = mig::parse(preprocess(o, defines), o.defs);
    if (o.msgids) {
      for (const auto& r : s.routines)
        std::cout << r.id << " " << (r.simple ? 0 : r.id + 100) << " " << s.name << " " << r.name << "\n";
    }
    mig::EmitOptions eo;
    eo.defs_name = base_name(o.defs);
    if (!o.header.empty() || !o.user.empty()) {
      eo.side = user_side;
      eo.header_name = o.header_as.empty() ? base_name(o.header) : o.header_as;
      const mig::Subsystem us = mig::for_side(s, user_side);
      write_file(o.header, mig::emit_user_header(us, eo));
      write_file(o.user, mig::emit_user_source(us, eo));
    }
    if (!o.sheader.empty() || !o.server.empty()) {
      eo.side = server_side;
      eo.header_name = o.sheader.empty() ? "" : o.sheader_as.empty() ? base_name(o.sheader) : o.sheader_as;
      if (eo.header_name.empty()) {
        std::cerr << "mig: -server needs -sheader\n";
        return 2;
      }
      const mig::Subsystem ss = mig::for_side(s, server_side);
      write_file(o.sheader, mig::emit_server_header(ss, eo));
      write_file(o.server, mig::emit_server_source(ss, eo));
    }
    if (!o.kserver.empty()) {
      eo.side = mig::Side::KernelServer;
      eo.header_name = o.header_as.empty() ? base_name(o.kheader) : o.header_as;
      write_file(o.kheader, mig::emit_server_header(s, eo));
      write_file(o.kserver, mig::emit_server_source(s, eo));
    }
    if (!o.kuser.empty()) {
      eo.side = mig::Side::KernelUser;
      eo.header_name = o.header_as.empty() ? base_name(o.kuheader) : o.header_as;
      write_file(o.kuheader, mig::emit_user_header(s, eo));
      write_file(o.kuser, mig::emit_user_source(s, eo));
    }
  } catch (const mig::Error& e) {
    std::cerr << e.loc.str() << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
