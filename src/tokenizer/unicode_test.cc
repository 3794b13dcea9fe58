#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace verdict::tokenizer::internal {
namespace {

std::vector<char32_t> DecodeAll(std::string_view bytes) {
  std::vector<char32_t> out;
  size_t pos = 0;
  while (pos < bytes.size()) out.push_back(DecodeUtf8(bytes, &pos));
  return out;
}

// Expected values are what Python's bytes.decode("utf-8", errors="replace") gives.
TEST(DecodeUtf8, ReplacesEachMaximalSubpartOnce) {
  const char32_t r = kReplacementChar;
  EXPECT_EQ(DecodeAll("a\xc3\xa9"), (std::vector<char32_t>{'a', 0xE9}));
  EXPECT_EQ(DecodeAll("\xe2\x82("), (std::vector<char32_t>{r, '('}));
  EXPECT_EQ(DecodeAll("\xf0\x9f\x98"), (std::vector<char32_t>{r}));
  EXPECT_EQ(DecodeAll("\xed\xa0\x80"), (std::vector<char32_t>{r, r, r}));
  EXPECT_EQ(DecodeAll("\xc0\xaf"), (std::vector<char32_t>{r, r}));
  EXPECT_EQ(DecodeAll("\xf4\x90\x80\x80"), (std::vector<char32_t>{r, r, r, r}));
  EXPECT_EQ(DecodeAll("\xf0\x9f\x98\x80"), (std::vector<char32_t>{0x1F600}));
  EXPECT_EQ(DecodeAll("\x80\xff"), (std::vector<char32_t>{r, r}));
}

TEST(AppendUtf8, RoundTripsEveryScalarValue) {
  std::string text;
  for (char32_t cp = 0; cp < 0x110000; cp += (cp < 0x800 ? 1 : 97)) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    text.clear();
    AppendUtf8(cp, &text);
    size_t pos = 0;
    ASSERT_EQ(DecodeUtf8(text, &pos), cp);
    ASSERT_EQ(pos, text.size());
  }
}

TEST(CharTables, KnownCharacters) {
  EXPECT_TRUE(LookupChar(0x4E00).flags & kChinese);
  EXPECT_TRUE(LookupChar(0x2B920).flags & kChinese);
  EXPECT_FALSE(LookupChar(0x2B820).flags & kChinese);  // differs from the slow tokenizer
  EXPECT_FALSE(LookupChar(0xAC00).flags & kChinese);
  EXPECT_TRUE(LookupChar(0x00A0).flags & kCleanSpace);
  EXPECT_TRUE(LookupChar(0x200D).flags & kCleanRemove);
  EXPECT_TRUE(LookupChar(0x000B).flags & kCleanRemove);  // Cc whitespace is deleted
  EXPECT_TRUE(LookupChar(0xFFFD).flags & kCleanRemove);
  EXPECT_TRUE(LookupChar(0x0301).flags & kNonspacing);
  EXPECT_TRUE(LookupChar('$').flags & kPunctuation);
  EXPECT_FALSE(LookupChar(0x20AC).flags & kPunctuation);  // euro sign is a symbol
  EXPECT_TRUE(LookupChar(0x3000).flags & kWhitespace);
  EXPECT_EQ(LookupChar(0x0301).combining_class, 230);
  EXPECT_FALSE(TablesVersion().empty());
}

TEST(CharTables, DecomposeAndLowercase) {
  char32_t out[4];
  ASSERT_EQ(Decompose(0xE9, LookupChar(0xE9), out), 2u);
  EXPECT_EQ(out[0], U'e');
  EXPECT_EQ(out[1], 0x301u);
  ASSERT_EQ(Decompose(0xD55C, LookupChar(0xD55C), out), 3u);  // 한
  EXPECT_EQ(out[0], 0x1112u);
  EXPECT_EQ(out[1], 0x1161u);
  EXPECT_EQ(out[2], 0x11ABu);
  ASSERT_EQ(Lowercase(0x130, LookupChar(0x130), out), 2u);  // İ -> i + combining dot
  EXPECT_EQ(out[0], U'i');
  EXPECT_EQ(out[1], 0x307u);
  ASSERT_EQ(Lowercase(0x3A3, LookupChar(0x3A3), out), 1u);  // no final-sigma rule
  EXPECT_EQ(out[0], 0x3C3u);
}

}  // namespace
}  // namespace verdict::tokenizer::internal
