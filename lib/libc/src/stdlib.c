/* lib/libc/src/stdlib.c: number parsing (stdlib.h), C semantics: leading
 * space, an optional sign, base 0 guesses 8/10/16 from the prefix, base 16
 * accepts 0x; out-of-range values saturate (there is no errno). */
#include <ctype.h>
#include <stdlib.h>

static int digit_value(int c) {
  if (isdigit(c)) return c - '0';
  if (islower(c)) return c - 'a' + 10;
  if (isupper(c)) return c - 'A' + 10;
  return 99;
}

/* Parses the magnitude; *negative gets the sign, *overflow whether it
 * exceeded `limit`. */
static unsigned long long parse(const char *s, char **end, int base, int *negative, unsigned long long limit,
                                int *overflow) {
  const char *p = s;
  *negative = 0;
  *overflow = 0;
  while (isspace((unsigned char)*p)) ++p;
  if (*p == '+' || *p == '-') *negative = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = p[0] == '0' ? 8 : 10;
  }
  unsigned long long v = 0;
  const char *digits = p;
  if (base >= 2 && base <= 36) {
    for (int d; (d = digit_value((unsigned char)*p)) < base; ++p) {
      if (v > (limit - (unsigned)d) / (unsigned)base) *overflow = 1;
      if (!*overflow) v = v * (unsigned)base + (unsigned)d;
    }
  }
  if (end) *end = (char *)(p == digits ? s : p);
  return v;
}

unsigned long long strtoull(const char *__restrict s, char **__restrict end, int base) {
  int negative, overflow;
  unsigned long long v = parse(s, end, base, &negative, ~0ull, &overflow);
  if (overflow) return ~0ull;
  return negative ? 0ull - v : v;
}

unsigned long strtoul(const char *__restrict s, char **__restrict end, int base) {
  return (unsigned long)strtoull(s, end, base);
}

long long strtoll(const char *__restrict s, char **__restrict end, int base) {
  int negative, overflow;
  unsigned long long v = parse(s, end, base, &negative, ~0ull, &overflow);
  unsigned long long max = ~0ull >> 1; /* LLONG_MAX */
  if (negative) return overflow || v > max + 1 ? (long long)(max + 1) : (long long)(0ull - v);
  return overflow || v > max ? (long long)max : (long long)v;
}

long strtol(const char *__restrict s, char **__restrict end, int base) { return (long)strtoll(s, end, base); }

int atoi(const char *s) { return (int)strtol(s, 0, 10); }
long atol(const char *s) { return strtol(s, 0, 10); }

int abs(int v) { return v < 0 ? -v : v; }
long labs(long v) { return v < 0 ? -v : v; }
