// tools/mig/emit_user.cc: client stubs.
//
// Side::User: C functions under the GNU names (with the subsystem's user
// prefix) that build a request, call mach_msg with a reply port from
// mig_get_reply_port, and check the reply before handing anything back.
// Side::KernelUser: the same in C++ in namespace umach::kuser, sending
// through the kernel's IPC (core/mig/mig_kernel.h) with port references in
// the slots; the kernel uses them for exception_raise, notifications and
// memory_object_* requests.
//
// A reply is checked completely (id, size, every descriptor, counts)
// before any out argument is written, so a bad reply leaves the caller's
// variables alone and is destroyed.
#include "emit_common.h"
#include "emit_items.h"

namespace mig {
namespace {

// The reply port argument the caller passes (replyport, ureplyport), or -1:
// a sreplyport is the server's view only, and the stub takes its own.
int user_reply(const Routine& r) {
  if (r.reply_port < 0 || r.args[r.reply_port].kind == ArgKind::SReplyPort) return -1;
  return r.reply_port;
}

std::string params_user(const Routine& r, Side side) {
  std::vector<std::string> ps;
  for (const auto& a : r.args) {
    const Type& t = *a.type;
    std::string ct = user_ctype(a, side);
    switch (a.kind) {
      case ArgKind::SReplyPort: case ArgKind::MsgSeqno: continue;
      case ArgKind::RequestPort: case ArgKind::ReplyPort: case ArgKind::UReplyPort:
      case ArgKind::WaitTime: case ArgKind::MsgOption:
        ps.push_back(ct + " " + a.name);
        if (t.user_poly()) ps.push_back("mach_msg_type_name_t " + a.name + "Poly");
        continue;
      case ArgKind::In:
        ps.push_back(ct + " " + a.name);
        if (t.user_poly()) ps.push_back("mach_msg_type_name_t " + a.name + "Poly");
        if (t.variable && t.kind != Type::Kind::String) ps.push_back("mach_msg_type_number_t " + a.name + "Cnt");
        if (a.dealloc_param) ps.push_back("boolean_t " + a.name + "Dealloc");
        continue;
      case ArgKind::Out: case ArgKind::InOut:
        if (by_pointer(t)) ps.push_back(ct + " *" + a.name);
        else ps.push_back(ct + " " + a.name);
        if (t.user_poly()) ps.push_back("mach_msg_type_name_t *" + a.name + "Poly");
        if (t.variable && t.kind != Type::Kind::String) ps.push_back("mach_msg_type_number_t *" + a.name + "Cnt");
        continue;
    }
  }
  if (ps.empty()) return "void";
  std::string s;
  for (size_t i = 0; i < ps.size(); ++i) s += (i ? ", " : "") + ps[i];
  return s;
}

std::string prototype(const Subsystem& s, const Routine& r, Side side) {
  return "kern_return_t " + routine_user_name(s, r) + "(" + params_user(r, side) + ")";
}

// The request: items, then the header.
void emit_request(Writer& w, const Subsystem& s, const Routine& r, Side side) {
  for (const auto& it : request_items(r)) {
    if (it.variable_inline() && it.type().kind == Type::Kind::Array)
      w.line("if (" + it.arg->name + "Cnt > " + std::to_string(it.type().number) + ") return MIG_ARRAY_TOO_LARGE;");
    emit_put_item(w, it, side, client_source(it));
  }
  const Argument& req = r.args[r.request_port];
  std::string remote = req.type->user_poly() ? req.name + "Poly" : msgt_literal(req.type->msgt_name);
  std::string local = "0";
  if (user_reply(r) >= 0) local = msgt_literal(r.args[user_reply(r)].type->msgt_name);
  else if (!r.simple) local = msgt_literal(msgt::kMakeSendOnce);
  w.line("Mess.Head.msgh_bits = MACH_MSGH_BITS(" + remote + ", " + local + ") | Complex;");
  w.line("Mess.Head.msgh_size = Pos;");
  w.line("__mig_put_port(Base + 8, " + req.name + ");");
  if (user_reply(r) >= 0) w.line("__mig_put_port(Base + 16, " + r.args[user_reply(r)].name + ");");
  else if (r.simple) w.line("__mig_put_u64(Base + 16, 0);");
  else if (kernel_side(side)) w.line("__mig_put_u64(Base + 16, 0); /* the kernel's IPC supplies the reply port */");
  w.line("Mess.Head.msgh_seqno = 0;");
  w.line("Mess.Head.msgh_id = " + std::to_string(r.id) + ";");
  (void)s;
}

std::string options(const Subsystem& s, const Routine& r, const char* base, const char* timeout_option) {
  std::string o = base;
  if (r.msg_option >= 0) o += "|" + r.args[r.msg_option].name;
  else if (s.msg_option != "MACH_MSG_OPTION_NONE") o += "|" + s.msg_option;
  if (r.wait_time >= 0 || !s.wait_time.empty()) o += std::string("|") + timeout_option;
  return o;
}

std::string timeout(const Subsystem& s, const Routine& r) {
  if (r.wait_time >= 0) return r.args[r.wait_time].name;
  if (!s.wait_time.empty()) return s.wait_time;
  return "MACH_MSG_TIMEOUT_NONE";
}

void emit_send(Writer& w, const Subsystem& s, const Routine& r, Side side) {
  const bool own_reply = user_reply(r) < 0;
  if (side == Side::KernelUser) {
    if (r.simple) {
      w.line("return umach::ipc::mach_msg_send_from_kernel(&Mess.Head, Pos);");
      return;
    }
    w.line("MsgResult = umach::ipc::mach_msg_rpc_from_kernel(&Mess.Head, Pos, sizeof Mess);");
    w.line("if (MsgResult != MACH_MSG_SUCCESS) return MsgResult;");
    return;
  }
  if (r.simple) {
    w.line("return mach_msg(&Mess.Head, " + options(s, r, "MACH_SEND_MSG", "MACH_SEND_TIMEOUT") +
           ", Pos, 0, MACH_PORT_NULL, " + timeout(s, r) + ", MACH_PORT_NULL);");
    return;
  }
  std::string reply = own_reply ? "Reply" : r.args[user_reply(r)].name;
  w.line("MsgResult = mach_msg(&Mess.Head, " + options(s, r, "MACH_SEND_MSG|MACH_RCV_MSG", "MACH_RCV_TIMEOUT") +
         ", Pos, sizeof Mess, " + reply + ", " + timeout(s, r) + ", MACH_PORT_NULL);");
  w.open("if (MsgResult != MACH_MSG_SUCCESS)");
  if (own_reply) {
    // A header the kernel refused (its destination, its form) leaves the
    // port clean: nothing was taken. Any other error leaves it in doubt:
    // a late reply after a receive error, or, for a message the kernel
    // refused after it took the reply right (a body's error, even a size
    // or buffer one), the send-once notification destroying that right
    // queued there, which the next call would take for its reply
    // (MIG_SERVER_DIED).
    w.line("/* A refused header leaves the port clean; anything else leaves it in doubt. */");
    w.line("if (MsgResult == MACH_SEND_INVALID_DEST || MsgResult == MACH_SEND_INVALID_HEADER) mig_put_reply_port(Reply);");
    w.line("else mig_dealloc_reply_port(Reply);");
  }
  w.line("return MsgResult;");
  w.close();
  if (own_reply) w.line("mig_put_reply_port(Reply);");
}

void emit_reply_check(Writer& w, const Routine& r, Side side) {
  const char* destroy = side == Side::KernelUser ? "umach::ipc::mach_msg_destroy_from_kernel(&Mess.Head);"
                                                 : "mach_msg_destroy(&Mess.Head);";
  auto items = reply_items(r);
  bool complex = false, poly = false;
  for (const auto& it : items) {
    complex |= it.complex();
    poly |= it.type().user_poly();
  }
  w.open("if (Mess.Head.msgh_id != " + std::to_string(r.id + 100) + ")");
  w.line("if (Mess.Head.msgh_id == 71 /* MACH_NOTIFY_SEND_ONCE: the server died */) return MIG_SERVER_DIED;");
  w.line(destroy);
  w.line("return MIG_REPLY_MISMATCH;");
  w.close();
  w.line("Size = Mess.Head.msgh_size;");
  w.line("if (Size < 48 || Size > sizeof Mess || (Size & 7) != 0) goto bad_reply;");
  w.line("if (!__mig_type_is(Base + 32, MACH_MSG_TYPE_INTEGER_32, 32, 1) || __mig_get_u32(Base + 36) != 1) goto bad_reply;");
  w.line("RetCode = (kern_return_t)__mig_get_u32(Base + 40);");
  w.open("if (RetCode != KERN_SUCCESS)");
  w.line("if (Mess.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) " + std::string(destroy));
  w.line("return RetCode;");
  w.close();
  if (!poly)  /* a polymorphic item decides at run time */
    w.line(std::string("if (((Mess.Head.msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0) != ") + (complex ? "1" : "0") + ") goto bad_reply;");
  w.line("Pos = 48;");
  for (const auto& it : items) emit_check_item(w, it, side, /*server=*/false, "bad_reply");
  w.line("if (Pos != Size) goto bad_reply;");
  for (const auto& it : items) emit_copy_out_item(w, it, side);
  w.line("return RetCode;");
  w.line("bad_reply:");
  w.line(destroy);
  w.line("return MIG_TYPE_ERROR;");
}

void emit_routine(Writer& w, const Subsystem& s, const Routine& r, Side side) {
  long size = std::max(max_request_size(r), max_reply_size(r));
  w.line("/* " + std::string(r.simple ? "SimpleRoutine " : "Routine ") + r.name + " (" + std::to_string(r.id) + ") */");
  w.line(prototype(s, r, side));
  w.open("");
  w.open("union");
  w.line("mach_msg_header_t Head;");
  w.line("unsigned long long Align;");
  w.line("char Buf[" + std::to_string(size) + "];");
  w.close("} Mess;");
  w.line("char *const Base = Mess.Buf;");
  w.line("mach_msg_size_t Pos = 32;");
  w.line("mach_msg_bits_t Complex = 0;");
  if (!r.simple) {
    w.line("mach_msg_return_t MsgResult;");
    w.line("mach_msg_size_t Size;");
    w.line("kern_return_t RetCode;");
    if (user_reply(r) < 0 && side == Side::User) w.line("mach_port_t Reply;");
  }
  declare_item_locals(w, reply_items(r));
  emit_request(w, s, r, side);
  if (!r.simple && user_reply(r) < 0 && side == Side::User) {
    w.line("Reply = mig_get_reply_port();");
    w.line("__mig_put_port(Base + 16, Reply);");
  }
  emit_send(w, s, r, side);
  if (!r.simple) emit_reply_check(w, r, side);
  w.close();
  w.line();
}

}  // namespace

std::string emit_user_header(const Subsystem& s, const EmitOptions& o) {
  Writer w;
  const bool kernel = o.side == Side::KernelUser;
  const char* ns = kernel ? "umach::kuser" : nullptr;
  emit_header_open(w, s, o, kernel ? "Kernel client stubs" : "Client stubs", kernel ? "_KUSER_H_" : "_USER_H_", ns);
  for (const auto& r : s.routines) {
    w.line("/* " + std::string(r.simple ? "SimpleRoutine " : "Routine ") + r.name + " (" + std::to_string(r.id) + ") */");
    w.line(prototype(s, r, o.side) + ";");
  }
  emit_header_close(w, ns);
  return w.str();
}

std::string emit_user_source(const Subsystem& s, const EmitOptions& o) {
  Writer w;
  const bool kernel = o.side == Side::KernelUser;
  emit_banner(w, s, o, kernel ? "Kernel client stubs" : "Client stubs");
  w.line("#include \"" + o.header_name + "\"");
  if (!kernel) {
    w.line("#include <mach/mig_errors.h>");
    w.line("#include <mach/mig_support.h>");
    w.line("#include <mach/notify.h>");
    w.line();
    w.line("extern mach_msg_return_t mach_msg(mach_msg_header_t *, mach_msg_option_t, mach_msg_size_t,");
    w.line("                                  mach_msg_size_t, mach_port_t, mach_msg_timeout_t, mach_port_t);");
    w.line("extern void mach_msg_destroy(mach_msg_header_t *);");
  } else {
    w.line("#include <mach/mig_errors.h>");
  }
  w.line();
  w.line("#define __MIG_RCV_ERROR(r) (((unsigned)(r) & ~0x3fffu) == 0x10004000u)");
  emit_helpers(w, o.side);
  if (kernel) w.line("namespace umach::kuser {");
  w.line();
  for (const auto& r : s.routines) emit_routine(w, s, r, o.side);
  if (kernel) w.line("}  // namespace umach::kuser");
  return w.str();
}

}  // namespace mig
