// tools/mig/mig.h: umach's interface generator, the model it builds.
//
// The generator reads the MIG language as GNU Mach's .defs use it (after
// the C preprocessor) into a Subsystem: named Types and Routines with their
// Arguments. Emitters (emit_*.cc) turn a Subsystem into C user stubs, C
// server stubs with a demux, the kernel's C++ dispatch, or the kernel's C++
// client stubs. Message layout follows ../shared/ABI.md: every type
// descriptor is 8 bytes and 8-aligned, every item's data starts 8-aligned,
// a port right occupies an 8-byte slot, out-of-line data is an 8-byte
// pointer.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mig {

// Where a construct came from in the .defs (after #line markers).
struct Loc {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

// Raised on the first error; main() prints it as "file:line: error: ...".
struct Error : std::runtime_error {
  Loc loc;
  Error(Loc l, const std::string& what) : std::runtime_error(what), loc(std::move(l)) {}
};

// MACH_MSG_TYPE_* values the generator knows by name.
namespace msgt {
constexpr int kBoolean = 0, kInteger16 = 1, kInteger32 = 2, kChar = 8, kByte = 9, kReal = 10,
              kInteger64 = 11, kStringC = 12, kPortName = 15, kMoveReceive = 16, kMoveSend = 17,
              kMoveSendOnce = 18, kCopySend = 19, kMakeSend = 20, kMakeSendOnce = 21,
              kPolymorphic = -1;
inline bool is_port(int n) { return n >= kMoveReceive && n <= kMakeSendOnce; }
// What a receiver sees for a right sent with disposition n.
inline int received(int n) {
  switch (n) {
    case kCopySend: case kMakeSend: case kMoveSend: return kMoveSend;
    case kMakeSendOnce: case kMoveSendOnce: return kMoveSendOnce;
    default: return n;
  }
}
}  // namespace msgt

// intran/outtran: "intran: task_t convert_port_to_task(mach_port_t)".
struct Translation {
  std::string result_type, function, arg_type;
  bool present() const { return !function.empty(); }
};

struct Type;
using TypeRef = std::shared_ptr<const Type>;

struct Type {
  enum class Kind { Scalar, Port, Polymorphic, Array, Struct, String };
  std::string name;  // the .defs name; empty for an inline type
  Loc loc;
  Kind kind = Kind::Scalar;
  int msgt_name = 0;  // element's name; for a port the sender's disposition
  // What a server expects to receive, when a "SEND|RECEIVE" type says so;
  // kUnset: what msgt_name becomes in transit.
  static constexpr int kUnset = -2;
  int server_name = kUnset;
  int msgt_size = 0;  // bits per element
  // Array, Struct, String: count of elements (fixed), or the bound of a
  // variable one (0: unbounded). `mult` is how many base elements one
  // element of the array holds (array of a fixed struct).
  bool variable = false;
  bool ool = false;
  int number = 1;
  int mult = 1;
  TypeRef elem;
  std::string ctype, cusertype, cservertype;
  Translation intran, outtran;
  // Declared with MACH_MSG_TYPE_PORT_RECEIVE/SEND/SEND_ONCE: in user-level
  // code the side that sends such an argument chooses its disposition at
  // run time (a "Poly" argument), the side that receives it gets that right
  // (GNU MIG: a request's `notify : mach_port_send_once_t` makes the user
  // stub take notifyPoly; a reply's `out port : mach_port_send_t` makes the
  // server routine supply portPoly). The kernel's sides stay fixed.
  bool sender_poly = false;
  std::string destructor;  // "task_deallocate" (called with the server value)

  bool is_port_item() const;  // carries port rights (makes a message complex)
  // The sender chooses the disposition at run time (a "Poly" argument).
  bool user_poly() const { return msgt_name == msgt::kPolymorphic; }
  // The name a server checks for (kPolymorphic: any right, passed on).
  int expected_by_server() const {
    if (server_name != kUnset) return server_name;
    return user_poly() ? msgt::kPolymorphic : msgt::received(msgt_name);
  }
  bool server_poly() const { return expected_by_server() == msgt::kPolymorphic; }
  bool is_complex_item() const { return is_port_item() || ool; }
  bool is_fixed_size() const { return !variable; }
  int elem_bits() const { return msgt_size * mult; }   // bits of one array element
  int base_count_fixed() const { return number * mult; }
};

enum class ArgKind {
  In, Out, InOut, RequestPort, ReplyPort, SReplyPort, UReplyPort, WaitTime, MsgOption, MsgSeqno
};

struct Argument {
  std::string name;
  Loc loc;
  ArgKind kind = ArgKind::In;
  TypeRef type;
  bool dealloc = false;          // ", dealloc": the sender's copy goes away
  bool dealloc_param = false;    // ", dealloc[]": the caller chooses, by an argument
  bool servercopy = false;
  bool countinout = false;
  bool in_request() const { return kind == ArgKind::In || kind == ArgKind::InOut || kind == ArgKind::RequestPort; }
  bool in_reply() const { return kind == ArgKind::Out || kind == ArgKind::InOut; }
};

struct Routine {
  std::string name;
  Loc loc;
  bool simple = false;  // simpleroutine: no reply
  int id = 0;
  std::vector<Argument> args;
  // Derived by finish_routine():
  int request_port = -1;  // index into args
  int reply_port = -1;    // replyport / sreplyport / ureplyport argument, if any
  int wait_time = -1, msg_option = -1, msg_seqno = -1;
};

struct Subsystem {
  std::string name;
  Loc loc;
  int base = 0;
  bool kernel_user = false, kernel_server = false;
  std::string user_prefix, server_prefix, server_demux;
  std::string msg_option = "MACH_MSG_OPTION_NONE";
  std::string wait_time;  // empty: MACH_MSG_TIMEOUT_NONE
  std::vector<std::string> imports, uimports, simports;
  std::vector<Routine> routines;  // in id order; skipped slots absent
  int slots = 0;                  // routines + skips
  std::map<std::string, TypeRef> types;

  std::string demux_name() const { return server_demux.empty() ? name + "_server" : server_demux; }
};

// Reads preprocessed MIG text (with # line markers) into a subsystem.
Subsystem parse(const std::string& text, const std::string& file_name);

// Which program an emitter writes for.
enum class Side { User, Server, KernelUser, KernelServer };

// `s` as `side` emits it: arguments of sender_poly types become
// polymorphic on the side that sends them.
Subsystem for_side(const Subsystem& s, Side side);

struct EmitOptions {
  Side side = Side::User;
  std::string header_name;  // the header the source includes ("mach_port.h")
  std::string defs_name;    // for the banner
};

std::string emit_user_header(const Subsystem& s, const EmitOptions& o);
std::string emit_user_source(const Subsystem& s, const EmitOptions& o);
std::string emit_server_header(const Subsystem& s, const EmitOptions& o);
std::string emit_server_source(const Subsystem& s, const EmitOptions& o);

}  // namespace mig
