// core/format.cc: the core's printf-style formatter (see log.h).
#include <stdint.h>

#include "core/log.h"

namespace umach {
namespace {

class Sink {
 public:
  Sink(char* buf, size_t size) : buf_(buf), size_(size) {}
  void put(char c) {
    if (len_ + 1 < size_) buf_[len_] = c;
    ++len_;
  }
  void pad(char c, int n) {
    for (; n > 0; --n) put(c);
  }
  size_t finish() {
    if (size_ > 0) buf_[len_ < size_ ? len_ : size_ - 1] = '\0';
    return len_;
  }

 private:
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

struct Spec {
  bool alt = false;  // '#': 0x before hex, 0 before octal
  bool left = false;
  bool zero = false;
  int width = 0;
  int precision = -1;
};

void put_string(Sink& out, const char* s, const Spec& spec) {
  if (!s) s = "(null)";
  int n = 0;
  while (s[n] && (spec.precision < 0 || n < spec.precision)) ++n;
  if (!spec.left) out.pad(' ', spec.width - n);
  for (int i = 0; i < n; ++i) out.put(s[i]);
  if (spec.left) out.pad(' ', spec.width - n);
}

void put_number(Sink& out, uint64_t v, bool negative, unsigned base, bool upper, const Spec& spec,
                const char* prefix) {
  char digits[24];
  int n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[v % base];
    v /= base;
  } while (v);
  int plen = 0;
  while (prefix[plen]) ++plen;
  int body = n + plen + (negative ? 1 : 0);
  if (!spec.left && !spec.zero) out.pad(' ', spec.width - body);
  if (negative) out.put('-');
  for (int i = 0; i < plen; ++i) out.put(prefix[i]);
  if (!spec.left && spec.zero) out.pad('0', spec.width - body);
  while (n) out.put(digits[--n]);
  if (spec.left) out.pad(' ', spec.width - body);
}

enum class Length { kInt, kChar, kShort, kLong, kLongLong, kSize };

uint64_t fetch_unsigned(va_list& ap, Length len) {
  switch (len) {
    case Length::kChar: return static_cast<unsigned char>(va_arg(ap, unsigned));
    case Length::kShort: return static_cast<unsigned short>(va_arg(ap, unsigned));
    case Length::kLong: return va_arg(ap, unsigned long);
    case Length::kLongLong: return va_arg(ap, unsigned long long);
    case Length::kSize: return va_arg(ap, size_t);
    case Length::kInt: break;
  }
  return va_arg(ap, unsigned);
}

int64_t fetch_signed(va_list& ap, Length len) {
  switch (len) {
    case Length::kChar: return static_cast<signed char>(va_arg(ap, int));
    case Length::kShort: return static_cast<short>(va_arg(ap, int));
    case Length::kLong: return va_arg(ap, long);
    case Length::kLongLong: return va_arg(ap, long long);
    case Length::kSize: return va_arg(ap, long);  // ssize_t / ptrdiff_t
    case Length::kInt: break;
  }
  return va_arg(ap, int);
}

const char* parse_spec(const char* f, Spec& spec, va_list& ap) {
  for (;; ++f) {
    if (*f == '-') spec.left = true;
    else if (*f == '#') spec.alt = true;
    else if (*f == '0') spec.zero = true;
    else break;
  }
  if (*f == '*') {
    spec.width = va_arg(ap, int);
    ++f;
  }
  while (*f >= '0' && *f <= '9') spec.width = spec.width * 10 + (*f++ - '0');
  if (*f == '.') {
    ++f;
    spec.precision = 0;
    if (*f == '*') {
      spec.precision = va_arg(ap, int);
      ++f;
    }
    while (*f >= '0' && *f <= '9') spec.precision = spec.precision * 10 + (*f++ - '0');
  }
  return f;
}

const char* parse_length(const char* f, Length& len) {
  len = Length::kInt;
  if (*f == 'h') {
    len = Length::kShort;
    if (*++f == 'h') { len = Length::kChar; ++f; }
  } else if (*f == 'l') {
    len = Length::kLong;
    if (*++f == 'l') { len = Length::kLongLong; ++f; }
  } else if (*f == 'z' || *f == 'j' || *f == 't') {
    len = Length::kSize;
    ++f;
  }
  return f;
}

}  // namespace

size_t kvsnprintf(char* buf, size_t size, const char* fmt, va_list ap_in) {
  Sink out(buf, size);
  va_list ap;
  va_copy(ap, ap_in);
  for (const char* f = fmt; *f; ++f) {
    if (*f != '%') {
      out.put(*f);
      continue;
    }
    Spec spec;
    Length len;
    f = parse_length(parse_spec(f + 1, spec, ap), len);
    switch (*f) {
      case 'd':
      case 'i': {
        int64_t v = fetch_signed(ap, len);
        put_number(out, v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v), v < 0, 10,
                   false, spec, "");
        break;
      }
      case 'u': put_number(out, fetch_unsigned(ap, len), false, 10, false, spec, ""); break;
      case 'x': put_number(out, fetch_unsigned(ap, len), false, 16, false, spec, spec.alt ? "0x" : ""); break;
      case 'X': put_number(out, fetch_unsigned(ap, len), false, 16, true, spec, spec.alt ? "0X" : ""); break;
      case 'o': put_number(out, fetch_unsigned(ap, len), false, 8, false, spec, spec.alt ? "0" : ""); break;
      case 'p':
        put_number(out, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), false, 16, false, spec, "0x");
        break;
      case 'c': out.put(static_cast<char>(va_arg(ap, int))); break;
      case 's': put_string(out, va_arg(ap, const char*), spec); break;
      case '%': out.put('%'); break;
      case '\0': --f; break;  // a lone '%' at the end
      default:  // unknown conversion: print it as is
        out.put('%');
        out.put(*f);
        break;
    }
  }
  va_end(ap);
  return out.finish();
}

size_t ksnprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = kvsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace umach
