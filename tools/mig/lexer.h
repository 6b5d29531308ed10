// tools/mig/lexer.h: tokens of preprocessed MIG text.
//
// The C preprocessor has already run; its "# N "file"" markers keep every
// token's Loc pointing at the .defs line it came from. Keywords are
// case-insensitive in MIG (CountInOut, KernelUser, ServerPrefix), so the
// parser compares identifiers with `is()`.
#pragma once

#include <string>
#include <vector>

#include "mig.h"

namespace mig {

struct Token {
  enum class Kind { Ident, Number, String, Punct, FileName, End };
  Kind kind = Kind::End;
  std::string text;  // identifier, digits, punctuation or the file name with its <> or ""
  Loc loc;
};

class Lexer {
 public:
  Lexer(const std::string& text, const std::string& file);
  const Token& peek() const { return tokens_[pos_]; }
  Token next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  // True (and consumes) when the next token is the keyword or punctuation `word`.
  bool accept(const char* word);
  void expect(const char* word);
  std::string expect_ident(const char* what);
  bool at_end() const { return peek().kind == Token::Kind::End; }
  [[noreturn]] void fail(const std::string& message) const;

 private:
  void scan(const std::string& text, const std::string& file);
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

// Case-insensitive comparison of an identifier with a keyword.
bool is_keyword(const Token& t, const char* word);

}  // namespace mig
