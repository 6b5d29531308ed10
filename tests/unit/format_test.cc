// tests/unit/format_test.cc: the core's formatter against the C library's.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/log.h"

namespace {

#define EXPECT_FORMATS_LIKE_PRINTF(...)                      \
  do {                                                       \
    char ours[256], libc[256];                               \
    size_t n = umach::ksnprintf(ours, sizeof ours, __VA_ARGS__); \
    int m = std::snprintf(libc, sizeof libc, __VA_ARGS__);   \
    EXPECT_STREQ(ours, libc);                                \
    EXPECT_EQ(n, static_cast<size_t>(m));                    \
  } while (0)

TEST(Format, IntegersMatchPrintf) {
  EXPECT_FORMATS_LIKE_PRINTF("%d %i %u", -1, 2147483647, 4294967295u);
  EXPECT_FORMATS_LIKE_PRINTF("%ld %lu %lld %llu", -5L, 5UL, -9223372036854775807LL - 1, 18446744073709551615ULL);
  EXPECT_FORMATS_LIKE_PRINTF("%x %X %o %#x %#o %#X", 0xbeefu, 0xbeefu, 8u, 255u, 8u, 255u);
  EXPECT_FORMATS_LIKE_PRINTF("%hhu %hd %zu %zx", static_cast<unsigned char>(200), static_cast<short>(-7000), size_t{123}, size_t{0xfff});
}

TEST(Format, WidthFlagsAndPrecisionMatchPrintf) {
  EXPECT_FORMATS_LIKE_PRINTF("[%5d|%-5d|%05d]", 42, 42, 42);
  EXPECT_FORMATS_LIKE_PRINTF("[%08x|%#010x|%*d|%-*d]", 0xabcu, 0xabcu, 6, 7, 6, 7);
  EXPECT_FORMATS_LIKE_PRINTF("[%5d|%05d]", -42, -42);
  EXPECT_FORMATS_LIKE_PRINTF("[%s|%10s|%-10s|%.3s|%.*s]", "mach", "mach", "mach", "mach", 2, "mach");
  EXPECT_FORMATS_LIKE_PRINTF("%c%c%% %p", 'o', 'k', reinterpret_cast<void*>(0xdeadbeef));
}

TEST(Format, TruncatesAndAlwaysTerminates) {
  char buf[8];
  EXPECT_EQ(umach::ksnprintf(buf, sizeof buf, "%s", "0123456789"), 10u);
  EXPECT_STREQ(buf, "0123456");
  EXPECT_EQ(umach::ksnprintf(buf, 1, "abc"), 3u);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(umach::ksnprintf(nullptr, 0, "%d", 12345), 5u);
}

TEST(Format, NullStringPrintsPlaceholder) {
  char buf[16];
  const char* nothing = nullptr;
  umach::ksnprintf(buf, sizeof buf, "%s", nothing);
  EXPECT_STREQ(buf, "(null)");
}

}  // namespace
