/* lib/libc/src/format.c: the printf engine (format.h). C99 semantics for
 * the conversions stdio.h lists; an unknown conversion is copied as is. */
#include "format.h"

#include <stdint.h>

static void put(struct umach_sink *s, char c) {
  ++s->total;
  if (s->cap == 0) return;
  if (s->pos + 1 >= s->cap) {
    if (!s->flush) return; /* snprintf: the rest is dropped */
    s->buf[s->pos] = '\0';
    s->flush(s);
    s->pos = 0;
  }
  s->buf[s->pos++] = c;
}

static void put_repeated(struct umach_sink *s, char c, int n) {
  for (; n > 0; --n) put(s, c);
}

struct spec {
  int left;  /* - */
  int zero;  /* 0 */
  int plus;  /* + */
  int space; /* ' ' */
  int alt;   /* # */
  int width;
  int precision; /* -1: none */
};

/* Pads `len` characters of body (with a prefix of prefix_len) to the width. */
static void put_padded(struct umach_sink *s, const struct spec *sp, const char *prefix, int prefix_len,
                       int zeros, const char *body, int len) {
  int pad = sp->width - prefix_len - zeros - len;
  if (!sp->left) put_repeated(s, ' ', pad);
  for (int i = 0; i < prefix_len; ++i) put(s, prefix[i]);
  put_repeated(s, '0', zeros);
  for (int i = 0; i < len; ++i) put(s, body[i]);
  if (sp->left) put_repeated(s, ' ', pad);
}

static void put_number(struct umach_sink *s, const struct spec *sp, unsigned long long v, int negative,
                       unsigned base, int upper, int is_pointer) {
  char digits[24];
  int n = 0;
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  unsigned long long rest = v;
  while (rest) {
    digits[sizeof digits - 1 - n++] = set[rest % base];
    rest /= base;
  }
  /* Precision: the least number of digits; "%.0d" of 0 prints none. */
  int precision = sp->precision < 0 ? 1 : sp->precision;
  int zeros = precision > n ? precision - n : 0;
  char prefix[2];
  int prefix_len = 0;
  if (negative)
    prefix[prefix_len++] = '-';
  else if (sp->plus && base == 10 && !is_pointer)
    prefix[prefix_len++] = '+';
  else if (sp->space && base == 10 && !is_pointer)
    prefix[prefix_len++] = ' ';
  if (base == 16 && (is_pointer || (sp->alt && v != 0))) {
    prefix[prefix_len++] = '0';
    prefix[prefix_len++] = upper ? 'X' : 'x';
  }
  if (base == 8 && sp->alt && zeros == 0 && (n == 0 || digits[sizeof digits - n] != '0')) zeros = 1;
  /* The 0 flag pads with zeros after the prefix, unless a precision is given. */
  if (sp->zero && !sp->left && sp->precision < 0) {
    int fill = sp->width - prefix_len - n;
    if (fill > zeros) zeros = fill;
  }
  put_padded(s, sp, prefix, prefix_len, zeros, digits + sizeof digits - n, n);
}

enum length { kInt, kChar, kShort, kLong, kLongLong, kSize, kMax, kPtrdiff };

static unsigned long long unsigned_arg(va_list *ap, enum length len) {
  switch (len) {
    case kChar: return (unsigned char)va_arg(*ap, unsigned int);
    case kShort: return (unsigned short)va_arg(*ap, unsigned int);
    case kLong: return va_arg(*ap, unsigned long);
    case kLongLong: return va_arg(*ap, unsigned long long);
    case kSize: return va_arg(*ap, size_t);
    case kMax: return va_arg(*ap, uintmax_t);
    case kPtrdiff: return (unsigned long long)va_arg(*ap, ptrdiff_t);
    case kInt: break;
  }
  return va_arg(*ap, unsigned int);
}

static long long signed_arg(va_list *ap, enum length len) {
  switch (len) {
    case kChar: return (signed char)va_arg(*ap, int);
    case kShort: return (short)va_arg(*ap, int);
    case kLong: return va_arg(*ap, long);
    case kLongLong: return va_arg(*ap, long long);
    case kSize: return (long long)va_arg(*ap, size_t);
    case kMax: return va_arg(*ap, intmax_t);
    case kPtrdiff: return va_arg(*ap, ptrdiff_t);
    case kInt: break;
  }
  return va_arg(*ap, int);
}

/* Reads the flags, width, precision and length of a conversion at *f. */
static enum length parse_spec(const char **f, struct spec *sp, va_list *ap) {
  const char *p = *f;
  *sp = (struct spec){.precision = -1};
  for (;; ++p) {
    if (*p == '-') sp->left = 1;
    else if (*p == '0') sp->zero = 1;
    else if (*p == '+') sp->plus = 1;
    else if (*p == ' ') sp->space = 1;
    else if (*p == '#') sp->alt = 1;
    else break;
  }
  if (*p == '*') {
    sp->width = va_arg(*ap, int);
    if (sp->width < 0) {
      sp->left = 1;
      sp->width = -sp->width;
    }
    ++p;
  } else {
    while (*p >= '0' && *p <= '9') sp->width = sp->width * 10 + (*p++ - '0');
  }
  if (*p == '.') {
    ++p;
    sp->precision = 0;
    if (*p == '*') {
      sp->precision = va_arg(*ap, int);
      if (sp->precision < 0) sp->precision = -1;
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') sp->precision = sp->precision * 10 + (*p++ - '0');
    }
  }
  enum length len = kInt;
  if (*p == 'h') {
    len = p[1] == 'h' ? kChar : kShort;
    p += len == kChar ? 2 : 1;
  } else if (*p == 'l') {
    len = p[1] == 'l' ? kLongLong : kLong;
    p += len == kLongLong ? 2 : 1;
  } else if (*p == 'z') {
    len = kSize;
    ++p;
  } else if (*p == 'j') {
    len = kMax;
    ++p;
  } else if (*p == 't') {
    len = kPtrdiff;
    ++p;
  }
  *f = p;
  return len;
}

static void put_string(struct umach_sink *s, const struct spec *sp, const char *str) {
  if (!str) str = "(null)";
  int len = 0;
  while (str[len] && (sp->precision < 0 || len < sp->precision)) ++len;
  put_padded(s, sp, "", 0, 0, str, len);
}

int umach_format(struct umach_sink *s, const char *f, va_list ap_in) {
  va_list ap;
  va_copy(ap, ap_in);
  while (*f) {
    if (*f != '%') {
      put(s, *f++);
      continue;
    }
    const char *start = f++;
    struct spec sp;
    enum length len = parse_spec(&f, &sp, &ap);
    char conv = *f;
    if (conv) ++f;
    switch (conv) {
      case 'd':
      case 'i': {
        long long v = signed_arg(&ap, len);
        unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        put_number(s, &sp, mag, v < 0, 10, 0, 0);
        break;
      }
      case 'u': put_number(s, &sp, unsigned_arg(&ap, len), 0, 10, 0, 0); break;
      case 'x': put_number(s, &sp, unsigned_arg(&ap, len), 0, 16, 0, 0); break;
      case 'X': put_number(s, &sp, unsigned_arg(&ap, len), 0, 16, 1, 0); break;
      case 'o': put_number(s, &sp, unsigned_arg(&ap, len), 0, 8, 0, 0); break;
      case 'p': {
        void *p = va_arg(ap, void *);
        if (p) {
          put_number(s, &sp, (uintptr_t)p, 0, 16, 0, 1);
        } else {
          struct spec nil = sp;
          nil.precision = -1;
          put_string(s, &nil, "(nil)");
        }
        break;
      }
      case 's': put_string(s, &sp, va_arg(ap, const char *)); break;
      case 'c': {
        char c = (char)va_arg(ap, int);
        put_padded(s, &sp, "", 0, 0, &c, 1);
        break;
      }
      case '%': put(s, '%'); break;
      default: /* unknown: copy the conversion as written */
        while (start < f) put(s, *start++);
        break;
    }
  }
  va_end(ap);
  if (s->cap) s->buf[s->pos] = '\0';
  return s->total > 0x7fffffff ? -1 : (int)s->total;
}
