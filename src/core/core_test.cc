#include "core/core.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

namespace verdict {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  VERDICT_ASSIGN_OR_RETURN(int half, Half(x));
  VERDICT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = NotFound("file 'a.csv' does not exist");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NotFound: file 'a.csv' does not exist");
  EXPECT_EQ(s.WithContext("reading data").message(), "reading data: file 'a.csv' does not exist");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Result, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "odd: 3");
}

// Expected texts are what python3 prints for repr(value).
TEST(Format, PythonFloatSpellsLikePythonRepr) {
  EXPECT_EQ(FormatPythonFloat(5.0), "5.0");
  EXPECT_EQ(FormatPythonFloat(0.1), "0.1");
  EXPECT_EQ(FormatPythonFloat(0.3), "0.3");
  EXPECT_EQ(FormatPythonFloat(0.5), "0.5");
  EXPECT_EQ(FormatPythonFloat(1.0), "1.0");
  EXPECT_EQ(FormatPythonFloat(100.0), "100.0");
  EXPECT_EQ(FormatPythonFloat(123.0), "123.0");
  EXPECT_EQ(FormatPythonFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPythonFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatPythonFloat(1e-4 * 1.5), "0.00015000000000000001");
  EXPECT_EQ(FormatPythonFloat(1.5e-4), "0.00015");
  EXPECT_EQ(FormatPythonFloat(1e-05), "1e-05");
  EXPECT_EQ(FormatPythonFloat(2.5e-07), "2.5e-07");
  EXPECT_EQ(FormatPythonFloat(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(FormatPythonFloat(1e16), "1e+16");
  EXPECT_EQ(FormatPythonFloat(1.5e16), "1.5e+16");
  EXPECT_EQ(FormatPythonFloat(1.5e22), "1.5e+22");
  EXPECT_EQ(FormatPythonFloat(12345678901234567.0), "1.2345678901234568e+16");
  EXPECT_EQ(FormatPythonFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatPythonFloat(5e-324), "5e-324");
  EXPECT_EQ(FormatPythonFloat(-0.25), "-0.25");
  EXPECT_EQ(FormatPythonFloat(0.0), "0.0");
  EXPECT_EQ(FormatPythonFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatPythonFloat(std::nan("")), "nan");
  EXPECT_EQ(FormatPythonFloat(HUGE_VAL), "inf");
  EXPECT_EQ(FormatPythonFloat(-HUGE_VAL), "-inf");
  EXPECT_EQ(FormatPythonFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatPythonFloat(9.999999999999998e15), "9999999999999998.0");
  EXPECT_EQ(FormatPythonFloat(123.456), "123.456");
  EXPECT_EQ(FormatPythonFloat(0.0001234), "0.0001234");
  EXPECT_EQ(FormatPythonFloat(-1234.5), "-1234.5");
  EXPECT_EQ(FormatPythonFloat(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(FormatPythonFloat(0.9999999999999999), "0.9999999999999999");
}

// AppendPythonFloat adds to what the buffer holds, and every finite double's text parses back to
// the same double: random bit patterns (mostly scientific notation) and random values between
// 2^-20 and 2^56 (fixed notation, as probabilities are).
TEST(Format, AppendPythonFloatAppendsAndRoundTrips) {
  std::string text = "p=";
  AppendPythonFloat(text, 0.25);
  text += ',';
  AppendPythonFloat(text, -1e-05);
  EXPECT_EQ(text, "p=0.25,-1e-05");
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> unit(0.5, 1.0);
  for (int i = 0; i < 200000; ++i) {
    double value;
    if (i % 2) {
      const uint64_t bits = random();
      std::memcpy(&value, &bits, sizeof(value));
      if (!std::isfinite(value)) continue;
    } else {
      value = std::ldexp(unit(random), i % 77 - 20);
    }
    std::string spelled;
    AppendPythonFloat(spelled, value);
    ASSERT_EQ(spelled, FormatPythonFloat(value));
    const std::optional<double> parsed = ParseDouble(spelled);
    ASSERT_TRUE(parsed.has_value()) << spelled;
    ASSERT_EQ(std::memcmp(&*parsed, &value, sizeof(value)), 0) << spelled;
  }
}

// The significant digits of a number's text: no sign, point, exponent, leading or trailing zeros.
std::string SignificantDigits(std::string_view text) {
  std::string digits;
  for (char c : text.substr(0, text.find('e'))) {
    if (c >= '0' && c <= '9') digits += c;
  }
  digits.erase(0, digits.find_first_not_of('0'));
  digits.erase(digits.find_last_not_of('0') + 1);
  return digits;
}

// AppendPythonFloat finds the digits of a double read back from a short decimal (the writer's
// probabilities) by scaling and rounding: they must be the double's own shortest ones, as
// std::to_chars finds them, for those doubles, for their neighbours a few ulps away (0.1 + 0.2 is
// one) and for doubles of every other kind.
TEST(Format, AppendPythonFloatHasTheShortestDigits) {
  std::mt19937_64 random(11);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int i = 0; i < 400000; ++i) {
    double value;
    if (i % 4 == 0) {
      value = Float32AsWritten(unit(random));
    } else if (i % 4 == 1) {
      const auto bits = static_cast<uint32_t>(random());
      float narrow;
      std::memcpy(&narrow, &bits, sizeof(narrow));
      value = Float32AsWritten(narrow);
    } else if (i % 4 == 2) {
      value = Float32AsWritten(unit(random));
      const double direction = random() % 2 ? 2.0 : -1.0;
      for (uint64_t step = random() % 4; step < 4; ++step) value = std::nextafter(value, direction);
    } else {
      const uint64_t bits = random();
      std::memcpy(&value, &bits, sizeof(value));
    }
    if (!std::isfinite(value) || value == 0) continue;
    char shortest[64];
    const auto end =
        std::to_chars(shortest, shortest + sizeof(shortest), value, std::chars_format::scientific);
    const std::string spelled = FormatPythonFloat(value);
    ASSERT_EQ(SignificantDigits(spelled), SignificantDigits(std::string_view(shortest, end.ptr)))
        << spelled;
  }
}

// Float32AsWritten is the double of the float's shortest decimal, checked against printf and
// strtof rather than std::to_chars: the double's text reads back to the float, it is the nearest
// decimal to the float with that many digits, and no decimal of one digit fewer reads back to the
// float. Values in [0, 1), random bit patterns (subnormals, large exponents), special values.
TEST(Format, Float32AsWrittenReadsTheShortestTextBack) {
  EXPECT_EQ(Float32AsWritten(0.1f), 0.1);
  EXPECT_EQ(Float32AsWritten(-2.5e-7f), -2.5e-7);
  EXPECT_EQ(Float32AsWritten(1e-45f), 1e-45);
  EXPECT_EQ(Float32AsWritten(16777216.0f), 16777216.0);
  EXPECT_TRUE(std::signbit(Float32AsWritten(-0.0f)));
  EXPECT_TRUE(std::isnan(Float32AsWritten(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(Float32AsWritten(-std::numeric_limits<float>::infinity()),
            -std::numeric_limits<double>::infinity());
  std::mt19937_64 random(13);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int i = 0; i < 200000; ++i) {
    float value = unit(random);
    if (i % 2) {
      const auto bits = static_cast<uint32_t>(random());
      std::memcpy(&value, &bits, sizeof(value));
      if (!std::isfinite(value)) continue;
    }
    if (value == 0) continue;
    const double got = Float32AsWritten(value);
    const std::string text = FormatPythonFloat(got);
    ASSERT_EQ(std::strtof(text.c_str(), nullptr), value) << text;
    const int digits = static_cast<int>(SignificantDigits(text).size());
    char nearest[64];
    std::snprintf(nearest, sizeof(nearest), "%.*e", digits - 1, static_cast<double>(value));
    ASSERT_EQ(std::strtod(nearest, nullptr), got) << text << " " << nearest;
    if (digits > 1) {
      char shorter[64];
      std::snprintf(shorter, sizeof(shorter), "%.*e", digits - 2, static_cast<double>(value));
      ASSERT_NE(std::strtof(shorter, nullptr), value) << text << " " << shorter;
    }
  }
}

TEST(Format, ShortestRoundTrips) {
  EXPECT_EQ(FormatShortest(0.1), "0.1");
  EXPECT_EQ(FormatShortest(3.0), "3");
  EXPECT_EQ(FormatFixed(0.123456789, 4), "0.1235");
  double v = 0.1 + 0.2;
  EXPECT_EQ(*ParseDouble(FormatShortest(v)), v);
}

TEST(Parse, NumbersStrictly) {
  EXPECT_EQ(*ParseDouble(" 1.5 "), 1.5);
  EXPECT_EQ(*ParseDouble("1e3"), 1000.0);
  EXPECT_TRUE(std::isnan(*ParseDouble("NaN")));
  EXPECT_TRUE(std::isinf(*ParseDouble("-inf")));
  EXPECT_FALSE(ParseDouble("abc").has_value());
  EXPECT_FALSE(ParseDouble("1.5x").has_value());
  EXPECT_FALSE(ParseDouble("").has_value());
  EXPECT_EQ(*ParseInt("42"), 42);
  EXPECT_FALSE(ParseInt("4.2").has_value());
}

TEST(Strings, Helpers) {
  EXPECT_EQ(Split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(TrimAscii("  x \n"), "x");
  EXPECT_EQ(AsciiLower("AbC"), "abc");
  EXPECT_EQ(Quote(std::string(100, 'x')).size(), 60u + 5u);
}

TEST(Quote, EscapesControlCharacters) {
  EXPECT_EQ(Quote("a\nb\r\tc"), "'a\\nb\\r\\tc'");
  EXPECT_EQ(Quote(std::string("\x1b[31m\0\x7f\x01", 8)), "'\\x1b[31m\\x00\\x7f\\x01'");
  EXPECT_EQ(Quote("caf\xC3\xA9 \\ ok"), "'caf\xC3\xA9 \\ ok'");  // UTF-8 and backslash kept
  // Cut at 60 bytes of the text, then escaped.
  EXPECT_EQ(Quote(std::string(59, 'x') + "\n\n"), "'" + std::string(59, 'x') + "\\n...'");
}

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("plain text"), "plain text");
}

TEST(Files, AtomicWriteAndRead) {
  std::string dir = ::testing::TempDir() + "/verdict_core_test/sub";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WriteFileAtomic(dir + "/f.txt", "hello").ok());
  EXPECT_EQ(*ReadFile(dir + "/f.txt"), "hello");
  EXPECT_EQ(ReadFile(dir + "/missing").status().code(), StatusCode::kNotFound);
}

// A path that exists but is no regular file is named as what it is, not as missing.
TEST(Files, ReadFileNamesWhatIsNotAFile) {
  const Status directory = ReadFile(::testing::TempDir()).status();
  EXPECT_NE(directory.message().find("is a directory"), std::string::npos) << directory.message();
  const Status device = ReadFile("/dev/null").status();
  EXPECT_NE(device.message().find("'/dev/null' is not a regular file"), std::string::npos)
      << device.message();
}

TEST(Format, OneLineFoldsLineBreaks) {
  EXPECT_EQ(OneLine("plain"), "plain");
  EXPECT_EQ(OneLine("first\nsecond"), "first; second");
  EXPECT_EQ(OneLine("  a  \r\n\n    b\n"), "a; b");
  EXPECT_EQ(OneLine("schema:\n  x: int64\n  y: string"), "schema:; x: int64; y: string");
}

TEST(DirectoryLock, SecondHolderFailsUntilTheFirstIsGone) {
  const std::string dir = ::testing::TempDir() + "/verdict_core_lock/out";
  std::filesystem::remove_all(dir);
  {
    Result<DirectoryLock> first = DirectoryLock::Acquire(dir);  // creates the directory
    ASSERT_TRUE(first.ok()) << first.status().message();
    Result<DirectoryLock> second = DirectoryLock::Acquire(dir);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.status().message().find("another verdict run is writing into"),
              std::string::npos);
  }
  EXPECT_TRUE(DirectoryLock::Acquire(dir).ok());
}

// ExitAfterMain skips static destructors, so what must happen at exit is a TerminationCleanup
// still registered: it runs (signal 0) before the process ends with the code; one whose object is
// gone does not.
TEST(ExitAfterMain, RunsTheLiveCleanupsAndExitsWithTheCode) {
  const std::string dir = ::testing::TempDir() + "/verdict_exit_after_main";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_EXIT(
      {
        {
          TerminationCleanup gone([&](int) { (void)WriteFileAtomic(dir + "/gone", "x"); });
        }
        static TerminationCleanup live(
            [&](int signal) { (void)WriteFileAtomic(dir + "/live", std::to_string(signal)); });
        ExitAfterMain(3);
      },
      ::testing::ExitedWithCode(3), "");
  EXPECT_EQ(*ReadFile(dir + "/live"), "0");
  EXPECT_FALSE(std::filesystem::exists(dir + "/gone"));
}

}  // namespace
}  // namespace verdict
