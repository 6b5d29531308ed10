// tools/mig/parser.cc: the MIG language as GNU Mach's .defs use it.
//
// Statements: subsystem, routine, simpleroutine, skip, type, import,
// uimport, simport, serverprefix, userprefix, serverdemux, msgoption,
// waittime, rcsid. Every error names the .defs file and line of the token
// where it was found; the first error stops the run.
#include <cctype>
#include <set>

#include "lexer.h"
#include "mig.h"

namespace mig {

bool Type::is_port_item() const {
  if (kind == Kind::Port || kind == Kind::Polymorphic) return true;
  return (kind == Kind::Array || kind == Kind::Struct) && msgt::is_port(msgt_name);
}

namespace {

struct NamedMsgType {
  const char* name;
  int value;
  int bits;  // 0: needs an explicit size
};

constexpr NamedMsgType kMsgTypes[] = {
    {"MACH_MSG_TYPE_BOOLEAN", msgt::kBoolean, 32},
    {"MACH_MSG_TYPE_INTEGER_16", msgt::kInteger16, 16},
    {"MACH_MSG_TYPE_INTEGER_32", msgt::kInteger32, 32},
    {"MACH_MSG_TYPE_CHAR", msgt::kChar, 8},
    {"MACH_MSG_TYPE_BYTE", msgt::kByte, 8},
    {"MACH_MSG_TYPE_INTEGER_8", msgt::kByte, 8},
    {"MACH_MSG_TYPE_REAL", msgt::kReal, 0},
    {"MACH_MSG_TYPE_INTEGER_64", msgt::kInteger64, 64},
    {"MACH_MSG_TYPE_STRING", msgt::kStringC, 0},
    {"MACH_MSG_TYPE_STRING_C", msgt::kStringC, 0},
    {"MACH_MSG_TYPE_PORT_NAME", msgt::kPortName, 32},
    {"MACH_MSG_TYPE_MOVE_RECEIVE", msgt::kMoveReceive, 64},
    {"MACH_MSG_TYPE_MOVE_SEND", msgt::kMoveSend, 64},
    {"MACH_MSG_TYPE_MOVE_SEND_ONCE", msgt::kMoveSendOnce, 64},
    {"MACH_MSG_TYPE_COPY_SEND", msgt::kCopySend, 64},
    {"MACH_MSG_TYPE_MAKE_SEND", msgt::kMakeSend, 64},
    {"MACH_MSG_TYPE_MAKE_SEND_ONCE", msgt::kMakeSendOnce, 64},
    {"MACH_MSG_TYPE_PORT_RECEIVE", msgt::kMoveReceive, 64},
    {"MACH_MSG_TYPE_PORT_SEND", msgt::kMoveSend, 64},
    {"MACH_MSG_TYPE_PORT_SEND_ONCE", msgt::kMoveSendOnce, 64},
    {"MACH_MSG_TYPE_POLYMORPHIC", msgt::kPolymorphic, 64},
};

const NamedMsgType* find_msg_type(const std::string& s) {
  for (const auto& m : kMsgTypes)
    if (s == m.name) return &m;
  return nullptr;
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : lx_(text, file) { predefine(); }
  Subsystem run();

 private:
  void predefine();
  void statement();
  void subsystem_statement();
  void type_statement();
  void routine_statement(bool simple);
  std::string import_name();
  TypeRef type_spec(const std::string& name, Loc loc);
  TypeRef element_spec();
  std::shared_ptr<Type> base_spec(const std::string& name, Loc loc);
  std::shared_ptr<Type> array_spec(Loc loc, bool ool);
  std::shared_ptr<Type> ipc_name(Loc loc);
  std::shared_ptr<Type> struct_fields(Loc loc);
  void attributes(Type& t);
  Translation translation(bool with_result);
  std::string c_type_name();
  Argument argument();
  void finish_routine(Routine& r);
  long expr();
  long term();
  long factor();
  TypeRef lookup(const std::string& name, Loc loc) const;

  Lexer lx_;
  Subsystem s_;
  bool have_subsystem_ = false;
};

void Parser::predefine() {
  auto scalar = [&](const char* name, int msgt_name, int bits, const char* ctype) {
    auto t = std::make_shared<Type>();
    t->name = name;
    t->msgt_name = msgt_name;
    t->msgt_size = bits;
    t->ctype = ctype;
    s_.types[name] = t;
  };
  scalar("int", msgt::kInteger32, 32, "int");
  scalar("short", msgt::kInteger16, 16, "short");
  scalar("char", msgt::kChar, 8, "char");
  scalar("boolean", msgt::kBoolean, 32, "boolean_t");
  scalar("float", msgt::kReal, 32, "float");
  scalar("double", msgt::kReal, 64, "double");
}

Subsystem Parser::run() {
  while (!lx_.at_end()) statement();
  if (!have_subsystem_) lx_.fail("no subsystem statement");
  return std::move(s_);
}

void Parser::statement() {
  const Token t = lx_.peek();
  if (lx_.accept(";")) return;
  if (lx_.accept("subsystem")) return subsystem_statement();
  if (!have_subsystem_ && !is_keyword(t, "type") && !is_keyword(t, "import") && !is_keyword(t, "uimport") &&
      !is_keyword(t, "simport") && !is_keyword(t, "rcsid"))
    lx_.fail("'" + t.text + "' before the subsystem statement");
  if (lx_.accept("routine")) return routine_statement(false);
  if (lx_.accept("simpleroutine")) return routine_statement(true);
  if (lx_.accept("type")) return type_statement();
  if (lx_.accept("skip")) {
    ++s_.slots;
    lx_.expect(";");
    return;
  }
  if (lx_.accept("import")) { s_.imports.push_back(import_name()); return; }
  if (lx_.accept("uimport")) { s_.uimports.push_back(import_name()); return; }
  if (lx_.accept("simport")) { s_.simports.push_back(import_name()); return; }
  if (lx_.accept("rcsid")) {
    if (lx_.peek().kind != Token::Kind::FileName) lx_.fail("rcsid needs a string");
    lx_.next();
    lx_.expect(";");
    return;
  }
  if (lx_.accept("serverprefix")) { s_.server_prefix = lx_.expect_ident("a prefix"); lx_.expect(";"); return; }
  if (lx_.accept("userprefix")) { s_.user_prefix = lx_.expect_ident("a prefix"); lx_.expect(";"); return; }
  if (lx_.accept("serverdemux")) { s_.server_demux = lx_.expect_ident("a function name"); lx_.expect(";"); return; }
  if (lx_.accept("msgoption")) { s_.msg_option = lx_.expect_ident("an option"); lx_.expect(";"); return; }
  if (lx_.accept("waittime")) {
    if (lx_.peek().kind == Token::Kind::Number) s_.wait_time = lx_.next().text;
    else s_.wait_time = lx_.expect_ident("a time");
    lx_.expect(";");
    return;
  }
  lx_.fail("unknown statement '" + t.text + "'");
}

void Parser::subsystem_statement() {
  if (have_subsystem_) lx_.fail("a second subsystem statement");
  s_.loc = lx_.peek().loc;
  for (;;) {
    if (lx_.accept("KernelUser")) s_.kernel_user = true;
    else if (lx_.accept("KernelServer")) s_.kernel_server = true;
    else break;
  }
  s_.name = lx_.expect_ident("the subsystem's name");
  if (lx_.peek().kind != Token::Kind::Number) lx_.fail("expected the subsystem's base message id");
  s_.base = static_cast<int>(expr());
  lx_.expect(";");
  have_subsystem_ = true;
}

std::string Parser::import_name() {
  if (lx_.peek().kind != Token::Kind::FileName) lx_.fail("expected <file.h> or \"file.h\"");
  std::string f = lx_.next().text;
  lx_.expect(";");
  return f;
}

TypeRef Parser::lookup(const std::string& name, Loc loc) const {
  auto it = s_.types.find(name);
  if (it == s_.types.end()) throw Error(loc, "unknown type '" + name + "'");
  return it->second;
}

void Parser::type_statement() {
  Loc loc = lx_.peek().loc;
  std::string name = lx_.expect_ident("a type name");
  if (s_.types.count(name) && s_.types[name]->loc.line != 0)
    throw Error(loc, "type '" + name + "' is already defined at " + s_.types[name]->loc.str());
  lx_.expect("=");
  s_.types[name] = type_spec(name, loc);
  lx_.expect(";");
}

// An array's or struct's element: a type without C attributes (those that
// follow belong to the whole type).
TypeRef Parser::element_spec() {
  Loc loc = lx_.peek().loc;
  auto t = base_spec("", loc);
  t->loc = loc;
  if (t->ctype.empty()) {
    if (t->kind == Type::Kind::Port || t->kind == Type::Kind::Polymorphic) t->ctype = "mach_port_t";
    else if (t->kind == Type::Kind::Scalar)
      t->ctype = t->msgt_size == 64 ? "int64_t" : t->msgt_size == 16 ? "short" : t->msgt_size == 8 ? "char" : "int";
  }
  return t;
}

// A type specification followed by its C attributes.
TypeRef Parser::type_spec(const std::string& name, Loc loc) {
  auto t = base_spec(name, loc);
  t->name = name;
  t->loc = loc;
  // A named type's C type is its own name unless a ctype: says otherwise;
  // an anonymous one keeps what its base had.
  const std::string inherited = t->ctype;
  t->ctype.clear();
  attributes(*t);
  if (t->ctype.empty()) t->ctype = name.empty() ? inherited : name;
  return t;
}

std::shared_ptr<Type> Parser::base_spec(const std::string& name, Loc loc) {
  if (lx_.accept("^")) {
    if (!lx_.accept("array")) lx_.fail("'^' must be followed by an array");
    return array_spec(loc, true);
  }
  if (lx_.accept("array")) return array_spec(loc, false);
  if (is_keyword(lx_.peek(), "polymorphic") || find_msg_type(lx_.peek().text)) {
    // "SEND|RECEIVE": the sender's type, then what the server expects (GNU
    // MIG's spelling for a port whose disposition one side chooses at run time).
    auto t = ipc_name(loc);
    if (lx_.accept("|")) {
      auto server = ipc_name(loc);
      if (t->msgt_size != server->msgt_size || (t->kind == Type::Kind::Scalar) != (server->kind == Type::Kind::Scalar))
        throw Error(loc, "the two sides of '|' must be ports of the same size");
      t->kind = Type::Kind::Port;
      t->sender_poly = false;  // both sides said what they send
      t->server_name = server->msgt_name == msgt::kPolymorphic ? msgt::kPolymorphic : msgt::received(server->msgt_name);
    }
    return t;
  }
  if (lx_.accept("c_string")) {
    auto t = std::make_shared<Type>();
    t->kind = Type::Kind::String;
    t->msgt_name = msgt::kStringC;
    t->msgt_size = 8;
    lx_.expect("[");
    if (lx_.accept("*")) {
      lx_.expect(":");
      t->variable = true;
    }
    t->number = static_cast<int>(expr());
    lx_.expect("]");
    if (t->number <= 0) throw Error(loc, "a c_string needs a positive size");
    return t;
  }
  if (lx_.accept("struct")) {
    if (lx_.accept("{")) return struct_fields(loc);
    lx_.expect("[");
    long n = expr();
    lx_.expect("]");
    lx_.expect("of");
    TypeRef e = element_spec();
    if (e->variable || e->ool || e->kind == Type::Kind::Polymorphic)
      throw Error(loc, "a struct's element must be of fixed size");
    auto t = std::make_shared<Type>();
    t->kind = Type::Kind::Struct;
    t->number = static_cast<int>(n);
    t->elem = e;
    t->msgt_name = e->msgt_name;
    t->msgt_size = e->msgt_size;
    t->mult = e->kind == Type::Kind::Scalar || e->kind == Type::Kind::Port ? 1 : e->number * e->mult;
    return t;
  }
  if (lx_.accept("(")) {
    std::string n = lx_.expect_ident("a MACH_MSG_TYPE_ name");
    const NamedMsgType* m = find_msg_type(n);
    if (!m) throw Error(loc, "unknown message type name '" + n + "'");
    lx_.expect(",");
    long bits = expr();
    bool dealloc = false;
    if (lx_.accept(",")) {
      if (!lx_.accept("dealloc")) lx_.fail("expected 'dealloc'");
      dealloc = true;
    }
    lx_.expect(")");
    (void)dealloc;
    auto t = std::make_shared<Type>();
    if (m->value == msgt::kStringC) {
      if (bits % 8 != 0 || bits <= 0) throw Error(loc, "a string's size must be a positive multiple of 8");
      t->kind = Type::Kind::String;
      t->msgt_name = msgt::kStringC;
      t->msgt_size = 8;
      t->number = static_cast<int>(bits / 8);
      return t;
    }
    t->kind = msgt::is_port(m->value) ? Type::Kind::Port : Type::Kind::Scalar;
    if (m->value == msgt::kPolymorphic) t->kind = Type::Kind::Polymorphic;
    t->msgt_name = m->value;
    t->msgt_size = static_cast<int>(bits);
    if (t->kind == Type::Kind::Port && bits != 64) throw Error(loc, "a port right occupies 64 bits (ABI.md)");
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64) throw Error(loc, "unsupported size " + std::to_string(bits));
    return t;
  }
  if (lx_.peek().kind != Token::Kind::Ident) lx_.fail("expected a type but found '" + lx_.peek().text + "'");
  std::string word = lx_.next().text;
  // An alias: the new type encodes like the old one; its C type defaults to
  // its own name, and translations are not inherited.
  auto t = std::make_shared<Type>(*lookup(word, loc));
  t->cusertype.clear();
  t->cservertype.clear();
  t->intran = t->outtran = Translation{};
  t->destructor.clear();
  (void)name;
  return t;
}

// polymorphic, or a MACH_MSG_TYPE_ name with its default size.
std::shared_ptr<Type> Parser::ipc_name(Loc loc) {
  auto t = std::make_shared<Type>();
  if (lx_.accept("polymorphic")) {
    t->kind = Type::Kind::Polymorphic;
    t->msgt_name = msgt::kPolymorphic;
    t->msgt_size = 64;
    return t;
  }
  std::string word = lx_.expect_ident("a MACH_MSG_TYPE_ name");
  const NamedMsgType* m = find_msg_type(word);
  if (!m) throw Error(loc, "unknown message type name '" + word + "'");
  if (m->bits == 0) throw Error(loc, word + " needs an explicit size: (" + word + ", bits)");
  t->kind = msgt::is_port(m->value) ? Type::Kind::Port : Type::Kind::Scalar;
  if (m->value == msgt::kPolymorphic) t->kind = Type::Kind::Polymorphic;
  t->msgt_name = m->value;
  t->msgt_size = m->bits;
  t->sender_poly = word.rfind("MACH_MSG_TYPE_PORT_", 0) == 0 && msgt::is_port(m->value);
  return t;
}


std::shared_ptr<Type> Parser::array_spec(Loc loc, bool ool) {
  auto t = std::make_shared<Type>();
  t->kind = Type::Kind::Array;
  lx_.expect("[");
  if (lx_.accept("]")) {
    t->variable = true;
    t->number = 0;  // unbounded: always out of line
    ool = true;
  } else {
    if (lx_.accept("*")) {
      t->variable = true;
      if (lx_.accept(":")) t->number = static_cast<int>(expr());
      else { t->number = 0; ool = true; }
    } else {
      t->number = static_cast<int>(expr());
      if (t->number <= 0) throw Error(loc, "an array needs a positive size");
    }
    lx_.expect("]");
  }
  lx_.expect("of");
  TypeRef e = element_spec();
  if (e->variable || e->ool) throw Error(loc, "an array's element must be of fixed size");
  if (e->kind == Type::Kind::Polymorphic) throw Error(loc, "arrays of polymorphic elements are not supported");
  t->ool = ool;
  t->elem = e;
  t->msgt_name = e->msgt_name;
  t->msgt_size = e->msgt_size;
  t->mult = e->kind == Type::Kind::Scalar || e->kind == Type::Kind::Port ? 1 : e->number * e->mult;
  if (t->mult != 1 && msgt::is_port(t->msgt_name)) throw Error(loc, "arrays of port structures are not supported");
  return t;
}

// struct { type field; ... }: laid out as C lays it out (each field at its
// own alignment, the whole rounded to the largest), and encoded as an
// array of the largest field size, so rpc_time_value_t (int64 + int32) is
// two INTEGER_64 like its 16 C bytes.
std::shared_ptr<Type> Parser::struct_fields(Loc loc) {
  long offset = 0;
  int largest = 0;
  while (!lx_.accept("}")) {
    Loc floc = lx_.peek().loc;
    std::string tname = lx_.expect_ident("a field type");
    TypeRef ft = lookup(tname, floc);
    lx_.expect_ident("a field name");
    lx_.expect(";");
    if (ft->kind != Type::Kind::Scalar && ft->kind != Type::Kind::Struct && ft->kind != Type::Kind::Array)
      throw Error(floc, "a struct field must be plain data");
    if (ft->variable || ft->ool) throw Error(floc, "a struct field must be of fixed size");
    const int bytes = ft->msgt_size / 8;
    const long n = ft->kind == Type::Kind::Scalar ? 1 : static_cast<long>(ft->number) * ft->mult;
    offset = (offset + bytes - 1) / bytes * bytes + n * bytes;
    if (ft->msgt_size > largest) largest = ft->msgt_size;
  }
  if (offset == 0) throw Error(loc, "an empty struct");
  const int align = largest / 8;
  offset = (offset + align - 1) / align * align;
  auto t = std::make_shared<Type>();
  t->kind = Type::Kind::Struct;
  t->msgt_size = largest;
  t->msgt_name = largest == 64 ? msgt::kInteger64 : largest == 16 ? msgt::kInteger16 : largest == 8 ? msgt::kByte : msgt::kInteger32;
  t->number = static_cast<int>(offset / align);
  return t;
}

std::string Parser::c_type_name() {
  std::string s = lx_.expect_ident("a C type");
  if (s == "struct" || s == "unsigned" || s == "const") s += " " + lx_.expect_ident("a C type");
  while (lx_.accept("*")) s += " *";
  return s;
}

Translation Parser::translation(bool with_result) {
  Translation tr;
  if (with_result) tr.result_type = c_type_name();
  tr.function = lx_.expect_ident("a function name");
  lx_.expect("(");
  tr.arg_type = c_type_name();
  lx_.expect(")");
  return tr;
}

void Parser::attributes(Type& t) {
  for (;;) {
    Loc loc = lx_.peek().loc;
    if (lx_.accept("ctype")) { lx_.expect(":"); t.ctype = c_type_name(); }
    else if (lx_.accept("cusertype")) { lx_.expect(":"); t.cusertype = c_type_name(); }
    else if (lx_.accept("cservertype")) { lx_.expect(":"); t.cservertype = c_type_name(); }
    else if (lx_.accept("intran")) { lx_.expect(":"); t.intran = translation(true); }
    else if (lx_.accept("outtran")) { lx_.expect(":"); t.outtran = translation(true); }
    else if (lx_.accept("destructor")) { lx_.expect(":"); t.destructor = translation(false).function; }
    else if (lx_.accept("intranpayload")) throw Error(loc, "intranpayload is not supported (umach has no protected payloads in MIG)");
    else break;
  }
}

Argument Parser::argument() {
  Argument a;
  a.loc = lx_.peek().loc;
  struct { const char* word; ArgKind kind; } kinds[] = {
      {"in", ArgKind::In}, {"out", ArgKind::Out}, {"inout", ArgKind::InOut},
      {"requestport", ArgKind::RequestPort}, {"replyport", ArgKind::ReplyPort},
      {"sreplyport", ArgKind::SReplyPort}, {"ureplyport", ArgKind::UReplyPort},
      {"waittime", ArgKind::WaitTime}, {"msgoption", ArgKind::MsgOption}, {"msgseqno", ArgKind::MsgSeqno}};
  // "in" etc. are keywords only when an argument name follows (the name
  // itself may be any identifier, e.g. an argument called "flavor").
  for (const auto& k : kinds) {
    if (is_keyword(lx_.peek(), k.word)) {
      lx_.next();
      a.kind = k.kind;
      break;
    }
  }
  a.name = lx_.expect_ident("an argument name");
  lx_.expect(":");
  Loc tloc = lx_.peek().loc;
  const Token& next = lx_.peek();
  if (is_keyword(next, "array") || is_keyword(next, "^") || is_keyword(next, "c_string") ||
      is_keyword(next, "polymorphic") || is_keyword(next, "(") || find_msg_type(next.text)) {
    // An anonymous type: its C type follows from the element's.
    auto t = std::make_shared<Type>(*type_spec("", tloc));
    if (t->ctype.empty()) {
      if ((t->kind == Type::Kind::Array && (t->variable || t->ool)) && t->elem)
        t->ctype = t->elem->ctype + " *";
      else if (t->kind == Type::Kind::Port || t->kind == Type::Kind::Polymorphic)
        t->ctype = "mach_port_t";
      else if (t->kind == Type::Kind::Scalar)
        t->ctype = t->msgt_size == 64 ? "int64_t" : t->msgt_size == 16 ? "short" : t->msgt_size == 8 ? "char" : "int";
      else
        throw Error(tloc, "argument '" + a.name + "' needs a named type (or a ctype:) for this shape");
    }
    a.type = t;
  } else {
    std::string tname = lx_.expect_ident("the argument's type");
    if (lx_.accept("=")) a.type = type_spec(tname, tloc);
    else a.type = lookup(tname, tloc);
  }
  while (lx_.accept(",")) {
    if (lx_.accept("dealloc")) {
      if (lx_.accept("[")) { lx_.expect("]"); a.dealloc_param = true; }
      else a.dealloc = true;
    } else if (lx_.accept("servercopy")) a.servercopy = true;
    else if (lx_.accept("countinout")) a.countinout = true;
    else if (lx_.accept("notdealloc")) a.dealloc = false;
    else lx_.fail("unknown argument flag '" + lx_.peek().text + "'");
  }
  return a;
}

void Parser::routine_statement(bool simple) {
  Routine r;
  r.loc = lx_.peek().loc;
  r.simple = simple;
  r.name = lx_.expect_ident("a routine name");
  lx_.expect("(");
  while (!lx_.accept(")")) {
    r.args.push_back(argument());
    if (lx_.accept(";")) continue;
    if (!is_keyword(lx_.peek(), ")")) lx_.fail("expected ';' or ')' after argument '" + r.args.back().name + "'");
  }
  lx_.expect(";");
  r.id = s_.base + s_.slots++;
  finish_routine(r);
  for (const auto& other : s_.routines)
    if (other.name == r.name) throw Error(r.loc, "routine '" + r.name + "' is defined twice");
  s_.routines.push_back(std::move(r));
}

void Parser::finish_routine(Routine& r) {
  std::set<std::string> names;
  for (size_t i = 0; i < r.args.size(); ++i) {
    Argument& a = r.args[i];
    const Type& t = *a.type;
    if (!names.insert(a.name).second) throw Error(a.loc, "argument '" + a.name + "' appears twice");
    auto need_port = [&](const char* what) {
      if (t.kind != Type::Kind::Port && t.kind != Type::Kind::Polymorphic)
        throw Error(a.loc, std::string(what) + " '" + a.name + "' must be a port");
    };
    switch (a.kind) {
      case ArgKind::RequestPort:
        if (r.request_port >= 0) throw Error(a.loc, "two request ports");
        need_port("request port");
        r.request_port = static_cast<int>(i);
        break;
      case ArgKind::ReplyPort: case ArgKind::SReplyPort: case ArgKind::UReplyPort:
        if (r.reply_port >= 0) throw Error(a.loc, "two reply ports");
        need_port("reply port");
        r.reply_port = static_cast<int>(i);
        break;
      case ArgKind::WaitTime: r.wait_time = static_cast<int>(i); break;
      case ArgKind::MsgOption: r.msg_option = static_cast<int>(i); break;
      case ArgKind::MsgSeqno: r.msg_seqno = static_cast<int>(i); break;
      case ArgKind::Out: case ArgKind::InOut:
        if (r.simple) throw Error(a.loc, "simpleroutine '" + r.name + "' cannot have out argument '" + a.name + "'");
        if (t.user_poly() != t.server_poly()) throw Error(a.loc, "an out argument is polymorphic on both sides or neither");
        if (a.kind == ArgKind::InOut && t.variable) throw Error(a.loc, "inout variable arrays are not supported");
        break;
      case ArgKind::In: break;
    }
    // On an out-of-line array, the request still carries the caller's
    // count; the data always comes back out of line (see emit_server.cc).
    if (a.countinout && !(a.kind == ArgKind::Out && t.variable))
      throw Error(a.loc, "countinout applies to an out variable array");
    // On a port, dealloc sets the descriptor's deallocate bit: the kernel's
    // IPC takes the reference the caller passed (GNU's KernelUser use).
    if ((a.dealloc || a.dealloc_param) && !t.ool && t.kind != Type::Kind::Port)
      throw Error(a.loc, "dealloc applies to out-of-line data or a port");
    if (a.dealloc_param && a.kind != ArgKind::In) throw Error(a.loc, "dealloc[] applies to an in argument");
  }
  if (r.request_port < 0) {
    for (size_t i = 0; i < r.args.size(); ++i) {
      if (r.args[i].kind == ArgKind::In) {
        if (r.args[i].type->kind != Type::Kind::Port) throw Error(r.args[i].loc, "the first argument of '" + r.name + "' (the request port) must be a port");
        r.args[i].kind = ArgKind::RequestPort;
        r.request_port = static_cast<int>(i);
        break;
      }
    }
    if (r.request_port < 0) throw Error(r.loc, "routine '" + r.name + "' has no request port");
  }
  if (r.reply_port >= 0 && r.args[r.reply_port].type->user_poly() && r.args[r.reply_port].kind != ArgKind::SReplyPort)
    throw Error(r.args[r.reply_port].loc, "a reply port whose sender chooses its disposition is not supported");
}

long Parser::expr() {
  long v = term();
  for (;;) {
    if (lx_.accept("+")) v += term();
    else if (lx_.accept("-")) v -= term();
    else return v;
  }
}

long Parser::term() {
  long v = factor();
  for (;;) {
    if (lx_.accept("*")) v *= factor();
    else if (lx_.accept("/")) {
      long d = factor();
      if (d == 0) lx_.fail("division by zero");
      v /= d;
    } else return v;
  }
}

long Parser::factor() {
  if (lx_.accept("(")) {
    long v = expr();
    lx_.expect(")");
    return v;
  }
  if (lx_.peek().kind != Token::Kind::Number) lx_.fail("expected a number but found '" + lx_.peek().text + "'");
  std::string digits = lx_.next().text;
  try {
    size_t used = 0;
    long v = std::stol(digits, &used, 0);
    if (used != digits.size()) throw std::invalid_argument(digits);
    return v;
  } catch (const std::exception&) {
    lx_.fail("bad number '" + digits + "'");
  }
}

}  // namespace

Subsystem parse(const std::string& text, const std::string& file_name) {
  return Parser(text, file_name).run();
}

Subsystem for_side(const Subsystem& s, Side side) {
  Subsystem out = s;
  for (auto& r : out.routines) {
    for (auto& a : r.args) {
      if (!a.type->sender_poly) continue;
      const bool sends = (side == Side::User && a.kind == ArgKind::In) || (side == Side::Server && a.kind == ArgKind::Out);
      if (!sends) continue;
      auto t = std::make_shared<Type>(*a.type);
      t->kind = Type::Kind::Polymorphic;
      t->msgt_name = msgt::kPolymorphic;
      t->server_name = side == Side::User ? msgt::received(a.type->msgt_name) : msgt::kPolymorphic;
      a.type = t;
    }
  }
  return out;
}

}  // namespace mig
