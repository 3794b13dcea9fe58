#include "tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace verdict::tokenizer::internal {
namespace {

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
