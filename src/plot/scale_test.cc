#include "plot/scale.h"

#include <gtest/gtest.h>

namespace verdict::plot::internal {
namespace {

TEST(NiceTicks, UnitIntervalStepsByFifths) {
  const std::vector<double> ticks = NiceTicks(-0.01, 1.01, 6);
  ASSERT_EQ(ticks.size(), 6u);
  for (size_t i = 0; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i], 0.2 * i, 1e-12);
}

TEST(NiceTicks, UsesTwoAndAHalfAndLargeMagnitudes) {
  EXPECT_EQ(NiceTicks(0, 1, 4), (std::vector<double>{0, 0.25, 0.5, 0.75, 1.0}));
  EXPECT_EQ(NiceTicks(0, 3e6, 6), (std::vector<double>{0, 5e5, 1e6, 1.5e6, 2e6, 2.5e6, 3e6}));
}

TEST(NiceTicks, SymmetricRangeHasAnExactZero) {
  const std::vector<double> ticks = NiceTicks(-0.3, 0.3, 6);
  ASSERT_EQ(ticks.size(), 7u);
  EXPECT_EQ(ticks[3], 0.0);
  EXPECT_NEAR(ticks.front(), -0.3, 1e-12);
}

TEST(NiceTicks, DegenerateSpansEndQuickly) {
  EXPECT_LE(NiceTicks(1e17, 1e17 + 64, 6).size(), 17u);
  EXPECT_TRUE(NiceTicks(-1e308, 1e308, 6).empty());  // the span overflows
  EXPECT_TRUE(NiceTicks(0, 0, 6).empty());
}

TEST(FormatTick, DecimalsFollowTheStep) {
  EXPECT_EQ(FormatTick(0.25, 0.25), "0.25");
  EXPECT_EQ(FormatTick(0.0, 0.2), "0.0");
  EXPECT_EQ(FormatTick(10, 5), "10");
  EXPECT_EQ(FormatTick(1.5e6, 5e5), "1.5M");
  EXPECT_EQ(FormatTick(20000, 10000), "20k");
  EXPECT_EQ(FormatTick(-0.5, 0.5), "\u22120.5");
}

TEST(AutoRange, MarginsExceptAtStickyBarBaselines) {
  Extent bars;
  bars.Include(0, /*sticky=*/true);
  bars.Include(10);
  const Range range = AutoRange(bars);
  EXPECT_EQ(range.min, 0);
  EXPECT_DOUBLE_EQ(range.max, 10.5);

  Extent line;
  line.Include(2);
  line.Include(4);
  line.Include(2, /*sticky=*/true);  // a sticky value at the minimum makes that end sticky
  EXPECT_EQ(AutoRange(line, 0.5).min, 2);
  EXPECT_DOUBLE_EQ(AutoRange(line, 0.5).max, 5);

  line.Include(1);  // a plain value past it removes the stickiness
  EXPECT_DOUBLE_EQ(AutoRange(line).min, 0.85);
}

TEST(AutoRange, EmptyAndSingleValue) {
  EXPECT_EQ(AutoRange(Extent{}).min, 0);
  EXPECT_EQ(AutoRange(Extent{}).max, 1);
  Extent one;
  one.Include(5);
  EXPECT_DOUBLE_EQ(AutoRange(one).min, 4.5);
  EXPECT_DOUBLE_EQ(AutoRange(one).max, 5.5);
}

}  // namespace
}  // namespace verdict::plot::internal
