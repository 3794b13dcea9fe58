#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/core.h"

namespace verdict {
namespace {

std::vector<char32_t> DecodeAll(std::string_view bytes) {
  std::vector<char32_t> out;
  size_t pos = 0;
  while (pos < bytes.size()) out.push_back(NextCodePoint(bytes, &pos));
  return out;
}

// Expected values are what Python's bytes.decode("utf-8", errors="replace") gives.
TEST(Utf8Test, ReplacesEachMaximalSubpartOnce) {
  const char32_t r = kReplacementChar;
  EXPECT_EQ(DecodeAll("a\xc3\xa9"), (std::vector<char32_t>{'a', 0xE9}));
  EXPECT_EQ(DecodeAll("\xe2\x82("), (std::vector<char32_t>{r, '('}));
  EXPECT_EQ(DecodeAll("\xf0\x9f\x98"), (std::vector<char32_t>{r}));
  EXPECT_EQ(DecodeAll("\xed\xa0\x80"), (std::vector<char32_t>{r, r, r}));
  EXPECT_EQ(DecodeAll("\xc0\xaf"), (std::vector<char32_t>{r, r}));
  EXPECT_EQ(DecodeAll("\xf4\x90\x80\x80"), (std::vector<char32_t>{r, r, r, r}));
  EXPECT_EQ(DecodeAll("\xf0\x9f\x98\x80"), (std::vector<char32_t>{0x1F600}));
  EXPECT_EQ(DecodeAll("\x80\xff"), (std::vector<char32_t>{r, r}));
  EXPECT_EQ(DecodeUtf8("\xe2\x82("), (std::u32string{r, '('}));
}

TEST(Utf8Test, SanitizeReplacesMaximalSubpartsLikePython) {
  EXPECT_EQ(SanitizeUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("a\xFF"
                         "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SanitizeUtf8("\xE2\x82"), "\xEF\xBF\xBD");  // truncated: one
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  EXPECT_EQ(SanitizeUtf8("\xEF\xBF\xBD"), "\xEF\xBF\xBD");  // a real U+FFFD stays one
  EXPECT_EQ(SanitizeUtf8(std::string_view("\0x", 2)), std::string("\0x", 2));
}

TEST(Utf8Test, RoundTripsEveryScalarValue) {
  std::string text;
  for (char32_t cp = 0; cp < 0x110000; cp += (cp < 0x800 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    text.clear();
    AppendUtf8(cp, &text);
    size_t pos = 0;
    ASSERT_EQ(NextCodePoint(text, &pos), cp);
    ASSERT_EQ(pos, text.size());
    ASSERT_EQ(PreviousCodePointStart(text, text.size()), 0u);
    ASSERT_EQ(EncodeUtf8(DecodeUtf8(text)), text);
  }
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("a\xC3\xA9\xF0\x9F\x98\x80"), 3u);
}

}  // namespace
}  // namespace verdict
