// tools/mig/emit_items.cc: writing, checking and reading one item.
#include "emit_items.h"

namespace mig {

bool by_pointer(const Type& t) {
  if (t.ool) return true;
  return t.kind == Type::Kind::Scalar || t.kind == Type::Kind::Port || t.kind == Type::Kind::Polymorphic ||
         t.kind == Type::Kind::Struct;
}

int descriptor_size(const Item& it, Side side) {
  if (it.count_in_out) return 32;
  const Type& t = it.type();
  if (t.ool && msgt::is_port(t.msgt_name)) return kernel_side(side) ? 64 : 32;  // names, or references
  return t.msgt_size;
}

long elem_msg_bytes(const Item& it, Side side) {
  const Type& t = it.type();
  return static_cast<long>(descriptor_size(it, side)) * t.mult / 8;
}

std::string decay_cast(const std::string& ctype, const std::string& ptr) {
  return "(__typeof__(&(*(" + ctype + " *)0)[0]))(void *)(" + ptr + ")";
}

static std::string n(long v) { return std::to_string(v); }

// The name a sender puts in the descriptor.
static std::string sender_name(const Item& it, const PutSource& src) {
  if (it.count_in_out) return msgt_literal(msgt::kInteger32);
  if (it.type().user_poly()) return src.poly;
  return msgt_literal(it.type().msgt_name);
}

PutSource client_source(const Item& it) {
  PutSource s;
  const Argument& a = *it.arg;
  const Type& t = *a.type;
  s.dealloc = a.dealloc_param ? a.name + "Dealloc" : a.dealloc ? "1" : "0";
  if (it.count_in_out) {
    s.value = "*" + a.name + "Cnt";
    return s;
  }
  const bool inout = a.kind == ArgKind::InOut;
  s.value = inout && by_pointer(t) ? "*" + a.name : a.name;
  if (t.kind == Type::Kind::Struct) s.data = inout ? a.name : "&" + a.name;
  else s.data = a.name;
  s.count = a.name + "Cnt";
  s.poly = a.name + "Poly";
  return s;
}

void emit_put_item(Writer& w, const Item& it, Side side, const PutSource& src) {
  const std::string p = src.base + " + Pos";
  w.line("/* " + it.name() + " */");
  if (it.count_in_out) {
    w.line("__mig_put_type(" + p + ", MACH_MSG_TYPE_INTEGER_32, 32, 1, 1, 0);");
    w.open("");
    w.line("mach_msg_type_number_t __v = " + src.value + ";");
    w.line("__mig_put_data(" + p + " + 8, &__v, 4);");
    w.close();
    w.line("Pos += 16;");
    return;
  }
  const Type& t = it.type();
  // The C type of the value as it travels: a server's outtran turns its
  // own type into the wire's.
  const bool server_side = side == Side::Server || side == Side::KernelServer;
  const std::string ct = !server_side ? user_ctype(*it.arg, side)
                         : it.type().outtran.present() ? it.type().outtran.result_type
                                                       : server_ctype(*it.arg, side);
  const std::string name = sender_name(it, src);
  const std::string size = n(descriptor_size(it, side));
  if (t.ool) {
    w.line("__mig_put_type(" + p + ", " + name + ", " + size + ", " + src.count + (t.mult != 1 ? " * " + n(t.mult) : "") +
           ", 0, " + src.dealloc + ");");
    w.line("__mig_put_u64(" + p + " + 8, (unsigned long long)(__UINTPTR_TYPE__)(" + src.value + "));");
    w.line("Complex = MACH_MSGH_BITS_COMPLEX;");
    w.line("Pos += 16;");
    return;
  }
  switch (t.kind) {
    case Type::Kind::Port: case Type::Kind::Polymorphic:
      w.line("__mig_put_type(" + p + ", " + name + ", 64, 1, 1, " + (src.dealloc.empty() ? "0" : src.dealloc) + ");");
      w.line("__mig_put_port(" + p + " + 8, " + src.value + ");");
      if (t.user_poly()) w.line("if (" + src.poly + " >= MACH_MSG_TYPE_MOVE_RECEIVE && " + src.poly + " <= MACH_MSG_TYPE_MAKE_SEND_ONCE) Complex = MACH_MSGH_BITS_COMPLEX;");
      else w.line("Complex = MACH_MSGH_BITS_COMPLEX;");
      w.line("Pos += 16;");
      return;
    case Type::Kind::Scalar: {
      const long bytes = t.msgt_size / 8;
      w.line("__MIG_STATIC_ASSERT(sizeof(" + ct + ") == " + n(bytes) + ");");
      w.line("__mig_put_type(" + p + ", " + name + ", " + size + ", 1, 1, 0);");
      w.open("");
      w.line(ct + " __v = " + src.value + ";");
      w.line("__mig_put_data(" + p + " + 8, &__v, " + n(bytes) + ");");
      w.close();
      w.line("Pos += " + n(8 + round8(bytes)) + ";");
      return;
    }
    case Type::Kind::String:
      if (!t.variable) {
        w.line("__mig_put_type(" + p + ", MACH_MSG_TYPE_STRING_C, 8, " + n(t.number) + ", 1, 0);");
        w.line("(void)__mig_put_string(" + p + " + 8, " + src.data + ", " + n(t.number) + ");");
        w.line("Pos += " + n(8 + round8(t.number)) + ";");
      } else {
        w.open("");
        w.line("unsigned long __len = __mig_put_string(" + p + " + 8, " + src.data + ", " + n(t.number) + ");");
        w.line("__mig_put_type(" + p + ", MACH_MSG_TYPE_STRING_C, 8, (unsigned)__len, 1, 0);");
        w.line("Pos += 8 + __MIG_ROUND8(__len);");
        w.close();
      }
      return;
    case Type::Kind::Array: case Type::Kind::Struct: {
      const char* copy = src.move ? "__mig_move_data" : "__mig_put_data";
      if (!t.variable) {
        const long bytes = it.max_data_bytes();
        w.line("__MIG_STATIC_ASSERT(sizeof(" + ct + ") == " + n(bytes) + ");");
        w.line("__mig_put_type(" + p + ", " + name + ", " + size + ", " + n(t.number * t.mult) + ", 1, 0);");
        w.line(std::string(copy) + "(" + p + " + 8, " + src.data + ", " + n(bytes) + ");");
        w.line("Pos += " + n(8 + round8(bytes)) + ";");
      } else {
        const long eb = elem_msg_bytes(it, side);
        w.line("__mig_put_type(" + p + ", " + name + ", " + size + ", " + src.count + (t.mult != 1 ? " * " + n(t.mult) : "") +
               ", 1, 0);");
        w.line(std::string(copy) + "(" + p + " + 8, " + src.data + ", (unsigned long)" + src.count + " * " + n(eb) + ");");
        w.line("Pos += 8 + __MIG_ROUND8((mach_msg_size_t)" + src.count + " * " + n(eb) + ");");
      }
      return;
    }
  }
}

void emit_check_item(Writer& w, const Item& it, Side side, bool server, const std::string& fail) {
  const std::string p = "Base + Pos";
  const std::string nm = it.name();
  w.line("/* " + nm + " */");
  w.line("if (Size - Pos < 8) goto " + fail + ";");
  w.line(nm + "Pos = Pos;");
  if (it.count_in_out) {
    w.line("if (Size - Pos < 16 || !__mig_type_is(" + p + ", MACH_MSG_TYPE_INTEGER_32, 32, 1) || __mig_get_u32(" + p +
           " + 4) != 1) goto " + fail + ";");
    w.line("Pos += 16;");
    return;
  }
  const Type& t = it.type();
  const std::string size = n(descriptor_size(it, side));
  const bool port = t.is_port_item();
  int expect = port ? (server ? t.expected_by_server() : msgt::received(t.msgt_name)) : t.msgt_name;
  if (port && t.ool) expect = msgt::received(t.msgt_name);
  const std::string inl = t.ool ? "0" : "1";
  if (expect == msgt::kPolymorphic) {
    w.line("if (__mig_get_u32(" + p + " + 4) != 1 || !__mig_type_is(" + p + ", __mig_type_name(" + p + "), 64, 1)) goto " + fail + ";");
    w.line("if (__mig_type_name(" + p + ") < MACH_MSG_TYPE_PORT_RECEIVE || __mig_type_name(" + p +
           ") > MACH_MSG_TYPE_PORT_SEND_ONCE) goto " + fail + ";");
    w.line("if (Size - Pos < 16) goto " + fail + ";");
    w.line("Pos += 16;");
    return;
  }
  const std::string name = expect == msgt::kStringC ? "MACH_MSG_TYPE_STRING_C" : msgt_literal(expect);
  w.line("if (!__mig_type_is(" + p + ", " + name + ", " + size + ", " + inl + ")) goto " + fail + ";");
  if (t.ool) {
    w.line(nm + "Num = __mig_get_u32(" + p + " + 4);");
    if (t.mult != 1) w.line("if (" + nm + "Num % " + n(t.mult) + " != 0) goto " + fail + ";");
    if (!t.variable) w.line("if (" + nm + "Num != " + n(t.number * t.mult) + ") goto " + fail + ";");
    else if (t.number > 0) w.line("if (" + nm + "Num > " + n(static_cast<long>(t.number) * t.mult) + ") goto " + fail + ";");
    w.line("if (Size - Pos < 16) goto " + fail + ";");
    w.line("Pos += 16;");
    return;
  }
  if (!t.variable) {
    const long bytes = it.max_data_bytes();
    const long count = t.kind == Type::Kind::Scalar || port ? 1 : static_cast<long>(t.number) * t.mult;
    w.line("if (__mig_get_u32(" + p + " + 4) != " + n(count) + ") goto " + fail + ";");
    w.line("if (Size - Pos < " + n(8 + round8(bytes)) + ") goto " + fail + ";");
    if (t.kind == Type::Kind::String && server)
      w.line("if (__mig_strnlen(" + p + " + 8, " + n(t.number) + ") >= " + n(t.number) + ") goto " + fail + "; /* no NUL */");
    w.line("Pos += " + n(8 + round8(bytes)) + ";");
    return;
  }
  // A variable in-line array or string: the count bounds the bytes.
  const long eb = t.kind == Type::Kind::String ? 1 : elem_msg_bytes(it, side) / t.mult;
  w.line(nm + "Num = __mig_get_u32(" + p + " + 4);");
  if (t.mult != 1) w.line("if (" + nm + "Num % " + n(t.mult) + " != 0) goto " + fail + ";");
  w.line("if (" + nm + "Num > " + n(static_cast<long>(t.number) * t.mult) + ") goto " + fail + ";");
  w.line("if ((unsigned long)(Size - Pos - 8) < __MIG_ROUND8((unsigned long)" + nm + "Num * " + n(eb) + ")) goto " + fail + ";");
  if (t.kind == Type::Kind::String && server)
    w.line("if (" + nm + "Num == 0 || (" + p + " + 8)[" + nm + "Num - 1] != 0) goto " + fail + "; /* no NUL */");
  w.line("Pos += 8 + __MIG_ROUND8(" + nm + "Num * " + n(eb) + ");");
}

void declare_item_locals(Writer& w, const std::vector<Item>& items) {
  for (const auto& it : items) {
    w.line("mach_msg_size_t " + it.name() + "Pos = 0;");
    if (!it.count_in_out && (it.type().variable || it.type().ool)) w.line("mach_msg_type_number_t " + it.name() + "Num = 0;");
  }
}

void emit_copy_out_item(Writer& w, const Item& it, Side side) {
  const Argument& a = *it.arg;
  const Type& t = *a.type;
  const std::string ct = user_ctype(a, side);
  const std::string p = "Base + " + a.name + "Pos";
  if (t.ool) {
    w.line("*" + a.name + " = (" + ct + ")(__UINTPTR_TYPE__)__mig_get_u64(" + p + " + 8);");
    if (t.variable) w.line("*" + a.name + "Cnt = " + a.name + "Num" + (t.mult != 1 ? " / " + n(t.mult) : "") + ";");
    return;
  }
  switch (t.kind) {
    case Type::Kind::Port: case Type::Kind::Polymorphic:
      w.line("*" + a.name + " = __mig_get_port(" + p + " + 8);");
      if (t.user_poly()) w.line("*" + a.name + "Poly = __mig_type_name(Base + " + a.name + "Pos);");
      return;
    case Type::Kind::Scalar:
      w.line("__MIG_STATIC_ASSERT(sizeof(" + ct + ") == " + n(t.msgt_size / 8) + ");");
      w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, " + n(t.msgt_size / 8) + ");");
      return;
    case Type::Kind::String:
      if (!t.variable) {
        w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, " + n(t.number) + ");");
        w.line(a.name + "[" + n(t.number - 1) + "] = 0;");
      } else {
        w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, " + a.name + "Num);");
        w.line(a.name + "[" + a.name + "Num ? " + a.name + "Num - 1 : 0] = 0;");
      }
      return;
    case Type::Kind::Array: case Type::Kind::Struct:
      if (!t.variable) {
        w.line("__MIG_STATIC_ASSERT(sizeof(" + ct + ") == " + n(it.max_data_bytes()) + ");");
        w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, " + n(it.max_data_bytes()) + ");");
      } else {
        const long eb = elem_msg_bytes(it, side);
        const std::string cnt = a.name + "Num" + (t.mult != 1 ? " / " + n(t.mult) : "");
        w.open("if (" + cnt + " > *" + a.name + "Cnt)");
        w.line("/* The caller's array is too small: fill it, say how many there were. */");
        w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, (unsigned long)*" + a.name + "Cnt * " + n(eb) + ");");
        w.line("*" + a.name + "Cnt = " + cnt + ";");
        w.line("RetCode = MIG_ARRAY_TOO_LARGE;");
        w.close();
        w.open("else");
        w.line("__builtin_memcpy(" + a.name + ", " + p + " + 8, (unsigned long)" + a.name + "Num * " + n(eb / t.mult) + ");");
        w.line("*" + a.name + "Cnt = " + cnt + ";");
        w.close();
      }
      return;
  }
}

}  // namespace mig
