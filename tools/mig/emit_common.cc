// tools/mig/emit_common.cc: items, sizes, C types and the generated helpers.
#include "emit_common.h"

namespace mig {

Writer& Writer::line(const std::string& s) {
  if (!s.empty()) out_ << std::string(depth_, '\t') << s;
  out_ << '\n';
  return *this;
}

Writer& Writer::open(const std::string& s) {
  line(s.empty() ? "{" : s + " {");
  ++depth_;
  return *this;
}

Writer& Writer::close(const std::string& s) {
  --depth_;
  return line(s);
}

long Item::max_data_bytes() const {
  if (count_in_out) return 4;
  const Type& t = type();
  if (t.ool) return 8;
  switch (t.kind) {
    case Type::Kind::Scalar: return t.msgt_size / 8;
    case Type::Kind::Port: case Type::Kind::Polymorphic: return 8;
    case Type::Kind::String: return t.number;
    case Type::Kind::Array: case Type::Kind::Struct:
      if (msgt::is_port(t.msgt_name)) return 8L * t.number;  // a right is an 8-byte slot
      return static_cast<long>(t.number) * t.mult * t.msgt_size / 8;
  }
  return 0;
}

static bool carried(const Argument& a) {
  return a.kind == ArgKind::In || a.kind == ArgKind::InOut || a.kind == ArgKind::Out;
}

std::vector<Item> request_items(const Routine& r) {
  std::vector<Item> items;
  for (const auto& a : r.args) {
    if (!carried(a)) continue;
    if (a.kind == ArgKind::In || a.kind == ArgKind::InOut) items.push_back(Item{&a, false});
    else if (a.countinout) items.push_back(Item{&a, true});
  }
  return items;
}

std::vector<Item> reply_items(const Routine& r) {
  std::vector<Item> items;
  for (const auto& a : r.args)
    if (a.in_reply()) items.push_back(Item{&a, false});
  return items;
}

static long max_size(const std::vector<Item>& items, long header) {
  long n = header;
  for (const auto& it : items) n += max_item_bytes(it);
  return n;
}

long min_size(const std::vector<Item>& items, long header) {
  long n = header;
  for (const auto& it : items) n += it.variable_inline() ? 8 : max_item_bytes(it);
  return n;
}

long max_request_size(const Routine& r) { return max_size(request_items(r), 32); }
long max_reply_size(const Routine& r) { return r.simple ? 0 : max_size(reply_items(r), 48); }

bool kernel_side(Side s) { return s == Side::KernelServer || s == Side::KernelUser; }

std::string port_ctype(Side s) { return kernel_side(s) ? "ipc_port_t" : "mach_port_t"; }

static bool is_port_kind(const Type& t) {
  return t.kind == Type::Kind::Port || t.kind == Type::Kind::Polymorphic;
}

std::string user_ctype(const Argument& a, Side s) {
  const Type& t = *a.type;
  if (kernel_side(s)) {
    if (is_port_kind(t)) return "ipc_port_t";
    if (t.is_port_item()) return "ipc_port_t *";
  }
  return t.cusertype.empty() ? t.ctype : t.cusertype;
}

std::string server_ctype(const Argument& a, Side s) {
  const Type& t = *a.type;
  if (a.kind != ArgKind::Out && t.intran.present()) return t.intran.result_type;
  if (a.kind == ArgKind::Out && t.outtran.present()) return t.outtran.arg_type;
  if (kernel_side(s)) {
    if (is_port_kind(t)) return "ipc_port_t";
    if (t.is_port_item()) return "ipc_port_t *";
  }
  return t.cservertype.empty() ? t.ctype : t.cservertype;
}

std::string msgt_literal(int name) {
  static const char* const names[] = {"BOOLEAN", "INTEGER_16", "INTEGER_32", "", "", "", "", "", "CHAR",
                                      "BYTE", "REAL", "INTEGER_64", "STRING_C", "", "", "PORT_NAME",
                                      "MOVE_RECEIVE", "MOVE_SEND", "MOVE_SEND_ONCE", "COPY_SEND",
                                      "MAKE_SEND", "MAKE_SEND_ONCE"};
  if (name >= 0 && name <= 21 && names[name][0]) return std::string("MACH_MSG_TYPE_") + names[name];
  return std::to_string(name);
}

std::string routine_user_name(const Subsystem& s, const Routine& r) { return s.user_prefix + r.name; }
std::string routine_server_name(const Subsystem& s, const Routine& r) { return s.server_prefix + r.name; }

void emit_helpers(Writer& w, Side side) {
  const bool cxx = kernel_side(side);
  const char* sa = cxx ? "static_assert" : "_Static_assert";
  w.line("/* Message helpers: descriptors as ABI.md's 32-bit word (name:8 size:16");
  w.line(" * unused:5 inline:1 longform:1 deallocate:1, low bit first) and a 32-bit");
  w.line(" * number; data padded to 8 bytes with zeros. */");
  w.line(std::string("#define __MIG_STATIC_ASSERT(e) ") + sa + "(e, #e)");
  w.line("#define __MIG_ROUND8(n) (((n) + 7u) & ~(mach_msg_size_t)7u)");
  w.line("#define __MIG_TYPE_MASK 0x60ffffffu /* name, size, inline, longform */");
  w.line();
  w.open("static inline __attribute__((unused)) void __mig_put_type(char *p, unsigned name, unsigned size, unsigned number, unsigned inl, unsigned dealloc)");
  w.line("unsigned int word = (name & 0xffu) | ((size & 0xffffu) << 8) | ((inl & 1u) << 29) | ((dealloc & 1u) << 31);");
  w.line("__builtin_memcpy(p, &word, 4);");
  w.line("__builtin_memcpy(p + 4, &number, 4);");
  w.close();
  w.line("/* Does the descriptor at p say this name and size, in line or not, short form? */");
  w.open("static inline __attribute__((unused)) int __mig_type_is(const char *p, unsigned name, unsigned size, unsigned inl)");
  w.line("unsigned int word;");
  w.line("__builtin_memcpy(&word, p, 4);");
  w.line("return (word & __MIG_TYPE_MASK) == ((name & 0xffu) | (size << 8) | (inl << 29));");
  w.close();
  w.open("static inline __attribute__((unused)) unsigned __mig_type_name(const char *p)");
  w.line("return (unsigned char)p[0];");
  w.close();
  w.open("static inline __attribute__((unused)) unsigned __mig_type_dealloc(const char *p)");
  w.line("return ((unsigned char)p[3] >> 7) & 1u;");
  w.close();
  w.open("static inline __attribute__((unused)) unsigned int __mig_get_u32(const char *p)");
  w.line("unsigned int v;");
  w.line("__builtin_memcpy(&v, p, 4);");
  w.line("return v;");
  w.close();
  w.open("static inline __attribute__((unused)) unsigned long long __mig_get_u64(const char *p)");
  w.line("unsigned long long v;");
  w.line("__builtin_memcpy(&v, p, 8);");
  w.line("return v;");
  w.close();
  w.open("static inline __attribute__((unused)) void __mig_put_u64(char *p, unsigned long long v)");
  w.line("__builtin_memcpy(p, &v, 8);");
  w.close();
  w.line("/* n bytes of data, then zeros up to the next 8-byte boundary. */");
  w.open("static inline __attribute__((unused)) void __mig_put_data(char *p, const void *src, unsigned long n)");
  w.line("__builtin_memcpy(p, src, n);");
  w.line("__builtin_memset(p + n, 0, __MIG_ROUND8(n) - n);");
  w.close();
  w.line("/* The same when the source may overlap the destination (a server's reply). */");
  w.open("static inline __attribute__((unused)) void __mig_move_data(char *p, const void *src, unsigned long n)");
  w.line("__builtin_memmove(p, src, n);");
  w.line("__builtin_memset(p + n, 0, __MIG_ROUND8(n) - n);");
  w.close();
  w.open("static inline __attribute__((unused)) unsigned long __mig_strnlen(const char *s, unsigned long n)");
  w.line("unsigned long i = 0;");
  w.line("while (i < n && s[i] != 0) i++;");
  w.line("return i;");
  w.close();
  w.line("/* A string of at most n bytes with its NUL: copies up to n - 1 characters,");
  w.line(" * then zeros through byte n (rounded to 8). Returns the bytes used with the NUL. */");
  w.open("static inline __attribute__((unused)) unsigned long __mig_put_string(char *p, const char *s, unsigned long n)");
  w.line("unsigned long len = __mig_strnlen(s, n - 1);");
  w.line("__builtin_memmove(p, s, len); /* a server's reply may move a string down */");
  w.line("__builtin_memset(p + len, 0, __MIG_ROUND8(n) - len);");
  w.line("return len + 1;");
  w.close();
  if (cxx) {
    w.open("static inline __attribute__((unused)) void __mig_put_port(char *p, ipc_port_t port)");
    w.line("__builtin_memcpy(p, &port, sizeof port);");
    w.close();
    w.open("static inline __attribute__((unused)) ipc_port_t __mig_get_port(const char *p)");
    w.line("ipc_port_t port;");
    w.line("__builtin_memcpy(&port, p, sizeof port);");
    w.line("return port;");
    w.close();
  } else {
    w.line("/* A port name travels in the low half of an 8-byte slot. */");
    w.open("static inline __attribute__((unused)) void __mig_put_port(char *p, mach_port_t name)");
    w.line("__mig_put_u64(p, (unsigned long long)name);");
    w.close();
    w.open("static inline __attribute__((unused)) mach_port_t __mig_get_port(const char *p)");
    w.line("return (mach_port_t)__mig_get_u32(p);");
    w.close();
  }
  w.line();
}

void emit_banner(Writer& w, const Subsystem& s, const EmitOptions& o, const char* what) {
  w.line("/* " + std::string(what) + " of subsystem " + s.name + " (" + std::to_string(s.base) + "), from " +
         o.defs_name + ".");
  w.line(" * Generated by umach's mig (tools/mig); do not edit. */");
}

void emit_imports(Writer& w, const Subsystem& s, bool user) {
  for (const auto& f : s.imports) w.line("#include " + f);
  for (const auto& f : user ? s.uimports : s.simports) w.line("#include " + f);
}

void emit_header_open(Writer& w, const Subsystem& s, const EmitOptions& o, const char* what, const char* guard,
                      const char* ns) {
  emit_banner(w, s, o, what);
  const std::string g = "_UMACH_MIG_" + s.name + guard;
  w.line("#ifndef " + g);
  w.line("#define " + g);
  w.line();
  w.line("#include <mach/kern_return.h>");
  w.line("#include <mach/port.h>");
  w.line("#include <mach/message.h>");
  w.line("#include <mach/mig_errors.h>");
  emit_imports(w, s, o.side == Side::User || o.side == Side::KernelUser);
  if (ns) w.line("#include \"core/mig/mig_kernel.h\"");
  w.line();
  if (ns) {
    w.line(std::string("namespace ") + ns + " {");
  } else {
    w.line("#ifdef __cplusplus");
    w.line("extern \"C\" {");
    w.line("#endif");
  }
  w.line();
}

void emit_header_close(Writer& w, const char* ns) {
  w.line();
  if (ns) {
    w.line(std::string("}  // namespace ") + ns);
  } else {
    w.line("#ifdef __cplusplus");
    w.line("}");
    w.line("#endif");
  }
  w.line();
  w.line("#endif");
}

}  // namespace mig
