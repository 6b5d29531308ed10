// tools/mig/emit_items.h: code for one item of a message, shared by the
// client and server emitters.
//
// Writing (emit_put_item) appends the item at Base + Pos and advances Pos.
// Reading is two passes: emit_check_item validates the item at Pos against
// the bytes left (Size), records where it is (<name>Pos, and <name>Num for
// a variable count) and advances; only after every item passed does the
// caller take values out, so a bad message changes nothing.
#pragma once

#include <string>
#include <vector>

#include "emit_common.h"

namespace mig {

// Out and inout arguments of these shapes are passed by pointer; arrays and
// strings are passed as their C type (an array decays, a variable array's C
// type is already a pointer).
bool by_pointer(const Type& t);

// Where a written item's data comes from.
struct PutSource {
  std::string value;    // scalar, port or out-of-line address (an expression)
  std::string data;     // address of in-line array/struct/string bytes
  std::string count;    // element count of a variable array
  std::string poly;     // run-time disposition, for a polymorphic port
  std::string dealloc;  // "0", "1" or an expression
  bool move = false;    // data may overlap the destination (server replies)
  std::string base = "Base";  // the message's first byte (a char *)
};

void emit_put_item(Writer& w, const Item& it, Side side, const PutSource& src);
// The source of a client's request item.
PutSource client_source(const Item& it);

void emit_check_item(Writer& w, const Item& it, Side side, bool server, const std::string& fail);
void declare_item_locals(Writer& w, const std::vector<Item>& items);
// Client: copy a checked reply item into the caller's variables.
void emit_copy_out_item(Writer& w, const Item& it, Side side);

// Descriptor facts of an item as a receiver checks them.
int descriptor_size(const Item& it, Side side);
// Bytes one element of an array occupies in the message.
long elem_msg_bytes(const Item& it, Side side);
// An expression that converts a pointer to the pointer type an array or
// string of C type `ctype` decays to.
std::string decay_cast(const std::string& ctype, const std::string& ptr);

}  // namespace mig
