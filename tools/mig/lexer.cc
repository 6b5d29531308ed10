// tools/mig/lexer.cc: tokenising preprocessed MIG text.
#include "lexer.h"

#include <cctype>
#include <cstring>

namespace mig {

bool is_keyword(const Token& t, const char* word) {
  if (t.kind != Token::Kind::Ident && t.kind != Token::Kind::Punct) return false;
  return t.text.size() == std::strlen(word) && strncasecmp(t.text.c_str(), word, t.text.size()) == 0;
}

Lexer::Lexer(const std::string& text, const std::string& file) { scan(text, file); }

// A line marker: "# 12 "defs/mach/mach.defs" 2" or "#line 12 "file"".
static bool line_marker(const std::string& line, Loc& loc) {
  size_t i = 1;
  while (i < line.size() && line[i] == ' ') ++i;
  if (line.compare(i, 4, "line") == 0) i += 4;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i >= line.size() || !std::isdigit(static_cast<unsigned char>(line[i]))) return false;
  int n = 0;
  while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) n = n * 10 + (line[i++] - '0');
  while (i < line.size() && line[i] == ' ') ++i;
  if (i < line.size() && line[i] == '"') {
    size_t end = line.find('"', i + 1);
    if (end != std::string::npos) loc.file = line.substr(i + 1, end - i - 1);
  }
  loc.line = n - 1;  // the next line is line n
  return true;
}

void Lexer::scan(const std::string& text, const std::string& file) {
  Loc loc{file, 1};
  size_t i = 0;
  bool line_start = true;
  Token::Kind last = Token::Kind::End;
  std::string last_text;
  auto push = [&](Token::Kind k, std::string s) {
    last = k;
    last_text = s;
    tokens_.push_back(Token{k, std::move(s), loc});
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') { ++loc.line; ++i; line_start = true; continue; }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f') { ++i; continue; }
    if (line_start && c == '#') {
      size_t end = text.find('\n', i);
      std::string line = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
      if (!line_marker(line, loc)) {
        throw Error(loc, "unexpected preprocessor directive '" + line + "'");
      }
      i = end == std::string::npos ? text.size() : end;
      continue;
    }
    line_start = false;
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {  // comments survive -C; be safe
      size_t end = text.find("*/", i + 2);
      if (end == std::string::npos) throw Error(loc, "unterminated comment");
      for (size_t k = i; k < end; ++k) loc.line += text[k] == '\n';
      i = end + 2;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    // After import/uimport/simport, <file.h> is one token.
    if (c == '<' && last == Token::Kind::Ident &&
        (is_keyword(tokens_.back(), "import") || is_keyword(tokens_.back(), "uimport") ||
         is_keyword(tokens_.back(), "simport"))) {
      size_t end = text.find('>', i);
      if (end == std::string::npos || text.find('\n', i) < end) throw Error(loc, "unterminated file name");
      push(Token::Kind::FileName, text.substr(i, end - i + 1));
      i = end + 1;
      continue;
    }
    if (c == '"') {
      size_t end = text.find('"', i + 1);
      if (end == std::string::npos || text.find('\n', i) < end) throw Error(loc, "unterminated string");
      push(Token::Kind::FileName, text.substr(i, end - i + 1));
      i = end + 1;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
      push(Token::Kind::Ident, text.substr(i, j - i));
      i = j;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])))) ++j;
      push(Token::Kind::Number, text.substr(i, j - i));
      i = j;
      continue;
    }
    if (std::strchr(";:,=()[]^*{}<>|+-/", c)) {
      push(Token::Kind::Punct, std::string(1, c));
      ++i;
      continue;
    }
    throw Error(loc, std::string("unexpected character '") + c + "'");
  }
  // The end is reported where the last token was: that is the line a
  // missing ';' or ')' belongs to.
  if (!tokens_.empty()) loc = tokens_.back().loc;
  tokens_.push_back(Token{Token::Kind::End, "end of input", loc});
}

bool Lexer::accept(const char* word) {
  if (is_keyword(peek(), word)) { ++pos_; return true; }
  return false;
}

void Lexer::expect(const char* word) {
  if (!accept(word)) fail(std::string("expected '") + word + "' but found '" + peek().text + "'");
}

std::string Lexer::expect_ident(const char* what) {
  if (peek().kind != Token::Kind::Ident) fail(std::string("expected ") + what + " but found '" + peek().text + "'");
  return next().text;
}

void Lexer::fail(const std::string& message) const { throw Error(peek().loc, message); }

}  // namespace mig
