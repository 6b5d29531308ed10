// tools/mig/emit_server.cc: server stubs and the demux.
//
// Side::Server: C for user-level servers (exception handlers, pagers,
// notification servers): `<demux>(in, out)` answers every request, and
// `<demux>_routine(in)` finds a routine's stub. The routines are the
// server's own functions under the subsystem's server prefix.
// Side::KernelServer: the same in C++ in namespace umach::kserver; ports
// arrive as references (ipc_port_t), and a routine the kernel does not
// define yet falls back to a weak definition that answers MIG_BAD_ID, as
// Mach answers a message id it does not know.
//
// A stub checks the whole request before it converts anything: size,
// the complex bit, every descriptor (name, size, in-line flag, count),
// the bytes each count claims, strings' NULs, received rights' types. Any
// failure answers MIG_BAD_ARGUMENTS; the request then still holds all it
// carried, and the receive loop (mach_msg_server, or the kernel's IPC)
// destroys it because the reply's RetCode is an error.
//
// Out arrays, strings and structs are written by the routine straight
// into the reply at their largest possible offsets and moved down over
// the shorter items before them once their sizes are known.
#include "emit_common.h"
#include "emit_items.h"

namespace mig {
namespace {

std::string n(long v) { return std::to_string(v); }

bool server_visible(const Argument& a) {
  return a.kind != ArgKind::UReplyPort && a.kind != ArgKind::WaitTime && a.kind != ArgKind::MsgOption;
}

std::string params_server(const Routine& r, Side side, bool names) {
  std::vector<std::string> ps;
  auto nm = [&](const std::string& s) { return names ? " " + s : std::string(); };
  for (const auto& a : r.args) {
    if (!server_visible(a)) continue;
    const Type& t = *a.type;
    const std::string st = a.kind == ArgKind::MsgSeqno ? "mach_port_seqno_t" : server_ctype(a, side);
    if (a.kind == ArgKind::Out || a.kind == ArgKind::InOut) {
      ps.push_back(st + (by_pointer(t) ? " *" : "") + nm(a.name));
      if (t.server_poly()) ps.push_back("mach_msg_type_name_t *" + nm(a.name + "Poly"));
      if (t.variable && t.kind != Type::Kind::String) ps.push_back("mach_msg_type_number_t *" + nm(a.name + "Cnt"));
      continue;
    }
    ps.push_back(st + nm(a.name));
    if (a.kind != ArgKind::MsgSeqno && t.server_poly()) ps.push_back("mach_msg_type_name_t" + nm(a.name + "Poly"));
    if (a.kind == ArgKind::In && t.variable && t.kind != Type::Kind::String) ps.push_back("mach_msg_type_number_t" + nm(a.name + "Cnt"));
  }
  if (ps.empty()) return "void";
  std::string s;
  for (size_t i = 0; i < ps.size(); ++i) s += (i ? ", " : "") + ps[i];
  return s;
}

std::string prototype(const Subsystem& s, const Routine& r, Side side, bool names) {
  return "kern_return_t " + routine_server_name(s, r) + "(" + params_server(r, side, names) + ")";
}

// Offset of each reply item's data when every item before it is at its largest.
std::vector<long> max_data_offsets(const std::vector<Item>& items) {
  std::vector<long> offs;
  long pos = 48;
  for (const auto& it : items) {
    offs.push_back(pos + 8);
    pos += max_item_bytes(it);
  }
  return offs;
}

bool writes_in_place(const Type& t) {
  return !t.ool && (t.kind == Type::Kind::Array || t.kind == Type::Kind::Struct || t.kind == Type::Kind::String);
}

// Locals that hold the routine's arguments, read from the checked request.
void emit_extract(Writer& w, const Routine& r, Side side) {
  const auto req = request_items(r);
  for (const auto& a : r.args) {
    if (!server_visible(a)) continue;
    const Type& t = *a.type;
    const std::string st = server_ctype(a, side);
    const std::string p = "Base + " + a.name + "Pos + 8";
    auto translated = [&](const std::string& raw) {
      return t.intran.present() ? t.intran.function + "(" + raw + ")" : raw;
    };
    switch (a.kind) {
      case ArgKind::MsgSeqno:
        w.line("const mach_port_seqno_t " + a.name + " = InHeadP->msgh_seqno;");
        continue;
      case ArgKind::RequestPort:
        w.line(st + " " + a.name + " = " + translated("__mig_get_port(Base + 16)") + ";");
        continue;
      case ArgKind::ReplyPort: case ArgKind::SReplyPort:
        w.line(st + " " + a.name + " = " + translated("__mig_get_port(Base + 8)") + ";");
        if (t.server_poly()) w.line("const mach_msg_type_name_t " + a.name + "Poly = MACH_MSGH_BITS_REMOTE(InHeadP->msgh_bits);");
        continue;
      case ArgKind::Out:
        continue;
      default: break;
    }
    // In and InOut: from the item checked at <name>Pos.
    if (t.ool) {
      w.line(st + " " + a.name + " = (" + st + ")(__UINTPTR_TYPE__)__mig_get_u64(" + p + ");");
      if (t.variable) w.line("const mach_msg_type_number_t " + a.name + "Cnt = " + a.name + "Num" + (t.mult != 1 ? " / " + n(t.mult) : "") + ";");
      continue;
    }
    switch (t.kind) {
      case Type::Kind::Port: case Type::Kind::Polymorphic:
        w.line(st + " " + a.name + " = " + translated("__mig_get_port(" + p + ")") + ";");
        if (t.server_poly()) w.line("const mach_msg_type_name_t " + a.name + "Poly = __mig_type_name(Base + " + a.name + "Pos);");
        break;
      case Type::Kind::Scalar:
        if (t.intran.present()) {
          w.line(t.intran.arg_type + " " + a.name + "Raw;");
          w.line("__MIG_STATIC_ASSERT(sizeof " + a.name + "Raw == " + n(t.msgt_size / 8) + ");");
          w.line("__builtin_memcpy(&" + a.name + "Raw, " + p + ", " + n(t.msgt_size / 8) + ");");
          w.line(st + " " + a.name + " = " + t.intran.function + "(" + a.name + "Raw);");
        } else {
          w.line(st + " " + a.name + ";");
          w.line("__MIG_STATIC_ASSERT(sizeof " + a.name + " == " + n(t.msgt_size / 8) + ");");
          w.line("__builtin_memcpy(&" + a.name + ", " + p + ", " + n(t.msgt_size / 8) + ");");
        }
        break;
      case Type::Kind::Struct:
        w.line(st + " " + a.name + ";");
        w.line("__MIG_STATIC_ASSERT(sizeof " + a.name + " == " + n(Item{&a, false}.max_data_bytes()) + ");");
        w.line("__builtin_memcpy(&" + a.name + ", " + p + ", sizeof " + a.name + ");");
        break;
      case Type::Kind::Array: case Type::Kind::String:
        if (!t.variable) w.line("__MIG_STATIC_ASSERT(sizeof(" + st + ") == " + n(Item{&a, false}.max_data_bytes()) + ");");
        if (t.variable && t.kind == Type::Kind::Array)
          w.line("const mach_msg_type_number_t " + a.name + "Cnt = " + a.name + "Num" + (t.mult != 1 ? " / " + n(t.mult) : "") + ";");
        break;
    }
  }
  (void)req;
}

// Locals for out arguments: scalars and ports by value; arrays, strings and
// structs in the reply buffer at their largest offsets.
void emit_out_locals(Writer& w, const Routine& r, Side side) {
  const auto items = reply_items(r);
  const auto offs = max_data_offsets(items);
  for (size_t i = 0; i < items.size(); ++i) {
    const Argument& a = *items[i].arg;
    const Type& t = *a.type;
    if (a.kind != ArgKind::Out) continue;
    const std::string st = server_ctype(a, side);
    if (writes_in_place(t)) {
      w.line("char *const " + a.name + "Max = OutBase + " + n(offs[i]) + ";");
      if (t.variable && t.kind == Type::Kind::Array) {
        w.line("mach_msg_type_number_t " + a.name + "Cnt = " + n(t.number) + ";");
        if (a.countinout) {
          w.line("if (__mig_get_u32(Base + " + a.name + "CntPos + 8) < " + a.name + "Cnt) " + a.name +
                 "Cnt = __mig_get_u32(Base + " + a.name + "CntPos + 8);");
        }
      }
    } else if (t.ool) {
      // No buffer is lent for out-of-line data: the routine allocates it
      // (GNU MIG may lend an in-line one; umach's replies are always out of line).
      w.line(st + " " + a.name + " = 0;");
      if (t.variable) w.line("mach_msg_type_number_t " + a.name + "Cnt = 0;");
      if (a.countinout) w.line(a.name + "Cnt = __mig_get_u32(Base + " + a.name + "CntPos + 8);");
    } else {
      if (t.server_poly()) w.line("mach_msg_type_name_t " + a.name + "Poly = 0;");
      w.line(st + " " + a.name + ";");
      w.line("__builtin_memset(&" + a.name + ", 0, sizeof " + a.name + ");");
    }
  }
}

std::string call_args(const Routine& r, Side side) {
  std::vector<std::string> as;
  for (const auto& a : r.args) {
    if (!server_visible(a)) continue;
    const Type& t = *a.type;
    const std::string st = server_ctype(a, side);
    if (a.kind == ArgKind::Out || a.kind == ArgKind::InOut) {
      if (writes_in_place(t)) {
        if (t.kind == Type::Kind::Struct) as.push_back("(" + st + " *)(void *)" + a.name + "Max");
        else as.push_back(decay_cast(st, a.name + "Max"));
      } else {
        as.push_back("&" + a.name);
      }
      if (t.server_poly()) as.push_back("&" + a.name + "Poly");
      if (t.variable && t.kind != Type::Kind::String) as.push_back("&" + a.name + "Cnt");
      continue;
    }
    if ((a.kind == ArgKind::In) && !t.ool && (t.kind == Type::Kind::Array || t.kind == Type::Kind::String))
      as.push_back(decay_cast(st, "Base + " + a.name + "Pos + 8"));
    else as.push_back(a.name);
    if (a.kind != ArgKind::MsgSeqno && t.server_poly()) as.push_back(a.name + "Poly");
    if (a.kind == ArgKind::In && t.variable && t.kind != Type::Kind::String) as.push_back(a.name + "Cnt");
  }
  std::string s;
  for (size_t i = 0; i < as.size(); ++i) s += (i ? ", " : "") + as[i];
  return s;
}

std::string kernel_qualified(const Subsystem& s, const Routine& r, Side side) {
  return side == Side::KernelServer ? "umach::kserver::" + routine_server_name(s, r) : routine_server_name(s, r);
}

// A routine's out arrays must fit what the reply has room for; a routine
// that claims more has failed.
void emit_out_count_checks(Writer& w, const Routine& r) {
  for (const auto& it : reply_items(r)) {
    const Type& t = it.type();
    if (t.variable && t.kind == Type::Kind::Array && !t.ool)
      w.line("if (RetCode == KERN_SUCCESS && " + it.arg->name + "Cnt > " + n(t.number) + ") RetCode = MIG_ARRAY_TOO_LARGE;");
  }
}

void emit_reply(Writer& w, const Routine& r, Side side) {
  const auto items = reply_items(r);
  w.line("Pos = 48;");
  for (const auto& it : items) {
    const Argument& a = *it.arg;
    const Type& t = *a.type;
    PutSource src;
    src.base = "OutBase";
    src.move = true;
    src.dealloc = a.dealloc ? "1" : "0";
    src.value = t.outtran.present() ? t.outtran.function + "(" + a.name + ")" : a.name;
    src.data = a.name + "Max";
    src.count = a.name + "Cnt";
    src.poly = a.name + "Poly";
    emit_put_item(w, it, side, src);
  }
  w.line("OutHeadP->msgh_bits |= Complex;");
  w.line("OutHeadP->msgh_size = Pos;");
}

void emit_stub(Writer& w, const Subsystem& s, const Routine& r, Side side) {
  const auto req = request_items(r);
  bool static_complex = false, poly = false;
  for (const auto& it : req) {
    if (!it.count_in_out && it.type().user_poly()) poly = true;
    else static_complex |= it.complex();
  }
  w.line("/* " + std::string(r.simple ? "SimpleRoutine " : "Routine ") + r.name + " (" + n(r.id) + ") */");
  w.line("static void _X" + r.name + "(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)");
  w.open("");
  w.line("const char *const Base = (const char *)InHeadP;");
  w.line("char *const OutBase = (char *)OutHeadP;");
  w.line("const mach_msg_size_t Size = InHeadP->msgh_size;");
  w.line("mach_msg_size_t Pos = 32;");
  w.line("mach_msg_bits_t Complex = 0;");
  w.line("kern_return_t RetCode;");
  declare_item_locals(w, req);
  w.line("(void)OutBase;");
  w.line("(void)Complex;");
  w.line("if (Size < " + n(min_size(req, 32)) + " || Size > " + n(max_request_size(r)) + " || (Size & 7) != 0) goto bad_request;");
  if (!poly) {
    w.line(std::string("if (((InHeadP->msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0) != ") + (static_complex ? "1" : "0") +
           ") goto bad_request;");
  } else if (static_complex) {
    w.line("if ((InHeadP->msgh_bits & MACH_MSGH_BITS_COMPLEX) == 0) goto bad_request;");
  }
  for (const auto& it : req) emit_check_item(w, it, side, /*server=*/true, "bad_request");
  w.line("if (Pos != Size) goto bad_request;");
  w.open("");
  emit_extract(w, r, side);
  emit_out_locals(w, r, side);
  w.line("RetCode = " + kernel_qualified(s, r, side) + "(" + call_args(r, side) + ");");
  if (!r.simple) {
    emit_out_count_checks(w, r);
    w.open("if (RetCode == KERN_SUCCESS)");
    emit_reply(w, r, side);
    w.close();
  }
  // Translated arguments are released last: an inout value's outtran above
  // still uses it.
  for (const auto& a : r.args) {
    if (a.kind == ArgKind::Out || !server_visible(a) || a.kind == ArgKind::MsgSeqno) continue;
    if (!a.type->destructor.empty()) w.line(a.type->destructor + "(" + a.name + ");");
  }
  // A port of the body that was translated (the routine got the object,
  // never the right) is the server's to release once the routine
  // succeeded, as GNU MIG's kernel servers do: the kernel frees a
  // successful request without destroying its body (ipc/kobject.cc).
  if (side == Side::KernelServer) {
    for (const auto& a : r.args) {
      if ((a.kind != ArgKind::In && a.kind != ArgKind::InOut) || !server_visible(a)) continue;
      const Type& t = *a.type;
      if (t.ool || t.kind != Type::Kind::Port || !t.intran.present()) continue;
      w.line("if (RetCode == KERN_SUCCESS) umach::ipc::mig_release_translated(__mig_get_port(Base + " + a.name +
             "Pos + 8));");
    }
  }
  w.close();
  if (r.simple) {
    w.line("/* No reply: MIG_NO_REPLY, or the error that makes the caller destroy the request. */");
    w.line("((mig_reply_header_t *)OutHeadP)->RetCode = RetCode == KERN_SUCCESS ? MIG_NO_REPLY : RetCode;");
  } else {
    w.line("if (RetCode != KERN_SUCCESS) OutHeadP->msgh_size = sizeof(mig_reply_header_t);");
    w.line("((mig_reply_header_t *)OutHeadP)->RetCode = RetCode;");
  }
  w.line("return;");
  w.line("bad_request:");
  w.line("((mig_reply_header_t *)OutHeadP)->RetCode = MIG_BAD_ARGUMENTS;");
  w.close();
  w.line();
}

// A table indexed by message id and the function that reads it:
// `signature` answers `table[id - base]`, or 0 for an id outside the
// subsystem. `cells` has one per slot.
void emit_id_table(Writer& w, const Subsystem& s, const std::string& type, const std::string& table,
                   const std::vector<std::string>& cells, const std::string& signature) {
  w.line("static const " + type + " " + table + "[" + n(std::max(1, s.slots)) + "] = {");
  for (size_t i = 0; i < cells.size(); ++i) w.line("\t" + cells[i] + ",  /* " + n(s.base + static_cast<long>(i)) + " */");
  if (cells.empty()) w.line("\t0");
  w.line("};");
  w.line();
  w.line(signature);
  w.open("");
  w.line("const mach_msg_id_t id = InHeadP->msgh_id;");
  w.line("if (id < " + n(s.base) + " || id >= " + n(s.base + s.slots) + ") return 0;");
  w.line("return " + table + "[id - " + n(s.base) + "];");
  w.close();
  w.line();
}

void emit_demux(Writer& w, const Subsystem& s, Side side) {
  const std::string demux = s.demux_name();
  std::vector<std::string> routines(s.slots, "0");
  for (const auto& r : s.routines) routines[r.id - s.base] = "_X" + r.name;
  emit_id_table(w, s, "mig_routine_t", demux + "_table", routines,
                "mig_routine_t " + demux + "_routine(mach_msg_header_t *InHeadP)");
  if (side == Side::KernelServer) {
    // The kernel sizes each reply buffer for its routine: a small call's
    // needs no more than a small buffer (most are the 48-byte header and
    // return code), so it still answers when memory is short.
    std::vector<std::string> sizes(s.slots, "48");
    for (const auto& r : s.routines) sizes[r.id - s.base] = n(std::max(48L, max_reply_size(r)));
    emit_id_table(w, s, "unsigned int", demux + "_reply_sizes", sizes,
                  "mach_msg_size_t " + demux + "_reply_size(const mach_msg_header_t *InHeadP)");
  }
  w.line("boolean_t " + demux + "(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP)");
  w.open("");
  w.line("char *const OutBase = (char *)OutHeadP;");
  w.line("mig_routine_t routine;");
  w.line("/* The reply goes back to the request's reply port; the stub fills the rest. */");
  w.line("OutHeadP->msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(InHeadP->msgh_bits), 0);");
  w.line("OutHeadP->msgh_size = sizeof(mig_reply_header_t);");
  w.line("__builtin_memcpy(OutBase + 8, (const char *)InHeadP + 8, 8);");
  w.line("__mig_put_u64(OutBase + 16, 0);");
  w.line("OutHeadP->msgh_seqno = 0;");
  w.line("OutHeadP->msgh_id = (mach_msg_id_t)((unsigned)InHeadP->msgh_id + 100u); /* any id, without overflow */");
  w.line("__mig_put_type(OutBase + 32, MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0);");
  w.line("__mig_put_u64(OutBase + 40, 0);");
  w.line("routine = " + demux + "_routine(InHeadP);");
  w.open("if (routine == 0)");
  w.line("((mig_reply_header_t *)OutHeadP)->RetCode = MIG_BAD_ID;");
  w.line("return FALSE;");
  w.close();
  w.line("(*routine)(InHeadP, OutHeadP);");
  w.line("return TRUE;");
  w.close();
  (void)side;
}

void emit_size_macros(Writer& w, const Subsystem& s) {
  long req = 32, rep = 48;
  for (const auto& r : s.routines) {
    req = std::max(req, max_request_size(r));
    rep = std::max(rep, max_reply_size(r));
  }
  std::string up;
  for (char c : s.name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  w.line("/* The largest request and reply: a receive buffer for " + s.demux_name() + " needs");
  w.line(" * MAX_REQUEST_SIZE bytes, and its reply buffer MAX_REPLY_SIZE. */");
  w.line("#define " + up + "_MAX_REQUEST_SIZE " + n(req));
  w.line("#define " + up + "_MAX_REPLY_SIZE " + n(rep));
}

}  // namespace

std::string emit_server_header(const Subsystem& s, const EmitOptions& o) {
  Writer w;
  const bool kernel = o.side == Side::KernelServer;
  const char* ns = kernel ? "umach::kserver" : nullptr;
  emit_header_open(w, s, o, kernel ? "Kernel server dispatch" : "Server stubs", kernel ? "_KSERVER_H_" : "_SERVER_H_", ns);
  emit_size_macros(w, s);
  w.line();
  w.line(kernel ? "/* The kernel's routines; each one it does not define yet answers MIG_BAD_ID. */"
                : "/* The server's routines. */");
  for (const auto& r : s.routines) w.line(prototype(s, r, o.side, true) + ";");
  w.line();
  w.line("/* Answers a request: FALSE (and MIG_BAD_ID in the reply) for an id not served. */");
  w.line("boolean_t " + s.demux_name() + "(mach_msg_header_t *InHeadP, mach_msg_header_t *OutHeadP);");
  w.line("/* The stub for a request's id, or 0. */");
  w.line("mig_routine_t " + s.demux_name() + "_routine(mach_msg_header_t *InHeadP);");
  if (kernel) {
    w.line("/* The reply buffer a request's routine needs (at least a mig_reply_header_t), or 0");
    w.line(" * for an id outside the subsystem. */");
    w.line("mach_msg_size_t " + s.demux_name() + "_reply_size(const mach_msg_header_t *InHeadP);");
  }
  emit_header_close(w, ns);
  return w.str();
}

std::string emit_server_source(const Subsystem& s, const EmitOptions& o) {
  Writer w;
  const bool kernel = o.side == Side::KernelServer;
  emit_banner(w, s, o, kernel ? "Kernel server dispatch" : "Server stubs");
  w.line("#include \"" + o.header_name + "\"");
  w.line();
  emit_helpers(w, o.side);
  if (kernel) {
    w.line("namespace umach::kserver {");
    w.line();
    w.line("// Weak fallbacks: the kernel's own definition of a routine replaces its");
    w.line("// fallback at link time (the kernel's objects are linked whole, never");
    w.line("// picked from an archive, so a definition cannot be missed).");
    for (const auto& r : s.routines)
      w.line("[[gnu::weak]] " + prototype(s, r, o.side, false) + " { return MIG_BAD_ID; }");
    w.line();
  }
  for (const auto& r : s.routines) emit_stub(w, s, r, o.side);
  emit_demux(w, s, o.side);
  if (kernel) {
    w.line();
    w.line("}  // namespace umach::kserver");
  }
  return w.str();
}

}  // namespace mig
