// lib/tests/libc_test.cc: the task-program libc (lib/libc), compiled for the
// host under renamed symbols (libc_host.h), with a fake mach_print that
// records what printf would put on the console.
#include <gtest/gtest.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "libc_host.h"

namespace {
std::vector<std::string> g_prints;
}

// The trap libc's output goes through: one call per recorded string.
extern "C" void mach_print(const char* s) { g_prints.emplace_back(s); }

namespace {

// vsnprintf into a roomy buffer; also checks that the count it returns is
// the string's length and that a size-0 call counts the same.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[512];
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int len = umach_libc_vsnprintf(buf, sizeof buf, fmt, ap);
  int counted = umach_libc_vsnprintf(nullptr, 0, fmt, ap2);
  va_end(ap2);
  va_end(ap);
  EXPECT_EQ(len, static_cast<int>(strlen(buf))) << fmt;
  EXPECT_EQ(counted, len) << "a size-0 call counts the same characters: " << fmt;
  return buf;
}

TEST(LibcFormat, IntegersInEveryBase) {
  EXPECT_EQ(format("%d %i %u", -42, 17, 42u), "-42 17 42");
  EXPECT_EQ(format("%x %X %o", 0xbeefu, 0xbeefu, 8u), "beef BEEF 10");
  EXPECT_EQ(format("%d", INT_MIN), "-2147483648");
  EXPECT_EQ(format("%u", UINT_MAX), "4294967295");
}

TEST(LibcFormat, LengthModifiers) {
  EXPECT_EQ(format("%ld %lu", LONG_MIN, ULONG_MAX), "-9223372036854775808 18446744073709551615");
  EXPECT_EQ(format("%lld %llx", -1ll, 0x123456789abcdefull), "-1 123456789abcdef");
  EXPECT_EQ(format("%zu %zx", size_t{12345}, size_t{0xfff}), "12345 fff");
  EXPECT_EQ(format("%hd %hu", static_cast<short>(-2), static_cast<unsigned short>(65535)), "-2 65535");
  EXPECT_EQ(format("%hhd %hhu", static_cast<signed char>(-3), static_cast<unsigned char>(255)), "-3 255");
}

TEST(LibcFormat, WidthPrecisionAndFlags) {
  EXPECT_EQ(format("[%5d]", 42), "[   42]");
  EXPECT_EQ(format("[%-5d]", 42), "[42   ]");
  EXPECT_EQ(format("[%05d]", -42), "[-0042]");
  EXPECT_EQ(format("[%.3d]", 7), "[007]");
  EXPECT_EQ(format("[%8.3x]", 0xau), "[     00a]");
  EXPECT_EQ(format("[%08.3d]", 7), "[     007]") << "a precision turns the 0 flag off";
  EXPECT_EQ(format("[%.0d]", 0), "[]");
  EXPECT_EQ(format("[%*d|%-*d]", 4, 1, 3, 2), "[   1|2  ]");
  EXPECT_EQ(format("[%+d % d]", 5, 5), "[+5  5]");
  EXPECT_EQ(format("[%#x %#o %#x]", 255u, 8u, 0u), "[0xff 010 0]");
  EXPECT_EQ(format("[%016llx]", 0x1234ull), "[0000000000001234]");
}

TEST(LibcFormat, StringsCharactersAndPointers) {
  EXPECT_EQ(format("%s|%.3s|%6s|%-6s|", "hello", "hello", "ab", "ab"), "hello|hel|    ab|ab    |");
  EXPECT_EQ(format("%s", static_cast<const char*>(nullptr)), "(null)");
  EXPECT_EQ(format("%c%c%3c", 'a', 'b', 'c'), "ab  c");
  EXPECT_EQ(format("%p", reinterpret_cast<void*>(0x1000)), "0x1000");
  EXPECT_EQ(format("%p", static_cast<void*>(nullptr)), "(nil)");
  EXPECT_EQ(format("100%%"), "100%");
}

TEST(LibcFormat, SnprintfTruncatesButCountsEverything) {
  char buf[8];
  memset(buf, 'x', sizeof buf);
  EXPECT_EQ(umach_libc_snprintf(buf, sizeof buf, "%s-%d", "abcdef", 12345), 12);
  EXPECT_STREQ(buf, "abcdef-");
  EXPECT_EQ(umach_libc_snprintf(buf, 1, "abc"), 3);
  EXPECT_STREQ(buf, "");
}

TEST(LibcPrintf, OneLineIsOneMachPrint) {
  g_prints.clear();
  EXPECT_EQ(umach_libc_printf("touch: %s\n", "ok"), 10);
  ASSERT_EQ(g_prints.size(), 1u);
  EXPECT_EQ(g_prints[0], "touch: ok\n");
}

TEST(LibcPrintf, LongOutputIsSplitWithoutLosingCharacters) {
  g_prints.clear();
  std::string big(1000, 'z');
  EXPECT_EQ(umach_libc_printf("<%s>", big.c_str()), 1002);
  std::string all;
  for (const std::string& s : g_prints) all += s;
  EXPECT_GT(g_prints.size(), 1u);
  EXPECT_EQ(all, "<" + big + ">");
}

TEST(LibcPrintf, PutsAddsANewlineAndPutcharPrintsOneCharacter) {
  g_prints.clear();
  EXPECT_GE(umach_libc_puts("line"), 0);
  EXPECT_EQ(umach_libc_putchar('!'), '!');
  ASSERT_EQ(g_prints.size(), 2u);
  EXPECT_EQ(g_prints[0], "line\n");
  EXPECT_EQ(g_prints[1], "!");
}

TEST(LibcString, MemoryFunctions) {
  char a[16] = "0123456789";
  umach_libc_memmove(a + 2, a, 6);
  EXPECT_STREQ(a, "0101234589");
  umach_libc_memmove(a, a + 2, 6);
  EXPECT_STREQ(a, "0123454589");
  char b[4];
  EXPECT_EQ(umach_libc_memcpy(b, "abc", 4), b);
  EXPECT_STREQ(b, "abc");
  umach_libc_memset(b, 'q', 3);
  EXPECT_STREQ(b, "qqq");
  EXPECT_LT(umach_libc_memcmp("abc", "abd", 3), 0);
  EXPECT_GT(umach_libc_memcmp("\xff", "\x01", 1), 0) << "bytes compare unsigned";
  EXPECT_EQ(umach_libc_memcmp("abc", "abd", 2), 0);
  const char* s = "hello";
  EXPECT_EQ(umach_libc_memchr(s, 'l', 5), s + 2);
  EXPECT_EQ(umach_libc_memchr(s, 'z', 5), nullptr);
}

TEST(LibcString, StringFunctions) {
  EXPECT_EQ(umach_libc_strlen(""), 0u);
  EXPECT_EQ(umach_libc_strlen("hello"), 5u);
  EXPECT_EQ(umach_libc_strnlen("hello", 3), 3u);
  EXPECT_EQ(umach_libc_strnlen("hi", 10), 2u);
  EXPECT_EQ(umach_libc_strcmp("abc", "abc"), 0);
  EXPECT_LT(umach_libc_strcmp("ab", "abc"), 0);
  EXPECT_GT(umach_libc_strcmp("b", "abc"), 0);
  EXPECT_GT(umach_libc_strcmp("\xe9", "a"), 0) << "characters compare unsigned";
  EXPECT_EQ(umach_libc_strncmp("abcx", "abcy", 3), 0);
  EXPECT_LT(umach_libc_strncmp("abcx", "abcy", 4), 0);
  char buf[16];
  umach_libc_strcpy(buf, "foo");
  umach_libc_strcat(buf, "bar");
  EXPECT_STREQ(buf, "foobar");
  memset(buf, 'x', sizeof buf);
  umach_libc_strncpy(buf, "ab", 5);
  EXPECT_EQ(std::string(buf, 6), std::string("ab\0\0\0x", 6)) << "strncpy pads with NULs to n";
  EXPECT_EQ(umach_libc_stpncpy(buf, "abcdef", 3), buf + 3);
  const char* s = "a/b/c";
  EXPECT_EQ(umach_libc_strchr(s, '/'), s + 1);
  EXPECT_EQ(umach_libc_strrchr(s, '/'), s + 3);
  EXPECT_EQ(umach_libc_strchr(s, '\0'), s + 5);
  EXPECT_EQ(umach_libc_strchr(s, 'z'), nullptr);
  const char* h = "haystack";
  EXPECT_EQ(umach_libc_strstr(h, "st"), h + 3);
  EXPECT_EQ(umach_libc_strstr(h, ""), h);
  EXPECT_EQ(umach_libc_strstr(h, "needle"), nullptr);
}

TEST(LibcStdlib, ParsesNumbersLikeC) {
  EXPECT_EQ(umach_libc_atoi("  -123xyz"), -123);
  EXPECT_EQ(umach_libc_strtoul("0x7f00", nullptr, 16), 0x7f00u);
  EXPECT_EQ(umach_libc_strtoul("7f00", nullptr, 16), 0x7f00u);
  EXPECT_EQ(umach_libc_strtoul("0x10", nullptr, 0), 16u);
  EXPECT_EQ(umach_libc_strtoul("010", nullptr, 0), 8u);
  EXPECT_EQ(umach_libc_strtoul("10", nullptr, 0), 10u);
  char* end;
  const char* s = "42 rest";
  EXPECT_EQ(umach_libc_strtol(s, &end, 10), 42);
  EXPECT_EQ(end, s + 2);
  const char* none = "  xyz";
  EXPECT_EQ(umach_libc_strtol(none, &end, 10), 0);
  EXPECT_EQ(end, none) << "no digits: end is the start";
  EXPECT_EQ(umach_libc_strtol("-9223372036854775808", nullptr, 10), LONG_MIN);
  EXPECT_EQ(umach_libc_strtol("99999999999999999999", nullptr, 10), LONG_MAX) << "saturates";
  EXPECT_EQ(umach_libc_strtol("-99999999999999999999", nullptr, 10), LONG_MIN);
  EXPECT_EQ(umach_libc_strtoul("99999999999999999999", nullptr, 10), ULONG_MAX);
  EXPECT_EQ(umach_libc_strtoull("ffffffffffffffff", nullptr, 16), ~0ull);
  EXPECT_EQ(umach_libc_strtoll("z", nullptr, 36), 35);
}

}  // namespace
