// tools/mig/emit_common.h: what the emitters share: the items of a
// message, their sizes, the C types of arguments on each side, and the
// helper functions every generated source starts with.
//
// Generated code addresses a message as bytes: a cursor `Pos` walks the
// items (descriptor, then data padded to 8), so items after a variable one
// land where ABI.md says without struct tricks. The helpers write every
// padding byte (no stack garbage leaves a task in a message) and read
// descriptors as the ABI's 32-bit word, independent of the header's bitfields.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "mig.h"

namespace mig {

// Text with indentation, for readable generated code.
class Writer {
 public:
  Writer& line(const std::string& s = "");
  Writer& open(const std::string& s);   // "s {" and indent
  Writer& close(const std::string& s = "}");
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
  int depth_ = 0;
};

// One typed item of a request or reply.
struct Item {
  const Argument* arg = nullptr;
  bool count_in_out = false;  // the capacity of an out array, sent in the request
  const Type& type() const { return *arg->type; }
  std::string name() const { return count_in_out ? arg->name + "Cnt" : arg->name; }
  // Fixed bytes of data (scalar, port, fixed array, OOL pointer), or the
  // maximum for a variable in-line array, before padding to 8.
  long max_data_bytes() const;
  bool variable_inline() const { return !count_in_out && type().variable && !type().ool; }
  bool complex() const { return !count_in_out && type().is_complex_item(); }
  // Is the item's whole size known when the stub is generated?
  bool fixed() const { return count_in_out || !variable_inline(); }
};

std::vector<Item> request_items(const Routine& r);
std::vector<Item> reply_items(const Routine& r);

inline long round8(long n) { return (n + 7) & ~7L; }
// Bytes an item occupies at most: descriptor plus padded data.
inline long max_item_bytes(const Item& it) { return 8 + round8(it.max_data_bytes()); }
long max_request_size(const Routine& r);
long max_reply_size(const Routine& r);
long min_size(const std::vector<Item>& items, long header);

bool kernel_side(Side s);
// The C type of a port value on this side: a name in user space, a port
// reference (ipc_port_t) in the kernel.
std::string port_ctype(Side s);
// The C type an argument has in the user stub (User, KernelUser).
std::string user_ctype(const Argument& a, Side s);
// The C type the server routine receives (Server, KernelServer), after intran.
std::string server_ctype(const Argument& a, Side s);
// How the generated routine spells MACH_MSG_TYPE_*: a number, commented.
std::string msgt_literal(int name);
std::string routine_user_name(const Subsystem& s, const Routine& r);
std::string routine_server_name(const Subsystem& s, const Routine& r);

// The helper functions (static inline) at the top of every generated source.
void emit_helpers(Writer& w, Side side);
// The banner and #includes of a generated file.
void emit_banner(Writer& w, const Subsystem& s, const EmitOptions& o, const char* what);
void emit_imports(Writer& w, const Subsystem& s, bool user);
// A generated header's opening (guard, includes, then extern "C" or the
// kernel namespace `ns`) and its closing.
void emit_header_open(Writer& w, const Subsystem& s, const EmitOptions& o, const char* what, const char* guard,
                      const char* ns);
void emit_header_close(Writer& w, const char* ns);

}  // namespace mig
